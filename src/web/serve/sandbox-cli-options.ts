import { resolve } from 'node:path';

/** Where `cardlane` commands look when given no --data-dir and no --url (cli/commands/issuer/client.ts, cli/server-url.ts). */
const DEFAULT_DATA_DIR = '.cardlane';
const DEFAULT_URL = 'http://127.0.0.1:4400';

/**
 * The options a `npx cardlane issuer …` command needs to reach this server:
 * `--data-dir` when its data directory is not `./.cardlane` (the operator key
 * is read from there), `--url` when it does not listen on the default
 * address. Empty when both are the defaults, so the hint stays as short as
 * the README's. `cwd` is where the server was started, which is where a
 * person runs the command from.
 */
export function sandboxCliOptions(server: { readonly dataDir: string; readonly url: string }, cwd: string = process.cwd()): string {
  const options: string[] = [];
  if (resolve(server.dataDir) !== resolve(cwd, DEFAULT_DATA_DIR)) options.push('--data-dir', shellWord(server.dataDir));
  if (server.url.replace(/\/+$/, '') !== DEFAULT_URL) options.push('--url', shellWord(server.url));
  return options.join(' ');
}

/** A word the shell reads back unchanged: as is when plain, else single-quoted. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
