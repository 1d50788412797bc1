import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, printJson, type Io } from '../../output.ts';
import { contextOf } from '../issuer/client.ts';

/**
 * What every `cardlane billing …` command shares: an organization's view of
 * the merchant's billing API (`/billing/v1`) with one of its API keys —
 * `--key`, then CARDLANE_ORG_KEY, then the demo organization's key that
 * `cardlane up` writes to `<data-dir>/demo-credentials.json`.
 */
export const ORG_KEY_ENV = 'CARDLANE_ORG_KEY';
const CREDENTIALS_FILE = 'demo-credentials.json';

export interface OrgContext {
  readonly io: Io;
  readonly url: string;
  readonly key: string;
  readonly json: boolean;
}

export function orgContextOf(io: Io, command: Command): OrgContext {
  const base = contextOf(io, command);
  const opts = command.optsWithGlobals() as { key?: string };
  const key = opts.key ?? process.env[ORG_KEY_ENV] ?? demoOrgKey(join(base.dataDir, CREDENTIALS_FILE));
  if (key === undefined || key.trim() === '') {
    throw new CliError(`no organization key: pass --key sk-cl-…, set ${ORG_KEY_ENV}, or run \`cardlane up --data-dir ${base.dataDir}\` first`, EXIT_USAGE);
  }
  return { io, url: base.url, key: key.trim(), json: base.json };
}

/** For the calls anyone may make (asking for a sign-in code, signing in): the server, and no key. */
export function keylessContextOf(io: Io, command: Command): OrgContext {
  const base = contextOf(io, command);
  return { io, url: base.url, key: '', json: base.json };
}

function demoOrgKey(file: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { billing?: { api_key?: unknown } };
    return typeof parsed.billing?.api_key === 'string' ? parsed.billing.api_key : undefined;
  } catch {
    return undefined;
  }
}

/** An API error as the CLI shows it: the message, the code, and for a decline its decline code. */
export class BillingApiError extends CliError {
  constructor(
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function billingCall<T = any>(ctx: OrgContext, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  return apiCall<T>(ctx, `/billing/v1${path}`, method, body, headers);
}

/** The organization API (`/merchant/v1/organization`: projects, keys, usage), which answers errors in the same shape. */
export function organizationCall<T = any>(ctx: OrgContext, method: string, path: string): Promise<T> {
  return apiCall<T>(ctx, `/merchant/v1/organization${path}`, method);
}

async function apiCall<T>(ctx: OrgContext, path: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const url = `${ctx.url}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(ctx.key === '' ? {} : { authorization: `Bearer ${ctx.key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new CliError(`cannot reach Cardlane at ${ctx.url}: ${cause?.code ?? (error as Error).message} (is \`cardlane up\` running?)`);
  }
  const parsed = (await response.json().catch(() => ({}))) as Record<string, any>;
  if (!response.ok) {
    const error = parsed.error ?? {};
    const decline = error.decline_code ? `, ${error.decline_code}` : '';
    const codes = `(${error.code ?? `http_${response.status}`}${decline})`;
    const explained = declineExplained(error);
    throw new BillingApiError(explained === null ? `${error.message ?? `HTTP ${response.status}`} ${codes}` : `${explained.text}\n${codes} Why, across every party: cardlane doctor ${explained.payment}`, parsed);
  }
  return parsed as T;
}

/**
 * A decline as billing explains it (the failed payment's `failure.explanation`, English and
 * Chinese, written to follow "declined: "), never only its codes; null when the error is no decline.
 */
function declineExplained(error: Record<string, any>): { text: string; payment: string } | null {
  const payment = error.payment;
  const explanation = payment?.failure?.explanation;
  if (typeof payment?.id !== 'string' || typeof explanation?.en !== 'string' || typeof explanation?.zh !== 'string') return null;
  const en = `${explanation.en}${/[.!?]$/.test(explanation.en) ? '' : '.'}`;
  const zh = `${explanation.zh}${/[。！？]$/.test(explanation.zh) ? '' : '。'}`;
  const lead = typeof error.message === 'string' && error.message !== '' ? error.message.replace(/[.!]$/, '') : 'Declined';
  return { text: `${lead}: ${en}\n卡被拒绝：${zh}`, payment: payment.id };
}

/** --json: the API's JSON as one line; otherwise `human()` prints for people. */
export function output(ctx: OrgContext, value: unknown, human: () => void): void {
  if (ctx.json) printJson(ctx.io, value);
  else human();
}
