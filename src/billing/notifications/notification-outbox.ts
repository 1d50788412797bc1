import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { ownerAddress, type Mailer } from './sandbox-mailbox.ts';

/**
 * Billing's notifications to an organization, as a transactional outbox: a
 * notification is written in the same transaction as the change it tells
 * about (so it exists exactly when that change does), under a dedup key
 * that is unique forever — a retried transaction, a second process or a
 * repeated finish writes nothing more. Delivery is separate and repeatable
 * (`deliverPending`): each notification becomes one letter.
 */

export interface NewNotification {
  readonly orgId: string;
  /** What it is about, e.g. `auto_recharge.paused`. */
  readonly kind: string;
  /** One notification per key, ever: e.g. the pause episode it tells about. */
  readonly dedupKey: string;
  readonly subject: string;
  readonly body: string;
}

const SUBJECT_MAX_CHARS = 200;
const BODY_MAX_CHARS = 8_000;
const KEY_MAX_CHARS = 200;
const DELIVERY_BATCH = 100;

/** Writes a notification unless one with its dedup key exists; `created` says which. */
export async function notify(tx: Tx, deps: { ids: IdGenerator; clock: Clock }, notification: NewNotification): Promise<{ created: boolean; id: string }> {
  if (notification.subject.length > SUBJECT_MAX_CHARS || notification.body.length > BODY_MAX_CHARS || notification.dedupKey.length > KEY_MAX_CHARS) {
    throw new RangeError('a notification is at most 200 characters of subject, 8,000 of body and 200 of dedup key');
  }
  const id = deps.ids.next('ntf');
  const inserted = await tx.run(
    `INSERT INTO billing_notifications (id, org_id, kind, dedup_key, subject, body, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (dedup_key) DO NOTHING`,
    [id, notification.orgId, notification.kind, notification.dedupKey, notification.subject, notification.body, deps.clock.nowMs()],
  );
  if (inserted > 0) return { created: true, id };
  const existing = await tx.get<{ id: string }>('SELECT id FROM billing_notifications WHERE dedup_key = ?', [notification.dedupKey]);
  return { created: false, id: existing!.id };
}

/** Addresses on one letter, at most (RFC 5321 asks servers to take 100 recipients). */
const MAX_RECIPIENTS = 100;

/**
 * Who an organization's letter is addressed to: its members' own addresses
 * — the owners first, then the other members of its billing page, each
 * once — as one letter to several recipients (one letter per notification
 * stays true). An organization without members yet (made over the API, no
 * one invited) has only the sandbox's stand-in address.
 */
export async function recipientsOf(tx: Tx, orgId: string): Promise<string> {
  const rows = await tx.all<{ email: string }>(
    `SELECT email FROM billing_members WHERE org_id = ? ORDER BY CASE WHEN role = 'owner' THEN 0 ELSE 1 END, created_at_ms, id LIMIT ?`,
    [orgId, MAX_RECIPIENTS],
  );
  return rows.length === 0 ? ownerAddress(orgId) : rows.map((row) => row.email).join(', ');
}

export class NotificationOutbox {
  constructor(
    private readonly deps: { db: Database; clock: Clock },
    private readonly mailer: Mailer,
  ) {}

  /**
   * Delivers notifications not sent yet, oldest first. Rows are claimed
   * with SKIP LOCKED, so several processes may deliver at once without
   * sending one twice; a failed batch is rolled back and tried next time.
   */
  async deliverPending(limit = DELIVERY_BATCH): Promise<number> {
    return this.deps.db.transaction(async (tx) => {
      const rows = await tx.all<{ id: string; org_id: string; subject: string; body: string }>(
        `SELECT id, org_id, subject, body FROM billing_notifications WHERE sent_at_ms IS NULL ORDER BY created_at_ms, id LIMIT ? ${tx.forUpdateSkipLocked}`,
        [Math.max(1, Math.min(DELIVERY_BATCH, limit))],
      );
      const nowMs = this.deps.clock.nowMs();
      for (const row of rows) {
        const to = await recipientsOf(tx, row.org_id);
        const sent = await this.mailer.send(tx, { notificationId: row.id, orgId: row.org_id, to, subject: row.subject, body: row.body, nowMs });
        await tx.run('UPDATE billing_notifications SET sent_at_ms = ?, message_id = ? WHERE id = ? AND sent_at_ms IS NULL', [nowMs, sent.messageId, row.id]);
      }
      return rows.length;
    });
  }
}
