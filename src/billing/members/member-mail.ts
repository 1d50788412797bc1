import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';

/**
 * Where members' sign-in letters go. The sandbox keeps each letter in
 * `billing_member_mail`, readable only with the operator key
 * (`GET /billing/v1/sandbox/mail?to=…`) and by tests — never by the
 * organization, whose members must not read each other's codes. A real
 * mail provider would implement the same interface.
 */

export interface MemberLetter {
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly nowMs: number;
}

/**
 * Sends one letter, inside the transaction that stored the code: the
 * sandbox writes its row there (so a rolled-back code leaves no letter); a
 * real provider would send after commit instead.
 */
export interface MemberMailer {
  readonly name: string;
  send(tx: Tx, letter: MemberLetter): Promise<{ readonly messageId: string }>;
}

export class SandboxMemberMailer implements MemberMailer {
  readonly name = 'sandbox';

  constructor(private readonly ids: IdGenerator) {}

  async send(tx: Tx, letter: MemberLetter): Promise<{ messageId: string }> {
    const id = this.ids.next('mail');
    await tx.run('INSERT INTO billing_member_mail (id, to_address, subject, body, received_at_ms) VALUES (?, ?, ?, ?, ?)', [
      id,
      letter.to,
      letter.subject,
      letter.body,
      letter.nowMs,
    ]);
    return { messageId: id };
  }
}

export interface ReceivedMemberLetter {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly receivedAtMs: number;
}

export const MEMBER_MAILBOX_PAGE_MAX = 100;

/** The sandbox mailbox of one (normalized) address, newest first. */
export async function readMemberMailbox(sql: Sql, to: string, limit = 20): Promise<ReceivedMemberLetter[]> {
  const rows = await sql.all<{ id: string; to_address: string; subject: string; body: string; received_at_ms: number | string }>(
    'SELECT id, to_address, subject, body, received_at_ms FROM billing_member_mail WHERE to_address = ? ORDER BY received_at_ms DESC, id DESC LIMIT ?',
    [to, Math.max(1, Math.min(MEMBER_MAILBOX_PAGE_MAX, limit))],
  );
  return rows.map((row) => ({ id: row.id, to: row.to_address, subject: row.subject, body: row.body, receivedAtMs: Number(row.received_at_ms) }));
}
