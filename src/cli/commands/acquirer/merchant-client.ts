import { fetchJson } from '../../http-call.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, printJson, type Io } from '../../output.ts';
import { contextOf, DEFAULT_URL } from '../issuer/client.ts';

/**
 * What every `cardlane acquirer …` command shares: a merchant's view of a
 * running Cardlane through its Stripe-compatible API, with the merchant's
 * secret key. Where Cardlane runs and the data directory are found as the
 * issuer commands find them (`--url`/CARDLANE_URL, `--data-dir`/CARDLANE_DATA_DIR);
 * the key comes from `--key`, then CARDLANE_MERCHANT_KEY, then the demo
 * merchant's credentials that `cardlane up` writes to
 * `<data-dir>/demo-credentials.json` (whose URL is used too when none was given).
 */
export const CREDENTIALS_FILE = 'demo-credentials.json';
export const MERCHANT_KEY_ENV = 'CARDLANE_MERCHANT_KEY';

export interface MerchantContext {
  readonly io: Io;
  readonly url: string;
  readonly key: string;
  readonly json: boolean;
}

interface DemoCredentials {
  readonly acquirer?: { readonly secret_key?: unknown; readonly url?: unknown };
}

export function merchantContextOf(io: Io, command: Command): MerchantContext {
  const base = contextOf(io, command);
  const opts = command.optsWithGlobals() as { url?: string; key?: string };
  const credentials = readCredentials(join(base.dataDir, CREDENTIALS_FILE));
  const urlGiven = opts.url !== undefined || process.env.CARDLANE_URL !== undefined;
  const savedUrl = typeof credentials?.acquirer?.url === 'string' ? credentials.acquirer.url : undefined;
  const url = urlGiven || savedUrl === undefined ? base.url : savedUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const savedKey = typeof credentials?.acquirer?.secret_key === 'string' ? credentials.acquirer.secret_key : undefined;
  const key = opts.key ?? process.env[MERCHANT_KEY_ENV] ?? savedKey;
  if (key === undefined || key.trim() === '') {
    throw new CliError(
      `no merchant key: pass --key sk_test_…, set ${MERCHANT_KEY_ENV}, or run \`cardlane up --data-dir ${base.dataDir}\` (it writes the demo merchant's key to ${join(base.dataDir, CREDENTIALS_FILE)})`,
      EXIT_USAGE,
    );
  }
  return { io, url: url || DEFAULT_URL, key: key.trim(), json: base.json };
}

function readCredentials(file: string): DemoCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // no demo merchant here: the key must come from --key or the environment
  }
  try {
    return JSON.parse(text) as DemoCredentials;
  } catch {
    throw new CliError(`${file} is not valid JSON`);
  }
}

/** Stripe's form encoding with brackets: `condition[in][0]=prepaid`. */
export function formEncode(params: Readonly<Record<string, unknown>>): string {
  const form = new URLSearchParams();
  const add = (name: string, value: unknown): void => {
    if (value === undefined) return;
    if (Array.isArray(value)) value.forEach((item, index) => add(`${name}[${index}]`, item));
    else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) add(`${name}[${key}]`, item);
    else form.append(name, value === null ? '' : String(value));
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  return form.toString();
}

/** One call of the Stripe-compatible API; its error object becomes `message (code)`. */
export async function stripeCall<T>(ctx: MerchantContext, method: 'GET' | 'POST' | 'DELETE', path: string, params: Readonly<Record<string, unknown>> = {}): Promise<T> {
  const encoded = formEncode(params);
  const url = `${ctx.url}/v1${path}${method !== 'POST' && encoded !== '' ? `?${encoded}` : ''}`;
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${ctx.key}` };
  let body: string | undefined;
  if (method === 'POST') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = encoded;
  }
  return fetchJson<T>(ctx.url, url, body === undefined ? { method, headers } : { method, headers, body });
}

/** --json: the API's JSON as one line; otherwise `human()` prints for people. */
export function output(ctx: MerchantContext, value: unknown, human: () => void): void {
  if (ctx.json) printJson(ctx.io, value);
  else human();
}
