import type { Sql, Tx } from '../../platform/db/database.ts';
import { formatMoney as formatPlatformMoney, isCurrencyCode, money } from '../../platform/money.ts';
import { declineText } from '../authorization/decline-text.ts';
import type { SmsProvider } from '../identity/sms-provider.ts';

/**
 * The cardholder's notifications as data. Every money event a person should
 * hear about is recorded by `Notifier.record` in the transaction of the event
 * itself (so a notification exists exactly when its event does, and a
 * re-run transaction writes it again or not at all). The important ones —
 * declines, payments at or above a threshold, failed withdrawals — are also
 * sent through the SMS provider interface (the sandbox keeps them in its
 * inbox; a real provider would enqueue them there and send after commit).
 * A push provider could be added next to it the same way.
 */

export type NotificationKind = 'authorization' | 'decline' | 'hold_release' | 'refund' | 'top_up' | 'withdrawal_paid' | 'withdrawal_failed' | 'dispute';

/** The steps of a dispute that end it: the cardholder is texted about these. */
const DISPUTE_OUTCOMES: ReadonlySet<string> = new Set(['won', 'lost', 'rejected']);

export interface NotificationEvent {
  readonly kind: NotificationKind;
  readonly cardholderId: string;
  /** The authorization, top-up order or withdrawal the event is about. */
  readonly subjectId: string;
  /** Unique per event of that kind (the id is derived from it), e.g. a message id. */
  readonly eventKey: string;
  readonly cardId?: string | null;
  readonly merchantName?: string | null;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason?: string | null;
  readonly createdAtMs: number;
}

export interface Notification {
  readonly id: string;
  readonly cardholderId: string;
  readonly kind: NotificationKind;
  readonly subjectId: string;
  readonly cardId: string | null;
  readonly cardLast4: string | null;
  readonly merchantName: string | null;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason: string | null;
  readonly important: boolean;
  readonly smsSent: boolean;
  readonly createdAtMs: number;
  readonly readAtMs: number | null;
}

/** Approved payments of at least this much (USD cents) are texted too. */
export const DEFAULT_LARGE_PAYMENT_USD_MINOR = 100_00;

export interface NotifierOptions {
  readonly sms: SmsProvider;
  readonly largePaymentUsdMinor?: number;
}

export class Notifier {
  readonly #sms: SmsProvider;
  readonly #largePaymentUsdMinor: number;

  constructor(options: NotifierOptions) {
    this.#sms = options.sms;
    this.#largePaymentUsdMinor = options.largePaymentUsdMinor ?? DEFAULT_LARGE_PAYMENT_USD_MINOR;
  }

  /** Whether an event is also worth a text message. */
  isImportant(event: Pick<NotificationEvent, 'kind' | 'amountMinor' | 'currency' | 'reason'>): boolean {
    if (event.kind === 'decline' || event.kind === 'withdrawal_failed') return true;
    if (event.kind === 'dispute') return DISPUTE_OUTCOMES.has(event.reason ?? '');
    return event.kind === 'authorization' && event.currency === 'USD' && event.amountMinor >= this.#largePaymentUsdMinor;
  }

  /** Records the events (in the caller's transaction); a repeat of an event does nothing. */
  async record(tx: Tx, events: readonly NotificationEvent[]): Promise<void> {
    for (const event of events) await this.#recordOne(tx, event);
  }

  async #recordOne(tx: Tx, event: NotificationEvent): Promise<void> {
    const id = notificationId(event.kind, event.eventKey);
    const important = this.isImportant(event);
    const card =
      event.cardId == null ? undefined : await tx.get<{ last4: string }>('SELECT last4 FROM issuer_cards WHERE id = ?', [event.cardId]);
    const inserted = await tx.run(
      `INSERT INTO issuer_notifications (id, cardholder_id, kind, subject_id, card_id, card_last4, merchant_name, amount_minor, currency, reason,
         important, sms_message_id, created_at_ms, read_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL) ON CONFLICT DO NOTHING`,
      [
        id,
        event.cardholderId,
        event.kind,
        event.subjectId.slice(0, 128),
        event.cardId ?? null,
        card?.last4 ?? null,
        event.merchantName?.slice(0, 128) ?? null,
        event.amountMinor,
        event.currency,
        event.reason?.slice(0, 64) ?? null,
        important ? 1 : 0,
        event.createdAtMs,
      ],
    );
    if (inserted !== 1 || !important) return;
    const holder = await tx.get<{ phone_e164: string }>('SELECT phone_e164 FROM issuer_cardholders WHERE id = ?', [event.cardholderId]);
    if (holder === undefined) return;
    const { messageId } = await this.#sms.send(tx, { phoneE164: holder.phone_e164, body: smsBody(event, card?.last4 ?? null), nowMs: event.createdAtMs });
    await tx.run('UPDATE issuer_notifications SET sms_message_id = ? WHERE id = ?', [messageId, id]);
  }
}

export function notificationId(kind: NotificationKind, eventKey: string): string {
  return `ntf_${kind}_${eventKey}`.slice(0, 200);
}

/**
 * An amount as a text message shows it: the cardholder's own currencies by their symbol ($12.00, ¥86.40), any
 * other — a foreign merchant's, in its own exponent — by its code (JPY 1,500, KWD 1.500), since ¥ alone would not
 * say yen from yuan. It had printed every currency with two decimals: a ¥1,500 purchase read "15.00 JPY".
 */
export function formatMoney(amountMinor: number, currency: string): string {
  if (!isCurrencyCode(currency)) return `${amountMinor} ${currency} (minor units)`;
  return formatPlatformMoney(money(amountMinor, currency), { code: currency !== 'USD' && currency !== 'CNY' });
}

/** The text message: Chinese first (the cardholders' language), then English. */
export function smsBody(event: NotificationEvent, last4: string | null): string {
  const amount = formatMoney(event.amountMinor, event.currency);
  // A card whose last four are not known (a record from before they were kept) is just "your card".
  const cardZh = last4 === null ? '的卡' : `尾号 ${last4} 的卡`;
  const cardEn = last4 === null ? 'Your card' : `Card ${last4}`;
  // A merchant's name, cut by characters (never inside an emoji); without one, the message leaves the place out.
  const merchant = [...(event.merchantName ?? '').trim()].slice(0, 40).join('');
  const atZh = merchant === '' ? '' : `在 ${merchant} `;
  const atEn = merchant === '' ? '' : ` at ${merchant}`;
  switch (event.kind) {
    case 'decline': {
      const why = declineText(event.reason ?? '');
      return `【Cardlane】你${cardZh}${atZh}的 ${amount} 交易被拒绝：${why.zh} ${cardEn}: ${amount}${atEn} declined.`;
    }
    case 'authorization':
      return `【Cardlane】你${cardZh}${atZh}消费 ${amount}（预授权）。如非本人操作，请立即冻结卡片。 ${cardEn}: ${amount}${atEn}.`;
    case 'withdrawal_failed':
      return `【Cardlane】你的提现 ${amount} 失败，资金已退回钱包。 Your withdrawal of ${amount} failed; the money is back in your wallet.`;
    case 'dispute': {
      const text = disputeStepText(event.reason ?? '');
      return `【Cardlane】你${cardZh}${atZh}的 ${amount} 交易争议：${text.zh} Dispute of ${amount}${atEn}: ${text.en}`;
    }
    default:
      return `【Cardlane】${event.kind} ${amount}`;
  }
}

interface NotificationRow {
  id: string;
  cardholder_id: string;
  kind: NotificationKind;
  subject_id: string;
  card_id: string | null;
  card_last4: string | null;
  merchant_name: string | null;
  amount_minor: number | string;
  currency: string;
  reason: string | null;
  important: number | string;
  sms_message_id: string | null;
  created_at_ms: number | string;
  read_at_ms: number | string | null;
}

const COLUMNS =
  'id, cardholder_id, kind, subject_id, card_id, card_last4, merchant_name, amount_minor, currency, reason, important, sms_message_id, created_at_ms, read_at_ms';

function fromRow(row: NotificationRow): Notification {
  return {
    id: row.id,
    cardholderId: row.cardholder_id,
    kind: row.kind,
    subjectId: row.subject_id,
    cardId: row.card_id,
    cardLast4: row.card_last4,
    merchantName: row.merchant_name,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    reason: row.reason,
    important: Number(row.important) === 1,
    smsSent: row.sms_message_id !== null,
    createdAtMs: Number(row.created_at_ms),
    readAtMs: row.read_at_ms === null ? null : Number(row.read_at_ms),
  };
}

export const NOTIFICATION_PAGE_MAX = 100;

/** One page of a cardholder's feed, newest first; `before` is the id of the last one of the previous page. */
export async function listNotifications(
  sql: Sql,
  cardholderId: string,
  options: { readonly limit?: number; readonly before?: string | null } = {},
): Promise<{ data: Notification[]; hasMore: boolean; unreadCount: number }> {
  const limit = Math.max(1, Math.min(NOTIFICATION_PAGE_MAX, Math.trunc(options.limit ?? 20)));
  let rows: NotificationRow[];
  const anchor = options.before ? await positionOf(sql, cardholderId, options.before) : undefined;
  if (options.before && anchor === undefined) rows = [];
  else if (anchor !== undefined) {
    rows = await sql.all<NotificationRow>(
      `SELECT ${COLUMNS} FROM issuer_notifications WHERE cardholder_id = ? AND (created_at_ms < ? OR (created_at_ms = ? AND id < ?))
        ORDER BY created_at_ms DESC, id DESC LIMIT ?`,
      [cardholderId, anchor.createdAtMs, anchor.createdAtMs, anchor.id, limit + 1],
    );
  } else {
    rows = await sql.all<NotificationRow>(`SELECT ${COLUMNS} FROM issuer_notifications WHERE cardholder_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT ?`, [
      cardholderId,
      limit + 1,
    ]);
  }
  return { data: rows.slice(0, limit).map(fromRow), hasMore: rows.length > limit, unreadCount: await unreadCount(sql, cardholderId) };
}

export async function unreadCount(sql: Sql, cardholderId: string): Promise<number> {
  const row = await sql.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM issuer_notifications WHERE cardholder_id = ? AND read_at_ms IS NULL', [cardholderId]);
  return Number(row?.n ?? 0);
}

async function positionOf(sql: Sql, cardholderId: string, id: string): Promise<{ id: string; createdAtMs: number } | undefined> {
  const row = await sql.get<{ id: string; created_at_ms: number | string }>(
    'SELECT id, created_at_ms FROM issuer_notifications WHERE id = ? AND cardholder_id = ?',
    [id, cardholderId],
  );
  return row === undefined ? undefined : { id: row.id, createdAtMs: Number(row.created_at_ms) };
}

/**
 * Marks the cardholder's notifications up to and including `upToId` (in feed
 * order) as read. Returns null when the id is not one of theirs.
 */
export async function markRead(sql: Sql, cardholderId: string, upToId: string, nowMs: number): Promise<{ marked: number; unreadCount: number } | null> {
  const anchor = await positionOf(sql, cardholderId, upToId);
  if (anchor === undefined) return null;
  const marked = await sql.run(
    `UPDATE issuer_notifications SET read_at_ms = ? WHERE cardholder_id = ? AND read_at_ms IS NULL AND (created_at_ms < ? OR (created_at_ms = ? AND id <= ?))`,
    [nowMs, cardholderId, anchor.createdAtMs, anchor.createdAtMs, anchor.id],
  );
  return { marked, unreadCount: await unreadCount(sql, cardholderId) };
}

/** What each step of a dispute means to the cardholder, in both languages. */
const DISPUTE_STEP_TEXT: Readonly<Record<string, { zh: string; en: string }>> = {
  opened: { zh: '争议已提交，发卡行会向商户发起拒付。', en: 'Your dispute was filed; the issuer will charge it back to the merchant.' },
  provisional_credit: { zh: '已临时退款到卡内；如商户胜诉将收回。', en: 'A provisional credit is on your card; it is taken back if the merchant wins.' },
  chargeback_sent: { zh: '拒付已发送给商户的银行，商户有 7 天时间答复。', en: 'The chargeback was sent to the merchant’s bank; the merchant has 7 days to answer.' },
  merchant_responded: { zh: '商户已提交证据，发卡行正在审核。', en: 'The merchant answered with evidence; the issuer is reviewing it.' },
  decided: { zh: '发卡行已作出决定。', en: 'The issuer has decided.' },
  won: { zh: '争议胜诉，款项归你所有。', en: 'You won the dispute: the money is yours.' },
  lost: { zh: '商户胜诉，临时退款已收回。', en: 'The merchant won the dispute; any provisional credit was taken back.' },
  rejected: { zh: '卡组织拒绝了这笔拒付，临时退款已收回。', en: 'The card network refused the chargeback; any provisional credit was taken back.' },
};

export function disputeStepText(step: string): { zh: string; en: string } {
  return DISPUTE_STEP_TEXT[step] ?? { zh: '争议状态已更新。', en: 'Your dispute was updated.' };
}
