import { fetchJson } from '../../http-call.ts';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatMoney, money as toMoney, parseMoney, type Money } from '../../../platform/money.ts';
import { CliError, EXIT_USAGE, printJson, printTable, type Io } from '../../output.ts';
import { cardlaneUrl } from '../../server-url.ts';

/**
 * What every `cardlane issuer …` command shares: where Cardlane runs, the data
 * directory (operator key, saved session), --json, and one HTTP client of the
 * issuer API that turns the API's errors into `message (code)` CliErrors.
 */
export { DEFAULT_URL } from '../../server-url.ts';
export const SESSION_FILE = 'cli-session.json';

export interface SavedSession {
  readonly url: string;
  readonly phone: string;
  readonly token: string;
  readonly expires_at: string;
}

export interface IssuerContext {
  readonly io: Io;
  readonly url: string;
  readonly dataDir: string;
  readonly json: boolean;
}

export function contextOf(io: Io, command: Command): IssuerContext {
  const opts = command.optsWithGlobals() as { url?: string; dataDir?: string; json?: boolean };
  const dataDir = resolve(opts.dataDir ?? process.env.CARDLANE_DATA_DIR ?? '.cardlane');
  const url = cardlaneUrl(opts.url, dataDir);
  return { io, url, dataDir, json: opts.json === true };
}

type Auth = 'none' | 'cardholder' | 'operator';

export interface CallOptions {
  readonly auth: Auth;
  readonly body?: unknown;
  readonly query?: Record<string, string | number | undefined>;
  readonly idempotencyKey?: string;
}

export async function call<T = Record<string, unknown>>(ctx: IssuerContext, method: string, path: string, options: CallOptions): Promise<T> {
  const url = new URL(`${ctx.url}/issuer/v1${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.auth === 'cardholder') headers.authorization = `Bearer ${loadSession(ctx).token}`;
  if (options.auth === 'operator') headers.authorization = `Bearer ${operatorKey(ctx)}`;
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  return fetchJson<T>(ctx.url, url, body === undefined ? { method, headers } : { method, headers, body });
}

export function newIdempotencyKey(): string {
  return `cli-${randomUUID()}`;
}

export function operatorKey(ctx: IssuerContext): string {
  const file = join(ctx.dataDir, 'operator-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new CliError(`no operator key at ${file} (run \`cardlane up --data-dir ${ctx.dataDir}\` first, or pass --data-dir)`);
  }
}

export function sessionPath(ctx: IssuerContext): string {
  return join(ctx.dataDir, SESSION_FILE);
}

export function saveSession(ctx: IssuerContext, session: SavedSession): void {
  mkdirSync(ctx.dataDir, { recursive: true });
  const file = sessionPath(ctx);
  writeFileSync(file, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode applies only when it creates the file
}

export function loadSession(ctx: IssuerContext): SavedSession {
  let session: SavedSession;
  try {
    session = JSON.parse(readFileSync(sessionPath(ctx), 'utf8')) as SavedSession;
  } catch {
    throw new CliError('not signed in: run `cardlane issuer sign-in --phone …`, then `cardlane issuer verify`');
  }
  if (typeof session.token !== 'string') throw new CliError(`${sessionPath(ctx)} holds no session; sign in again`);
  return session;
}

/** A USD or CNY amount a person typed ("20.00", "1,000"), as integer minor units; never a float. */
export function typedAmount(text: string, currency: 'USD' | 'CNY', flag: string): number {
  let money: Money;
  try {
    money = parseMoney(text, currency);
  } catch (error) {
    throw new CliError(`${flag}: ${(error as Error).message}`, EXIT_USAGE);
  }
  if (money.amount_minor <= 0) throw new CliError(`${flag}: must be more than zero`, EXIT_USAGE);
  return money.amount_minor;
}

/** An API amount object ({amount_minor, currency, formatted}) or integer USD cents, for people. */
export function money(value: unknown, currency = 'USD'): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') return formatMoney(toMoney(value, currency.toUpperCase()));
  const amount = value as { formatted?: string; amount_minor: number; currency: string };
  return amount.formatted ?? formatMoney(toMoney(amount.amount_minor, amount.currency));
}

/** --json: the API's JSON as one line; otherwise `human()` prints for people. */
export function output(ctx: IssuerContext, value: unknown, human: () => void): void {
  if (ctx.json) printJson(ctx.io, value);
  else human();
}

export function line(ctx: IssuerContext, text: string): void {
  ctx.io.stdout.write(`${text}\n`);
}

export function table(ctx: IssuerContext, rows: ReadonlyArray<readonly [string, string]>): void {
  if (rows.length > 0) printTable(ctx.io, rows);
}
