import { readFileSync } from 'node:fs';

/** Cardlane's version, from package.json (one source of truth for the CLI, /openapi.json and metrics). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
