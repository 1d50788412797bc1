import pino from 'pino';
import { findPans, isLuhnValid, PAN_MAX_DIGITS, scrubPans } from './pan-scrub.ts';

/**
 * What the logger does to every record before it is written: secrets removed
 * by key name (here, on objects) and card numbers masked by value (on the
 * final JSON line, so nothing can slip past: bindings, serializer output,
 * error stacks and the message all pass through the same check).
 */

export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are secret whatever they hold, compared after lower-casing
 * and dropping everything but letters and digits, so `cardNumber`,
 * `card_number` and `Card-Number` are one key.
 *
 * Deliberately NOT here:
 * - `code`: it is an error code (`error.code`, `decline_code`), an MCC or a
 *   currency far more often than a secret, and those must stay readable for
 *   the doctor and for operators. One-time codes must therefore be logged
 *   under a name that says so: `otp`, `otp_code`, `one_time_code`,
 *   `verification_code` or `sms_code` — all redacted.
 * - `key`: idempotency keys are identifiers, not secrets. API keys are caught
 *   by `api_key` / `secret_key` / the `…secret` and `…apikey` suffixes.
 * - `exp_month` / `exp_year` / `last4` / `bin`: safe to display under PCI DSS.
 *
 * `number` IS redacted even though invoices have numbers too: a card's number
 * travels as `number` in Stripe's API (`card[number]`), and losing an invoice
 * number from a log line is cheap next to leaking a card. Log invoice numbers
 * as `invoice_number`.
 */
const SENSITIVE_KEYS = new Set([
  'pan',
  'number',
  'cardnumber',
  'primaryaccountnumber',
  'cvc',
  'cvc2',
  'cvv',
  'cvv2',
  'cvn',
  'cid',
  'securitycode',
  'cardsecuritycode',
  'pin',
  'pinblock',
  'track1',
  'track2',
  'trackdata',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'otp',
  'otpcode',
  'onetimecode',
  'onetimepassword',
  'verificationcode',
  'smscode',
  'privatekey',
]);

/** Suffixes that make any key secret: `client_secret`, `db_password`, `session_token`, `stripe_api_key`. */
const SENSITIVE_SUFFIXES = ['secret', 'password', 'passwd', 'token', 'apikey', 'privatekey', 'otp', 'cvc', 'cvv', 'cvv2'];

export function isSensitiveKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (SENSITIVE_KEYS.has(normalized)) return true;
  return SENSITIVE_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

// A log record deeper than this is a bug (or a cycle we failed to see); cut it.
const MAX_DEPTH = 12;

/**
 * A copy of `value` with every sensitive key's value replaced by
 * `[REDACTED]`, at any depth. The caller's objects are never modified.
 * Errors anywhere are turned into pino's plain error shape (type, message,
 * stack, own fields) so they are both readable and walked. Objects with a
 * `toJSON` are walked in the form JSON would write them.
 */
export function redactKeys(value: unknown): unknown {
  return walk(value, 0, new Set());
}

function walk(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  let source: unknown = value;
  if (value instanceof Error) source = pino.stdSerializers.err(value);
  else if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    source = (value as { toJSON(): unknown }).toJSON();
    if (source === null || typeof source !== 'object') return source;
  }
  ancestors.add(value);
  try {
    if (Array.isArray(source)) return source.map((item) => walk(item, depth + 1, ancestors));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source as Record<string, unknown>)) {
      copy[key] = isSensitiveKey(key) ? REDACTED : walk(item, depth + 1, ancestors);
    }
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * Masks card numbers in one serialized log line (pino writes one JSON object
 * per line). Lines without a run of 13 digits — nearly all of them — are
 * returned untouched after one pass over their characters; the rest are
 * parsed, every string is scrubbed, and written back.
 *
 * Numbers: integers of 15 or 16 digits that pass Luhn are masked too (a
 * card number held as a JavaScript number is a bug, but must not leak).
 * Shorter ones are kept, because epoch-millisecond timestamps are 13 digits
 * and a tenth of them pass Luhn; longer ones cannot be read exactly by
 * JavaScript and no legitimate Cardlane value exceeds 2^53, so they are
 * redacted outright.
 */
export function scrubLogLine(line: string): string {
  if (!hasLongDigitRun(line)) return line;
  const newline = line.endsWith('\n') ? '\n' : '';
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    // Not JSON (a custom destination writing text): scrub it as text.
    return scrubPans(line);
  }
  return JSON.stringify(scrubValues(record)) + newline;
}

function hasLongDigitRun(text: string): boolean {
  // Any 13 digits with at most single separators between them; cheaper
  // and broader than findPans (which also needs the Luhn check to pass),
  // because a JSON escape such as \u0000 next to a card number makes the
  // raw run longer than the decoded one.
  let digits = 0;
  let separatorAllowed = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      if (++digits >= 13) return true;
      separatorAllowed = true;
    } else if ((code === 32 || code === 45) && separatorAllowed) {
      separatorAllowed = false;
    } else {
      digits = 0;
      separatorAllowed = false;
    }
  }
  return false;
}

function scrubValues(value: unknown): unknown {
  if (typeof value === 'string') return scrubPans(value);
  if (typeof value === 'number') return scrubNumber(value);
  if (Array.isArray(value)) return value.map(scrubValues);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[scrubPans(key)] = scrubValues(item);
    return copy;
  }
  return value;
}

function scrubNumber(value: number): unknown {
  if (!Number.isInteger(value) || Math.abs(value) < 1e14) return value;
  if (!Number.isSafeInteger(value)) return REDACTED;
  const digits = String(Math.abs(value));
  if (digits.length <= PAN_MAX_DIGITS && isLuhnValid(digits)) return scrubPans(digits);
  return value;
}

/**
 * A request URL as the request log may write it. The line scrubber looks for
 * digits separated by single spaces or dashes, so a card number sent
 * percent-encoded (`4242%204242…`, `4242+4242…` in a query, or encoded twice)
 * would pass it; and Stripe.js sends an intent's `client_secret` in the query
 * of its retrieve. So: a query parameter whose name is sensitive (as for log
 * keys: `client_secret`, `card[number]`, `token`…) keeps its name and loses
 * its value; the path and each remaining value are decoded (up to three
 * times) and, when a card number shows, written decoded with it masked.
 * Anything else — nearly every URL — is written exactly as it came.
 */
export function loggableUrl(url: string): string {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const safePath = maskEncodedPan(path, false);
  if (mark === -1) return safePath;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      if (isSensitiveKey(decodeForLog(name, true))) return `${name}=${REDACTED}`;
      return equals === -1 ? maskEncodedPan(pair, true) : `${maskEncodedPan(name, true)}=${maskEncodedPan(pair.slice(equals + 1), true)}`;
    });
  return `${safePath}?${query.join('&')}`;
}

// Three rounds undo any encoding a client plausibly stacks; a broken escape stops at what decoded so far.
function decodeForLog(text: string, formEncoded: boolean): string {
  let decoded = formEncoded ? text.replace(/\+/g, ' ') : text;
  for (let round = 0; round < 3 && decoded.includes('%'); round++) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      break;
    }
  }
  return decoded;
}

function maskEncodedPan(text: string, formEncoded: boolean): string {
  if (!text.includes('%') && !(formEncoded && text.includes('+'))) return text;
  const decoded = decodeForLog(text, formEncoded);
  return findPans(decoded).length === 0 ? text : scrubPans(decoded);
}
