import type { Database } from '../../platform/db/database.ts';
import { decodeCursor, type KeysetPage } from '../../platform/db/keyset-page.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { DISPUTE_REASONS } from '../../network/index.ts';
import { KYC_REJECTION_REASONS, kycRejectionEntry, storedKycReason, type KycText } from '../identity/kyc-reasons.ts';
import { disputeList, kycQueue, maskedPhone, topUpList, withdrawalList, type DisputeQueueRow, type KycQueueRow, type PageRequest } from '../operations/operator-queues.ts';
import type { IssuerAuth } from './issuer-auth.ts';
import { amount, topUpJson, withdrawalJson } from './money-presenters.ts';
import {
  DISPUTE_STATUSES,
  disputeListResponses,
  KYC_STATUSES,
  kycListResponses,
  kycReasonListResponses,
  listQuery,
  TOP_UP_STATUSES,
  topUpListResponses,
  WITHDRAWAL_STATUSES,
  withdrawalListResponses,
} from './operator-schemas.ts';

const TAG = ['issuer: operator'];
const iso = (ms: number | string) => new Date(Number(ms)).toISOString();
const isoOrNull = (ms: number | string | null) => (ms === null ? null : iso(ms));

const amountOf = (minor: number | string, currency: string) => amount(Number(minor), currency.toUpperCase());

const cardholderOf = (row: { readonly cardholder_id: string; readonly phone_e164: string }) => ({ id: row.cardholder_id, phone: maskedPhone(row.phone_e164) });

function pageRequest<S extends string>(query: { readonly status?: S; readonly limit: number; readonly cursor?: string; readonly order?: 'newest' | 'oldest' }): PageRequest<S> {
  return { status: query.status ?? null, limit: query.limit, after: query.cursor === undefined ? null : decodeCursor(query.cursor), order: query.order ?? 'newest' };
}

function listJson<R, J>(page: KeysetPage<R>, present: (row: R) => J) {
  return { object: 'list' as const, data: page.data.map(present), has_more: page.hasMore, next_cursor: page.nextCursor };
}

function kycJson(row: KycQueueRow) {
  return {
    id: row.id,
    object: 'kyc_verification' as const,
    status: row.status,
    reason: row.status === 'rejected' ? storedKycReason(row.reason_code) : null,
    internal_note: row.internal_note,
    legacy_reason_text: row.reason,
    provider: row.provider,
    cardholder: cardholderOf(row),
    created_at: iso(row.created_at_ms),
    completed_at: isoOrNull(row.completed_at_ms),
  };
}

const consoleText = (text: KycText) => ({ en: text.en, 'zh-CN': text.zh });

/** The reasons an operator may reject with, and what the cardholder is told for each (the console's form shows it before sending). */
function kycReasonsJson() {
  return {
    object: 'list' as const,
    data: KYC_REJECTION_REASONS.map((code) => {
      const entry = kycRejectionEntry(code);
      return {
        code,
        title: consoleText(entry.title),
        can_resubmit: entry.canResubmit,
        cardholder: { reason: entry.cardholderCode, reason_text: consoleText(entry.explanation), next_step: consoleText(entry.nextStep) },
      };
    }),
  };
}

function disputeJson(row: DisputeQueueRow) {
  const scheme = row.scheme === 'mastercard' ? 'mastercard' : 'visa';
  return {
    id: row.id,
    object: 'dispute' as const,
    status: row.status,
    reason: row.category,
    network: { scheme: row.scheme, reason_code: row.reason_code, title: DISPUTE_REASONS[row.category][scheme].title },
    amount: amountOf(row.amount_minor, row.currency),
    provisional_credit: amountOf(row.provisional_credit_minor, row.currency),
    cardholder: cardholderOf(row),
    card: { id: row.card_id, last4: row.card_last4 },
    authorization_id: row.authorization_id,
    merchant_name: row.merchant_name,
    evidence: row.statement,
    merchant_evidence: row.merchant_evidence === null ? null : (JSON.parse(row.merchant_evidence) as Record<string, string>),
    winner: row.winner,
    merchant_respond_by: iso(row.respond_by_ms),
    created_at: iso(row.created_at_ms),
    closed_at: isoOrNull(row.closed_at_ms),
  };
}

/**
 * What the operator console lists, under `/issuer/v1/operator`: the KYC
 * queue, top-up orders, withdrawals (payouts) and disputes — newest first,
 * or oldest first to work a queue — filtered by status, paged by a stable cursor. Phones are masked; a card
 * is named by its last four digits only. Reads only.
 */
export function operatorListEndpoints(db: Database, auth: IssuerAuth): AnyEndpoint[] {
  const paging = 'Newest first, or oldest first with `order=oldest` (a queue: the longest waiting at the top). Page with `cursor` = the previous page’s `next_cursor` (a cursor from elsewhere is 400 parameter_invalid).';
  return [
    endpoint({
      method: 'GET',
      url: '/operator/kyc',
      auth: auth.operator,
      schema: { tags: TAG, summary: 'Identity verifications (the KYC queue: status=pending)', description: paging, querystring: listQuery(KYC_STATUSES), response: kycListResponses },
      handler: async (request) => listJson(await kycQueue(db, pageRequest(request.query)), kycJson),
    }),
    endpoint({
      method: 'GET',
      url: '/operator/kyc/reasons',
      auth: auth.operator,
      schema: { tags: TAG, summary: 'The reasons a verification may be rejected with, and what the cardholder is told for each', response: kycReasonListResponses },
      handler: async () => kycReasonsJson(),
    }),
    endpoint({
      method: 'GET',
      url: '/operator/top-ups',
      auth: auth.operator,
      schema: { tags: TAG, summary: 'Alipay top-up orders, with their status', description: paging, querystring: listQuery(TOP_UP_STATUSES), response: topUpListResponses },
      handler: async (request) => listJson(await topUpList(db, pageRequest(request.query)), (row) => ({ ...topUpJson(row), cardholder: cardholderOf(row) })),
    }),
    endpoint({
      method: 'GET',
      url: '/operator/withdrawals',
      auth: auth.operator,
      schema: { tags: TAG, summary: 'Withdrawals (payouts to Alipay), with their status', description: paging, querystring: listQuery(WITHDRAWAL_STATUSES), response: withdrawalListResponses },
      handler: async (request) => listJson(await withdrawalList(db, pageRequest(request.query)), (row) => ({ ...withdrawalJson(row), cardholder: cardholderOf(row) })),
    }),
    endpoint({
      method: 'GET',
      url: '/operator/disputes',
      auth: auth.operator,
      schema: {
        tags: TAG,
        summary: 'Cardholders’ disputes (status=merchant_responded: waiting for the operator’s decision)',
        description: paging,
        querystring: listQuery(DISPUTE_STATUSES),
        response: disputeListResponses,
      },
      handler: async (request) => listJson(await disputeList(db, pageRequest(request.query)), disputeJson),
    }),
  ];
}
