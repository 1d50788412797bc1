import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from '../ids.ts';
import { randomIntBelow } from '../uniform.ts';

/**
 * One-time codes (sent by SMS, by mail…), as pure rules over a stored
 * record. Who uses them decides what a code is bound to and where its
 * record lives (otp-store.ts); the rules are the same for everyone.
 *
 * - A code is six uniform decimal digits (rejection sampling: no digit or
 *   code is likelier than another).
 * - Only its hash is stored: HMAC-SHA256(pepper, "otp:v1" NUL subject NUL
 *   purpose NUL code), hex (`hashCode`). The pepper is a server secret, so a
 *   copy of the database does not reveal codes (a bare hash of 10^6 codes
 *   would fall to a loop), and binding a subject (a phone, an address, a
 *   phone and a card) and a purpose means a code serves nothing else. The
 *   caller builds the binding and hands the rules a `CodeHasher`.
 * - A code is valid for `OTP_TTL_MS` (5 minutes) from `sentAtMs`: it is
 *   expired at exactly `sentAtMs + OTP_TTL_MS`.
 * - `attempts` counts wrong codes. The `OTP_MAX_ATTEMPTS`-th (5th) wrong
 *   code locks the record; a locked record refuses everything, even the right
 *   code. A right code consumes it; a consumed record refuses everything.
 * - A submission that is not six digits (spaces and dashes are ignored) is
 *   `code_invalid` without counting an attempt: it cannot be right, so it
 *   tells a guesser nothing.
 * - Precedence when several apply: used, then locked, then expired.
 * - Sending: at most one code per recipient every `OTP_RESEND_COOLDOWN_MS`
 *   (60 s); at most `OTP_SENDS_PER_RECIPIENT_PER_WINDOW` (5) per recipient
 *   from one client address, `OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW`
 *   (10) per recipient from all addresses, and
 *   `OTP_SENDS_PER_ADDRESS_PER_WINDOW` (20) per client address in any
 *   sliding `OTP_RATE_WINDOW_MS` (1 hour). Five an hour is plenty for a
 *   person; counted per recipient alone, they let anyone who knows a
 *   person's address or phone spend them and lock that person out for an
 *   hour, so one client spends only its own five and the ceiling of ten
 *   still caps what a person receives (and what sending costs); twenty per
 *   address lets a household or a small office share a NAT but stops one
 *   client from spraying codes across many recipients.
 *
 * When a new code is sent, the store should void the recipient's earlier
 * unconsumed records for the same purpose, so only the latest code works.
 */

export const OTP_DIGITS = 6;
export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;
export const OTP_RESEND_COOLDOWN_MS = 60_000;
export const OTP_RATE_WINDOW_MS = 60 * 60_000;
/** Per recipient from one client address. */
export const OTP_SENDS_PER_RECIPIENT_PER_WINDOW = 5;
/** Per recipient from every address together: the ceiling that caps what one person receives. */
export const OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW = 10;
export const OTP_SENDS_PER_ADDRESS_PER_WINDOW = 20;

/** What is stored of one code: its hash and its state, never the code. */
export interface OtpState {
  /** The caller's `CodeHasher` applied to the code. */
  readonly codeHash: string;
  readonly sentAtMs: number;
  readonly expiresAtMs: number;
  /** Wrong codes submitted so far. */
  readonly attempts: number;
  readonly lockedAtMs?: number;
  readonly consumedAtMs?: number;
}

/** A code's hash under the caller's binding, e.g. `(code) => hashCode(pepper, subject, purpose, code)`. */
export type CodeHasher = (code: string) => string;

export type OtpOutcome = 'ok' | 'code_invalid' | 'code_expired' | 'code_locked' | 'code_used';

export interface VerifyResult<R extends OtpState = OtpState> {
  readonly outcome: OtpOutcome;
  /** The record to store (the same object when nothing changed). */
  readonly record: R;
  /** Wrong codes still allowed before the record locks. */
  readonly attemptsRemaining: number;
}

const CODE_BOUND = 10 ** OTP_DIGITS;
const CODE_PATTERN = /^\d{6}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Six uniform digits, e.g. `"042917"`. */
export function newCode(random: RandomSource): string {
  return String(randomIntBelow(random, CODE_BOUND)).padStart(OTP_DIGITS, '0');
}

export function hashCode(pepper: Buffer, subject: string, purpose: string, code: string): string {
  if (!CODE_PATTERN.test(code)) throw new TypeError('a one-time code is six digits');
  if (purpose.length === 0 || purpose.includes('\0')) throw new TypeError(`bad one-time-code purpose ${JSON.stringify(purpose)}`);
  if (subject.includes('\0')) throw new TypeError('the subject of a one-time code must not contain NUL');
  return createHmac('sha256', pepper).update(`otp:v1\0${subject}\0${purpose}\0${code}`, 'utf8').digest('hex');
}

/** A fresh code and the state to store for it; send `code`, keep only `record`. */
export function issueCode(random: RandomSource, hash: CodeHasher, nowMs: number): { code: string; record: OtpState } {
  const code = newCode(random);
  return { code, record: { codeHash: hash(code), sentAtMs: nowMs, expiresAtMs: nowMs + OTP_TTL_MS, attempts: 0 } };
}

/** Judges a submitted code against a record; the record may carry the caller's own fields, which are kept. */
export function verifyAttempt<R extends OtpState>(record: R, submittedCode: string, nowMs: number, hash: CodeHasher): VerifyResult<R> {
  const remaining = (r: OtpState) => Math.max(0, OTP_MAX_ATTEMPTS - r.attempts);
  const unchanged = (outcome: OtpOutcome): VerifyResult<R> => ({ outcome, record, attemptsRemaining: remaining(record) });

  if (record.consumedAtMs !== undefined) return unchanged('code_used');
  if (record.lockedAtMs !== undefined || record.attempts >= OTP_MAX_ATTEMPTS) return unchanged('code_locked');
  if (nowMs >= record.expiresAtMs) return unchanged('code_expired');

  if (!CODE_PATTERN.test(normalizedCode(submittedCode))) return unchanged('code_invalid');

  if (codeMatches(record, submittedCode, hash)) {
    const consumed: R = { ...record, consumedAtMs: nowMs };
    return { outcome: 'ok', record: consumed, attemptsRemaining: remaining(consumed) };
  }
  const attempts = record.attempts + 1;
  if (attempts >= OTP_MAX_ATTEMPTS) {
    // The last allowed wrong code: the answer is "locked", so the person knows to ask for a new code.
    return { outcome: 'code_locked', record: { ...record, attempts, lockedAtMs: nowMs }, attemptsRemaining: 0 };
  }
  return { outcome: 'code_invalid', record: { ...record, attempts }, attemptsRemaining: OTP_MAX_ATTEMPTS - attempts };
}

/** Whether `submittedCode` (spaces and dashes ignored) is the record's code, whatever state the record is in. */
export function codeMatches(record: Pick<OtpState, 'codeHash'>, submittedCode: string, hash: CodeHasher): boolean {
  const code = normalizedCode(submittedCode);
  return CODE_PATTERN.test(code) && hashesEqual(hash(code), record.codeHash);
}

function normalizedCode(submittedCode: unknown): string {
  return typeof submittedCode === 'string' ? submittedCode.replace(/[\s-]/g, '') : '';
}

/** True when no code was sent to this recipient yet, or the last one left at least the cooldown ago. */
export function canResend(lastSentAtMs: number | undefined, nowMs: number): boolean {
  return lastSentAtMs === undefined || nowMs - lastSentAtMs >= OTP_RESEND_COOLDOWN_MS;
}

export type SendRefusalReason = 'resend_cooldown' | 'recipient_rate_limit' | 'address_rate_limit';

/** Refusals carry no wording: each caller tells its own people (a phone, an e-mail address) what happened. */
export type SendDecision = { readonly ok: true } | { readonly ok: false; readonly reason: SendRefusalReason; readonly retryAfterMs: number };

/**
 * May a code be sent now? `recipientSentAtMs`: times codes were sent to
 * this recipient (any purpose); `addressSentAtMs`: times codes were sent for
 * requests from this client address (any recipient); `pairSentAtMs`: times
 * codes were sent to this recipient for requests from this address — when
 * the caller cannot tell (omitted), every send to the recipient counts as
 * this address's, the stricter reading. Only sends in the
 * window that ends now, (now − window, now], count, so the caller may pass
 * more. A send dated after now does not count against now: the demo story
 * runs a clock weeks ahead on the same database, and its codes would
 * otherwise hold the cooldown and the hourly caps of its phones and of
 * localhost for weeks (clock skew between processes is seconds, so
 * ignoring those sends until then lets through at most a send or two).
 * On refusal, `retryAfterMs` is how long until the same call would pass
 * that rule (for a Retry-After header).
 */
export function checkSendAllowed(input: {
  readonly nowMs: number;
  readonly recipientSentAtMs: readonly number[];
  readonly addressSentAtMs: readonly number[];
  readonly pairSentAtMs?: readonly number[];
}): SendDecision {
  const { nowMs } = input;
  const recipientSends = sendsInWindow(input.recipientSentAtMs, nowMs);
  const lastSend = recipientSends.at(-1);
  if (!canResend(lastSend, nowMs)) return { ok: false, reason: 'resend_cooldown', retryAfterMs: lastSend! + OTP_RESEND_COOLDOWN_MS - nowMs };
  const pairSends = input.pairSentAtMs === undefined ? recipientSends : sendsInWindow(input.pairSentAtMs, nowMs);
  const recipientWait = Math.max(
    windowWait(pairSends, nowMs, OTP_SENDS_PER_RECIPIENT_PER_WINDOW),
    windowWait(recipientSends, nowMs, OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW),
  );
  if (recipientWait > 0) return { ok: false, reason: 'recipient_rate_limit', retryAfterMs: recipientWait };
  const addressWait = windowWait(sendsInWindow(input.addressSentAtMs, nowMs), nowMs, OTP_SENDS_PER_ADDRESS_PER_WINDOW);
  if (addressWait > 0) return { ok: false, reason: 'address_rate_limit', retryAfterMs: addressWait };
  return { ok: true };
}

/** The sends in the window that ends now, (now − window, now], oldest first. */
function sendsInWindow(sentAtMs: readonly number[], nowMs: number): number[] {
  return sentAtMs.filter((t) => t <= nowMs && nowMs - t < OTP_RATE_WINDOW_MS).sort((a, b) => a - b);
}

/** Time until fewer than `limit` of `inWindow` (oldest first) remain in the sliding window; 0 when a send is allowed now. */
function windowWait(inWindow: readonly number[], nowMs: number, limit: number): number {
  if (inWindow.length < limit) return 0;
  // The oldest (count - limit + 1) sends must leave the window; the last of them leaves at t + window.
  return inWindow[inWindow.length - limit]! + OTP_RATE_WINDOW_MS - nowMs;
}

function hashesEqual(a: string, b: string): boolean {
  if (!HASH_PATTERN.test(a) || !HASH_PATTERN.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
