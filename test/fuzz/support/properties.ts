import type { FuzzResponse } from './fuzz-request.ts';
import type { ErrorStyle } from './operations.ts';

/**
 * What every answer must be, whatever was asked:
 * - never a 5xx (a refusal is the client's fault and must say so);
 * - a 4xx is JSON with an error object of the part's shape and a stable,
 *   machine-readable code — `{error:{type,code,message}}` (Cardlane's own
 *   and Stripe's on /v1), or OpenAI's `{error:{message,type,param,code}}`
 *   on /merchant/v1, where `code` may be null as at OpenAI;
 * - a 2xx that says it is JSON parses as JSON.
 * Returns what is wrong, or null.
 */
const STABLE_CODE = /^[a-z][a-z0-9_]*$/;

export function answerProblem(response: FuzzResponse, style: ErrorStyle): string | null {
  if (response.status >= 500) return `answered ${response.status}`;
  const isJson = /^application\/json\b/i.test(response.contentType);
  if (response.status >= 200 && response.status < 300) {
    if (isJson && !parses(response.text)) return `a ${response.status} declared JSON but its body does not parse`;
    return null;
  }
  if (response.status < 400) return null;
  if (!isJson) return `a ${response.status} with content-type ${JSON.stringify(response.contentType)}, not JSON`;
  let body: any;
  try {
    body = JSON.parse(response.text);
  } catch {
    return `a ${response.status} whose body is not JSON`;
  }
  const error = body?.error;
  if (error === null || typeof error !== 'object') return `a ${response.status} without an error object`;
  if (typeof error.message !== 'string' || error.message === '') return `a ${response.status} without an error message`;
  if (typeof error.type !== 'string' || !STABLE_CODE.test(error.type)) return `a ${response.status} without an error type`;
  if (style === 'openai') {
    if (error.code !== null && (typeof error.code !== 'string' || !STABLE_CODE.test(error.code))) return `a ${response.status} with an unstable code ${JSON.stringify(error.code)}`;
    return null;
  }
  if (typeof error.code !== 'string' || !STABLE_CODE.test(error.code)) return `a ${response.status} with code ${JSON.stringify(error.code)}, not a stable code`;
  return null;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refusals that are real answers and so may write: a card declined (402,
 * `type: card_error`) is an attempt the acquirer, network and issuer record
 * — a declined charge, its events, the issuer's authorization record — as
 * Stripe keeps a failed charge. Every other 4xx must change nothing.
 */
export function mayWrite(response: FuzzResponse): boolean {
  if (response.status < 400 || response.status >= 500) return true;
  if (response.status !== 402) return false;
  try {
    return JSON.parse(response.text)?.error?.type === 'card_error';
  } catch {
    return false;
  }
}

/** Ids in an answer (`cus_…`, `pi_…`, `card_…`), for later requests to name real objects. */
export function idsIn(text: string): { top: string[]; all: string[] } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { top: [], all: [] };
  }
  const all = new Set<string>();
  const walk = (value: unknown, depth: number) => {
    if (depth > 6) return;
    if (typeof value === 'string') {
      if (/^[a-z]{2,8}_[0-9A-Za-z]{10,40}$/.test(value)) all.add(value);
    } else if (Array.isArray(value)) value.forEach((item) => walk(item, depth + 1));
    else if (value !== null && typeof value === 'object') Object.values(value).forEach((item) => walk(item, depth + 1));
  };
  walk(body, 0);
  const top: string[] = [];
  const record = body as { id?: unknown; data?: unknown };
  if (typeof record?.id === 'string') top.push(record.id);
  if (Array.isArray(record?.data)) for (const item of record.data) if (typeof item?.id === 'string') top.push(item.id);
  return { top, all: [...all] };
}
