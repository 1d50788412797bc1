/** The demo's public surface: `cardlane demo story` runs the seed's story against a running Cardlane. */
export { StoryClock } from './story/story-clock.ts';
export { runStory } from './story/story.ts';
export { storyText } from './story/story-text.ts';
