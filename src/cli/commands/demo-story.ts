import { Command } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_USAGE, printJson, type Io } from '../output.ts';
import { addDatabaseOptions, configFlags, type DatabaseOptions } from './options.ts';

interface StoryFlags extends DatabaseOptions {
  readonly lang: string;
  readonly json?: boolean;
}

/**
 * `cardlane demo story`: the seed's story, told by running it. It starts
 * Cardlane in this process on the data directory (any free port, so a
 * `cardlane up` already running elsewhere is not in the way, and without
 * recording its URL: the CLI keeps finding that `cardlane up`), runs every
 * step through the parties' APIs, narrates each step as it ends, and stops.
 * `--json` prints one JSON line per step as it ends, then the whole story.
 */
export function demoStoryCommand(io: Io): Command {
  return addDatabaseOptions(new Command('story'))
    .description("start Cardlane in this process and tell the seed's story by running it: virtual card, declined purchase, the doctor, default card + auto-recharge, spending, recovery, ChatGPT Plus on four accounts, withdrawal, statements, audit")
    .option('--lang <lang>', 'en or zh-CN', 'en')
    .option('--json', 'one JSON line per step as it ends, then the whole story as one JSON object')
    .action(async (flags: StoryFlags) => {
      const { isLang } = await import('../../doctor/index.ts');
      if (!isLang(flags.lang)) throw new CliError(`--lang must be en or zh-CN, not ${flags.lang}`, EXIT_USAGE);
      const lang = flags.lang;
      const { startCardlane } = await import('../../app/index.ts');
      const { StoryClock } = await import('../../demo/index.ts');
      const { runStory } = await import('../../demo/index.ts');
      const { storyText } = await import('../../demo/index.ts');
      const text = storyText(lang);
      const json = flags.json === true;
      const out = (line: string) => io.stdout.write(`${line}\n`);

      const clock = new StoryClock();
      // The server's request logs would drown the story: warnings and errors only, unless asked otherwise.
      const logLevel = flags.logLevel ?? (process.env.CARDLANE_LOG_LEVEL ? undefined : 'warn');
      const cardlane = await startCardlane({ flags: { ...configFlags({ ...flags, logLevel }), port: '0' }, env: process.env, cwd: process.cwd(), clock });
      let result;
      try {
        if (!json) out(`${text.opening()}\n`);
        result = await runStory({
          cardlane,
          clock,
          lang,
          onStepStart: (number, title) => {
            if (!json) out(`${String(number).padStart(2)}. ${title}`);
          },
          onProgress: (line) => {
            if (!json) out(`   ${line}`);
          },
          onStep: (step) => {
            if (json) printJson(io, { object: 'demo_story.step', ...step });
            else for (const line of step.narration) out(`    ${line}`);
          },
        });
      } finally {
        await cardlane.close();
      }
      if (json) printJson(io, result);
      if (!result.ok) {
        const failed = result.error!;
        throw new CliError(text.offScript(failed.number, text.titles[failed.step], failed.message), EXIT_FAILURE);
      }
      if (!json) out(`\n${text.ending()}`);
    });
}
