import { readDemoCredentialsSection } from '../platform/demo-credentials-file.ts';

/** Where `cardlane up` listens when nobody said otherwise. */
export const DEFAULT_URL = 'http://127.0.0.1:4400';

/** `--url`'s help, saying what cardlaneUrl does when it is not given. */
export const URL_OPTION_HELP = `where Cardlane runs (default: env CARDLANE_URL, else the address the last \`cardlane up\` on the data directory recorded, else ${DEFAULT_URL})`;

/**
 * Where the CLI reaches Cardlane: `--url`, else `CARDLANE_URL`, else the
 * address the last `cardlane up` on this data directory wrote down (so
 * `cardlane up --port 4610` is found without repeating the port), else the
 * default address.
 */
export function cardlaneUrl(flagUrl: string | undefined, dataDir: string): string {
  const running = readDemoCredentialsSection<{ readonly url?: unknown }>(dataDir, 'server')?.url;
  const url = flagUrl ?? process.env.CARDLANE_URL ?? (typeof running === 'string' ? running : DEFAULT_URL);
  return url.replace(/\/+$/, '');
}
