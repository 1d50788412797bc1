import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';

/**
 * Where billing's notifications are delivered. The sandbox keeps every
 * letter in `billing_sandbox_mail`, readable by the organization
 * (`GET /billing/v1/notifications`), operators and tests; a real mail
 * provider would implement the same interface.
 */

export interface OutgoingMail {
  /** The notification's id: one letter per notification, however often delivery is retried. */
  readonly notificationId: string;
  readonly orgId: string;
  /** The recipients, comma-separated as in a To: header (the organization's owners, then its other members). */
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly nowMs: number;
}

/**
 * Sends one letter. Called inside the delivery transaction with the
 * notification's id as the idempotency key: the sandbox writes its mailbox
 * row in that transaction; a real provider would send after commit keyed by
 * the same id (never call the outside world inside a transaction, which may
 * be re-run).
 */
export interface Mailer {
  readonly name: string;
  send(tx: Tx, mail: OutgoingMail): Promise<{ readonly messageId: string }>;
}

/**
 * The stand-in address of an organization that has no members yet (one made
 * over the API, with no one invited): on a domain that cannot exist. An
 * organization's letters go to its members' own addresses
 * (notification-outbox.ts, `recipientsOf`).
 */
export function ownerAddress(orgId: string): string {
  return `owner+${orgId}@billing.sandbox.invalid`;
}

export const MAILBOX_PAGE_MAX = 100;

export class SandboxMailer implements Mailer {
  readonly name = 'sandbox';

  constructor(private readonly ids: IdGenerator) {}

  async send(tx: Tx, mail: OutgoingMail): Promise<{ messageId: string }> {
    const id = this.ids.next('mail');
    await tx.run(
      `INSERT INTO billing_sandbox_mail (id, notification_id, org_id, to_address, subject, body, received_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (notification_id) DO NOTHING`,
      [id, mail.notificationId, mail.orgId, mail.to, mail.subject, mail.body, mail.nowMs],
    );
    const row = await tx.get<{ id: string }>('SELECT id FROM billing_sandbox_mail WHERE notification_id = ?', [mail.notificationId]);
    return { messageId: row!.id };
  }
}

export interface SandboxLetter {
  readonly id: string;
  readonly notificationId: string;
  readonly kind: string;
  readonly orgId: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly receivedAtMs: number;
}

/** An organization's sandbox mailbox, newest first. */
export async function readSandboxMailbox(sql: Sql, orgId: string, limit = 20): Promise<SandboxLetter[]> {
  const rows = await sql.all<any>(
    `SELECT m.id, m.notification_id, n.kind, m.org_id, m.to_address, m.subject, m.body, m.received_at_ms
     FROM billing_sandbox_mail m JOIN billing_notifications n ON n.id = m.notification_id
     WHERE m.org_id = ? ORDER BY m.received_at_ms DESC, m.id DESC LIMIT ?`,
    [orgId, Math.max(1, Math.min(MAILBOX_PAGE_MAX, limit))],
  );
  return rows.map((row) => ({
    id: row.id,
    notificationId: row.notification_id,
    kind: row.kind,
    orgId: row.org_id,
    to: row.to_address,
    subject: row.subject,
    body: row.body,
    receivedAtMs: Number(row.received_at_ms),
  }));
}
