import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { endpoint, registerEndpoints } from '../../platform/http/typed-route.ts';
import { declineText } from '../authorization/decline-text.ts';
import { IssuerError } from '../errors.ts';
import { disputeStepText, formatMoney, listNotifications, markRead, NOTIFICATION_PAGE_MAX, type Notification } from '../notifications/notifier.ts';
import { cardholderIdOf } from './auth.ts';
import { errorResponses, nullableTimestamp, timestamp } from './common-schemas.ts';
import { issuerAuth } from './issuer-auth.ts';

export interface NotificationRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
}

const TAG = ['issuer: notifications'];
const KINDS = ['authorization', 'decline', 'hold_release', 'refund', 'top_up', 'withdrawal_paid', 'withdrawal_failed', 'dispute'] as const;

const notificationSchema = {
  $id: 'IssuerNotification',
  type: 'object',
  required: ['id', 'object', 'kind', 'subject_id', 'card_id', 'card_last4', 'merchant_name', 'amount', 'reason', 'reason_text', 'important', 'sms_sent', 'created_at', 'read_at'],
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['notification'] },
    kind: { type: 'string', enum: KINDS },
    subject_id: { type: 'string', description: 'The authorization (iauth_…), top-up order, withdrawal or dispute (idsp_…) the notification is about.' },
    card_id: { type: 'string', nullable: true },
    card_last4: { type: 'string', nullable: true },
    merchant_name: { type: 'string', nullable: true },
    amount: {
      type: 'object',
      required: ['amount_minor', 'currency', 'formatted'],
      properties: { amount_minor: { type: 'integer' }, currency: { type: 'string' }, formatted: { type: 'string' } },
    },
    reason: { type: 'string', nullable: true, description: 'A decline reason code (e.g. insufficient_funds), or the step of a dispute (opened, provisional_credit, chargeback_sent, merchant_responded, won, lost, rejected).' },
    reason_text: {
      type: 'object',
      nullable: true,
      required: ['zh', 'en'],
      properties: { zh: { type: 'string' }, en: { type: 'string' } },
      description: 'The decline reason, or what the dispute step means, in plain words, in Chinese and English.',
    },
    important: { type: 'boolean', description: 'Also sent as a text message (declines, large payments, failed withdrawals).' },
    sms_sent: { type: 'boolean' },
    created_at: timestamp,
    read_at: nullableTimestamp,
  },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: NOTIFICATION_PAGE_MAX, default: 20 },
    before: { type: 'string', minLength: 1, maxLength: 200, description: 'The id of the last notification of the previous page.' },
  },
} as const;

const listResponses = {
  200: {
    type: 'object',
    required: ['object', 'data', 'has_more', 'unread_count'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items: { $ref: 'IssuerNotification#' } },
      has_more: { type: 'boolean' },
      unread_count: { type: 'integer' },
    },
  },
  ...errorResponses,
} as const;

const readBody = {
  type: 'object',
  additionalProperties: false,
  required: ['up_to_id'],
  properties: { up_to_id: { type: 'string', minLength: 1, maxLength: 200, description: 'Marks this notification and every older one as read.' } },
} as const;

const readResponses = {
  200: { type: 'object', required: ['marked', 'unread_count'], properties: { marked: { type: 'integer' }, unread_count: { type: 'integer' } } },
  ...errorResponses,
} as const;

function notificationJson(n: Notification) {
  return {
    id: n.id,
    object: 'notification' as const,
    kind: n.kind,
    subject_id: n.subjectId,
    card_id: n.cardId,
    card_last4: n.cardLast4,
    merchant_name: n.merchantName,
    amount: { amount_minor: n.amountMinor, currency: n.currency, formatted: formatMoney(n.amountMinor, n.currency) },
    reason: n.reason,
    reason_text: n.reason === null ? null : n.kind === 'decline' ? declineText(n.reason) : n.kind === 'dispute' ? disputeStepText(n.reason) : null,
    important: n.important,
    sms_sent: n.smsSent,
    created_at: new Date(n.createdAtMs).toISOString(),
    read_at: n.readAtMs === null ? null : new Date(n.readAtMs).toISOString(),
  };
}

/** The signed-in cardholder's notifications, mounted under `/issuer/v1`: their own only. */
export function notificationRoutes(options: NotificationRoutesOptions): FastifyPluginAsync {
  const { db, clock } = options;
  return async (app: FastifyInstance) => {
    app.addSchema(notificationSchema);
    const auth = issuerAuth(db, clock);
    registerEndpoints(app, [
      endpoint({
        method: 'GET',
        url: '/notifications',
        auth: auth.cardholder,
        schema: { tags: TAG, summary: 'Your notifications, newest first, with the unread count', querystring: listQuery, response: listResponses },
        handler: async (request) => {
          const page = await listNotifications(db, cardholderIdOf(request), { limit: request.query.limit, before: request.query.before ?? null });
          return { object: 'list' as const, data: page.data.map(notificationJson), has_more: page.hasMore, unread_count: page.unreadCount };
        },
      }),
      endpoint({
        method: 'POST',
        url: '/notifications/read',
        auth: auth.cardholder,
        schema: { tags: TAG, summary: 'Mark notifications read up to one (and every older one)', body: readBody, response: readResponses },
        handler: async (request) => {
          const result = await markRead(db, cardholderIdOf(request), request.body.up_to_id, clock.nowMs());
          if (result === null) throw new IssuerError('resource_missing', 'No such notification.', { param: 'up_to_id' });
          return { marked: result.marked, unread_count: result.unreadCount };
        },
      }),
    ]);
  };
}
