import type { Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';

export interface SmsMessage {
  readonly phoneE164: string;
  readonly body: string;
  readonly nowMs: number;
}

/**
 * Sends a text message. Called inside the caller's transaction, so a message
 * exists exactly when the code it carries does: the sandbox writes its inbox
 * row in that transaction; a real provider would enqueue an outbox job there
 * and call the gateway after commit (never call the outside world inside a
 * transaction, which may be re-run).
 */
export interface SmsProvider {
  readonly name: string;
  send(tx: Tx, message: SmsMessage): Promise<{ readonly messageId: string }>;
}

export const SMS_BODY_MAX_CHARS = 480;

/** Keeps every message in `issuer_sms_messages`, readable by operators (the sandbox inbox). */
export class SandboxSmsProvider implements SmsProvider {
  readonly name = 'sandbox';
  readonly #ids: IdGenerator;

  constructor(ids: IdGenerator) {
    this.#ids = ids;
  }

  async send(tx: Tx, message: SmsMessage): Promise<{ messageId: string }> {
    if (message.body.length > SMS_BODY_MAX_CHARS) throw new RangeError(`an SMS body is at most ${SMS_BODY_MAX_CHARS} characters`);
    const messageId = this.#ids.next('sms');
    await tx.run('INSERT INTO issuer_sms_messages (id, phone_e164, body, created_at_ms) VALUES (?, ?, ?, ?)', [
      messageId,
      message.phoneE164,
      message.body,
      message.nowMs,
    ]);
    return { messageId };
  }
}

export interface InboxMessage {
  readonly id: string;
  readonly phone: string;
  readonly body: string;
  readonly createdAtMs: number;
}

export const INBOX_PAGE_MAX = 100;

/** The sandbox inbox of one phone, newest first. */
export async function readSandboxInbox(
  sql: { all<R>(sql: string, params?: readonly unknown[]): Promise<R[]> },
  phoneE164: string,
  limit = 20,
): Promise<InboxMessage[]> {
  const rows = await sql.all<{ id: string; phone_e164: string; body: string; created_at_ms: number | string }>(
    'SELECT id, phone_e164, body, created_at_ms FROM issuer_sms_messages WHERE phone_e164 = ? ORDER BY created_at_ms DESC, id DESC LIMIT ?',
    [phoneE164, Math.max(1, Math.min(INBOX_PAGE_MAX, limit))],
  );
  return rows.map((row) => ({ id: row.id, phone: row.phone_e164, body: row.body, createdAtMs: Number(row.created_at_ms) }));
}
