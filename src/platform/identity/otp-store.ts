import { isIPv6 } from 'node:net';
import type { Tx } from '../db/database.ts';
import { clientKey } from '../http/rate-limit.ts';
import type { RandomSource } from '../ids.ts';
import { lockName } from './locks.ts';
import { checkSendAllowed, codeMatches, issueCode, OTP_RATE_WINDOW_MS, verifyAttempt, type CodeHasher, type OtpState, type SendDecision, type VerifyResult } from './one-time-codes.ts';

/**
 * One-time codes in the caller's own table: the rules are
 * one-time-codes.ts's; this keeps their state where several processes agree
 * on it, and serializes decisions per recipient and per client address with
 * `lockName` (recipient first). Codes of every purpose share a recipient's
 * sending budget (cooldown and hourly caps), since each costs a message and
 * each could be used to spam someone; within it each client address has
 * its own five an hour, so no one client can spend a person's budget
 * (one-time-codes.ts). Only the latest code of a recipient (and purpose)
 * works.
 *
 * The table is the caller's: it names it and the column of the recipient
 * (and of the purpose, when it keeps several); the other columns are the
 * same everywhere — `id` (ascending with insertion), `code_hash`,
 * `client_address`, `sent_at_ms`, `expires_at_ms`, `attempts`,
 * `locked_at_ms`, `consumed_at_ms`, `voided_at_ms`. What a code is bound to
 * is the caller's too: it passes the `CodeHasher` that hashes it.
 */

export interface OtpTable {
  /** e.g. `issuer_otp_codes`. */
  readonly table: string;
  /** Who a code was sent to, e.g. `phone_e164` or `email`. */
  readonly recipientColumn: string;
  /** The code's purpose, when the table keeps codes of several purposes; without it, one purpose a table. */
  readonly purposeColumn?: string;
  /** The lock names the caller serializes on, in its own namespace. */
  readonly recipientLock: (recipient: string) => string;
  readonly addressLock: (clientAddress: string) => string;
}

export const CLIENT_ADDRESS_MAX_CHARS = 100;
// Rate-limit look-backs never need more rows than the largest limit allows in a window.
const SEND_HISTORY_MAX_ROWS = 100;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export type IssueOtpResult = { readonly ok: true; readonly code: string; readonly record: OtpState } | Extract<SendDecision, { ok: false }>;

interface CodeRow {
  id: number | string;
  code_hash: string;
  sent_at_ms: number | string;
  expires_at_ms: number | string;
  attempts: number | string;
  locked_at_ms: number | string | null;
  consumed_at_ms: number | string | null;
}

export class OtpStore {
  readonly #table: OtpTable;
  readonly #sql: {
    readonly recipientSends: string;
    readonly addressSends: string;
    readonly voidWaiting: string;
    readonly insert: string;
    readonly latest: string;
    readonly saveAttempt: string;
  };

  constructor(table: OtpTable) {
    for (const name of [table.table, table.recipientColumn, table.purposeColumn ?? 'purpose']) {
      if (!IDENTIFIER.test(name)) throw new TypeError(`not an SQL identifier: ${JSON.stringify(name)}`);
    }
    this.#table = table;
    const { table: t, recipientColumn: who, purposeColumn: what } = table;
    const ofRecipient = what === undefined ? `${who} = ?` : `${who} = ? AND ${what} = ?`;
    // The window that ends now: sends dated later (a clock ahead, like the demo story's) must not fill the look-back's rows.
    const sends = (column: string) => `SELECT sent_at_ms, client_address FROM ${t} WHERE ${column} = ? AND sent_at_ms > ? AND sent_at_ms <= ? ORDER BY sent_at_ms DESC LIMIT ?`;
    this.#sql = {
      recipientSends: sends(who),
      addressSends: sends('client_address'),
      voidWaiting: `UPDATE ${t} SET voided_at_ms = ? WHERE ${ofRecipient} AND voided_at_ms IS NULL AND consumed_at_ms IS NULL`,
      insert:
        what === undefined
          ? `INSERT INTO ${t} (${who}, code_hash, client_address, sent_at_ms, expires_at_ms, attempts) VALUES (?, ?, ?, ?, ?, 0)`
          : `INSERT INTO ${t} (${who}, ${what}, code_hash, client_address, sent_at_ms, expires_at_ms, attempts) VALUES (?, ?, ?, ?, ?, ?, 0)`,
      latest: `SELECT id, code_hash, sent_at_ms, expires_at_ms, attempts, locked_at_ms, consumed_at_ms FROM ${t}
     WHERE ${ofRecipient} AND voided_at_ms IS NULL ORDER BY id DESC LIMIT 1`,
      saveAttempt: `UPDATE ${t} SET attempts = ?, locked_at_ms = ?, consumed_at_ms = ? WHERE id = ?`,
    };
  }

  /** Checks the recipient's and the address's sending limits, voids the recipient's waiting code (of this purpose), and stores a new one. The caller sends it. */
  async issue(
    tx: Tx,
    random: RandomSource,
    input: { readonly recipient: string; readonly purpose?: string; readonly clientAddress: string; readonly nowMs: number; readonly hash: CodeHasher },
  ): Promise<IssueOtpResult> {
    const { recipient, nowMs } = input;
    const ofRecipient = this.#recipientKey(recipient, input.purpose);
    const address = clientAddressKey(input.clientAddress);
    await lockName(tx, this.#table.recipientLock(recipient));
    await lockName(tx, this.#table.addressLock(address));
    const since = nowMs - OTP_RATE_WINDOW_MS;
    const recipientSends = await sends(tx, this.#sql.recipientSends, recipient, since, nowMs);
    const decision = checkSendAllowed({
      nowMs,
      recipientSentAtMs: recipientSends.map((send) => send.atMs),
      // This client's own sends to the recipient: its budget there, which no other client can spend.
      pairSentAtMs: recipientSends.filter((send) => clientAddressKey(send.address) === address).map((send) => send.atMs),
      addressSentAtMs: (await sends(tx, this.#sql.addressSends, address, since, nowMs)).map((send) => send.atMs),
    });
    if (!decision.ok) return decision;

    await tx.run(this.#sql.voidWaiting, [nowMs, ...ofRecipient]);
    const { code, record } = issueCode(random, input.hash, nowMs);
    await tx.run(this.#sql.insert, [...ofRecipient, record.codeHash, address, record.sentAtMs, record.expiresAtMs]);
    return { ok: true, code, record };
  }

  /**
   * Checks a submitted code against the recipient's latest code (of this
   * purpose) and stores the attempt (the caller must commit even when it
   * refuses, so a wrong code counts). Undefined when no code is waiting.
   * Takes the recipient's lock itself.
   */
  async verify(
    tx: Tx,
    input: { readonly recipient: string; readonly purpose?: string; readonly code: string; readonly nowMs: number; readonly hash: CodeHasher },
  ): Promise<VerifyResult | undefined> {
    const ofRecipient = this.#recipientKey(input.recipient, input.purpose);
    await lockName(tx, this.#table.recipientLock(input.recipient));
    const row = await tx.get<CodeRow>(this.#sql.latest, ofRecipient);
    if (row === undefined) return undefined;
    const record: OtpState = {
      codeHash: row.code_hash,
      sentAtMs: Number(row.sent_at_ms),
      expiresAtMs: Number(row.expires_at_ms),
      attempts: Number(row.attempts),
      ...(row.locked_at_ms === null ? {} : { lockedAtMs: Number(row.locked_at_ms) }),
      ...(row.consumed_at_ms === null ? {} : { consumedAtMs: Number(row.consumed_at_ms) }),
    };
    // A used code is no longer waiting. Only that code itself, sent again (a double submit), hears `code_used`; any
    // other code is answered as when no code was sent: only a right code is ever used, so `code_used` to a guess
    // would tell anyone that this recipient has signed in (a phone is a cardholder's, an address a member's).
    if (record.consumedAtMs !== undefined && !codeMatches(record, input.code, input.hash)) return undefined;
    const result = verifyAttempt(record, input.code, input.nowMs, input.hash);
    if (result.record !== record) {
      await tx.run(this.#sql.saveAttempt, [result.record.attempts, result.record.lockedAtMs ?? null, result.record.consumedAtMs ?? null, Number(row.id)]);
    }
    return result;
  }

  /** The values that pick a recipient's codes: the recipient, and the purpose when the table keeps several. */
  #recipientKey(recipient: string, purpose: string | undefined): string[] {
    if ((purpose === undefined) !== (this.#table.purposeColumn === undefined)) {
      throw new TypeError(`${this.#table.table} ${this.#table.purposeColumn === undefined ? 'keeps one purpose: pass none' : 'needs a purpose'}`);
    }
    return purpose === undefined ? [recipient] : [recipient, purpose];
  }
}

/**
 * The client a send is counted against: the address trimmed and bounded, an
 * IPv6 address by its /64 as the in-memory limits count it (one client holds
 * a whole /64, so counting each of its addresses gave it a fresh budget per
 * address). Rows stored before keep their raw address and are compared
 * through this too.
 */
function clientAddressKey(address: string): string {
  const trimmed = typeof address === 'string' ? address.trim() : '';
  if (isIPv6(trimmed)) return clientKey(trimmed);
  return (trimmed === '' ? 'unknown' : trimmed).slice(0, CLIENT_ADDRESS_MAX_CHARS);
}

async function sends(tx: Tx, sql: string, value: string, sinceMs: number, untilMs: number): Promise<{ atMs: number; address: string }[]> {
  const rows = await tx.all<{ sent_at_ms: number | string; client_address: string }>(sql, [value, sinceMs, untilMs, SEND_HISTORY_MAX_ROWS]);
  return rows.map((row) => ({ atMs: Number(row.sent_at_ms), address: row.client_address }));
}
