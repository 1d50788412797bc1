import { createHash } from 'node:crypto';
import { canonicalJson } from '../../platform/canonical-json.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Sql } from '../../platform/db/database.ts';
import { callWithTimeout } from '../call-with-timeout.ts';
import type {
  ChargebackRequest,
  DisputeAcquirerEndpoint,
  DisputeDecisionRequest,
  DisputeIssuerEndpoint,
  DisputeMessage,
  DisputeMessageResponse,
  DisputeNetwork,
  FraudReportRequest,
  IsoResponseCode,
  RepresentmentRequest,
} from '../messages.ts';
import { FRAUD_TYPES } from '../messages.ts';
import { fraudLiabilityShifted, isDisputeCategory, LIABILITY_SHIFTED, reasonCodeMatches } from './reason-codes.ts';

const ID_PATTERN = /^[A-Za-z0-9_:.-]{1,128}$/;
const STATEMENT_MAX_CHARS = 2_000;
const EVIDENCE_FIELDS_MAX = 40;
const EVIDENCE_FIELD_MAX_CHARS = 20_000;

interface StoredMessage {
  id: string;
  type: DisputeMessage['type'];
  sender: string;
  request_hash: string;
  chargeback_id: string;
  original_id: string | null;
  issuer: string | null;
  acquirer_id: string | null;
  kind: string | null;
  action: string | null;
  amount_minor: number | string | null;
  currency: string | null;
  response_code: IsoResponseCode;
  reason: string;
  receiver_ref: string | null;
}

interface Route {
  /** The step this message takes (one message may hold it): refused with 12 `already_<…>` when another holds it. */
  readonly step: string;
  readonly deliver: () => Promise<DisputeMessageResponse>;
  readonly row: Omit<StoredMessage, 'response_code' | 'reason' | 'receiver_ref' | 'request_hash'> & { category?: string | null; reason_code?: string | null; winner?: string | null; merchant_id?: string | null };
}

type Refusal = { readonly code: IsoResponseCode; readonly reason: string };

/**
 * The network's dispute service: carries chargebacks from an issuer to the
 * acquirer of the original authorization, representments back, and the
 * issuer's decision. It checks each against its own records of the
 * payment — the sender is the party of the original; a chargeback is at
 * most what was cleared and not refunded, one per authorization; one answer
 * per chargeback, one decision after a representment — keeps every message,
 * and answers a repeat with its first answer. A receiver that does not
 * answer in time gets the message again when the sender retries with the
 * same id (receivers take each id once).
 */
export class DisputeRouter implements DisputeNetwork {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #issuers = new Map<string, DisputeIssuerEndpoint>();
  readonly #acquirers = new Map<string, DisputeAcquirerEndpoint>();
  /** Concurrent copies of one message in this process share one trip (across processes, receivers take each id once). */
  readonly #inFlight = new Map<string, Promise<DisputeMessageResponse>>();

  constructor(options: { db: Database; clock: Clock; timeoutMs: number; issuers?: readonly unknown[] }) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs;
    for (const issuer of options.issuers ?? []) {
      if (isDisputeIssuer(issuer)) this.#issuers.set(issuer.name, issuer);
    }
  }

  /** An acquirer joins the network's dispute service (the composition root connects Cardlane's). */
  connectAcquirer(acquirer: DisputeAcquirerEndpoint): void {
    this.#acquirers.set(acquirer.acquirerId, acquirer);
  }

  connectIssuer(issuer: DisputeIssuerEndpoint): void {
    this.#issuers.set(issuer.name, issuer);
  }

  chargeback(request: ChargebackRequest): Promise<DisputeMessageResponse> {
    return this.#carry(request, async (sql) => {
      const bad = checkChargeback(request);
      if (bad) return bad;
      const original = await sql.get<{ issuer: string | null; acquirer_id: string | null; merchant_id: string | null; response_code: string; currency: string; type: string; brand: string | null; eci: string | null }>(
        `SELECT issuer, acquirer_id, merchant_id, response_code, currency, type, brand, eci FROM network_messages WHERE id = ?`,
        [request.originalId],
      );
      if (!original || original.type !== 'authorization') return { code: '12', reason: 'unknown_original' };
      if (original.response_code !== '00') return { code: '12', reason: 'original_not_approved' };
      if (original.issuer !== request.sender) return { code: '12', reason: 'not_the_issuer' };
      if (original.currency !== request.amount.currency) return { code: '12', reason: 'currency_mismatch' };
      const sums = await sql.get<{ cleared: number | string | null; refunded: number | string | null }>(
        `SELECT SUM(CASE WHEN type = 'clearing' THEN answer_amount_minor ELSE 0 END) AS cleared,
                SUM(CASE WHEN type = 'refund' THEN answer_amount_minor ELSE 0 END) AS refunded
         FROM network_messages WHERE original_id = ? AND response_code = '00'`,
        [request.originalId],
      );
      const disputable = Number(sums?.cleared ?? 0) - Number(sums?.refunded ?? 0);
      if (Number(sums?.cleared ?? 0) === 0) return { code: '12', reason: 'not_cleared' };
      if (request.amount.minor > disputable) return { code: '13', reason: 'exceeds_disputable' };
      // Authenticated with 3-D Secure: the fraud is the issuer's loss, not the merchant's (an inquiry still goes: it moves no money).
      if (request.kind === 'chargeback' && fraudLiabilityShifted(request.category, original.brand, original.eci)) return { code: '12', reason: LIABILITY_SHIFTED };
      const acquirer = original.acquirer_id === null ? undefined : this.#acquirers.get(original.acquirer_id);
      if (!acquirer) return { code: '91', reason: 'acquirer_unavailable' };
      return {
        step: `chargeback:${request.originalId}`,
        deliver: () => acquirer.receiveChargeback(request),
        row: {
          id: request.id,
          type: 'chargeback',
          sender: request.sender,
          chargeback_id: request.id,
          original_id: request.originalId,
          issuer: original.issuer,
          acquirer_id: original.acquirer_id,
          merchant_id: original.merchant_id,
          kind: request.kind,
          category: request.category,
          reason_code: request.reasonCode,
          action: null,
          amount_minor: request.amount.minor,
          currency: request.amount.currency,
        },
      };
    });
  }

  represent(request: RepresentmentRequest): Promise<DisputeMessageResponse> {
    return this.#carry(request, async (sql) => {
      if (request.action !== 'represent' && request.action !== 'accept') return { code: '12', reason: 'invalid_request' };
      if (!isEvidence(request.evidence)) return { code: '12', reason: 'invalid_evidence' };
      const chargeback = await acceptedChargeback(sql, request.chargebackId);
      // A chargeback whose delivery timed out may have reached the acquirer all the same (its answer came too late):
      // the acquirer's answer to it waits, as a retry, until the issuer's resend is taken — never a final refusal.
      if (!chargeback) return (await undeliveredChargeback(sql, request.chargebackId)) ? { code: '91', reason: 'chargeback_not_confirmed' } : { code: '12', reason: 'unknown_chargeback' };
      if (chargeback.acquirer_id !== request.sender) return { code: '12', reason: 'not_the_acquirer' };
      const issuer = this.#issuers.get(chargeback.issuer ?? '');
      if (!issuer) return { code: '91', reason: 'issuer_unavailable' };
      return {
        step: `representment:${request.chargebackId}`,
        deliver: () => issuer.receiveRepresentment(request),
        row: { ...routeRow(request, chargeback), action: request.action },
      };
    });
  }

  decide(request: DisputeDecisionRequest): Promise<DisputeMessageResponse> {
    return this.#carry(request, async (sql) => {
      if (request.winner !== 'cardholder' && request.winner !== 'merchant') return { code: '12', reason: 'invalid_request' };
      const chargeback = await acceptedChargeback(sql, request.chargebackId);
      if (!chargeback) return { code: '12', reason: 'unknown_chargeback' };
      if (chargeback.issuer !== request.sender) return { code: '12', reason: 'not_the_issuer' };
      const answer = await sql.get<{ action: string }>(
        `SELECT action FROM network_dispute_messages WHERE chargeback_id = ? AND type = 'representment' AND response_code = '00'`,
        [request.chargebackId],
      );
      if (answer?.action !== 'represent') return { code: '12', reason: answer ? 'merchant_accepted' : 'not_represented' };
      const acquirer = this.#acquirers.get(chargeback.acquirer_id ?? '');
      if (!acquirer) return { code: '91', reason: 'acquirer_unavailable' };
      return {
        step: `decision:${request.chargebackId}`,
        deliver: () => acquirer.receiveDecision(request),
        row: { ...routeRow(request, chargeback), winner: request.winner },
      };
    });
  }

  /**
   * A fraud report (TC40 / SAFE) from the issuer of the original to its
   * acquirer. Checked like a chargeback's sender and original; kept with its
   * answer, and a repeat answered from the record (91/96 carried again).
   * The acquirer takes each id once, so a repeat that reaches it is harmless.
   */
  async reportFraud(request: FraudReportRequest): Promise<DisputeMessageResponse> {
    if (typeof request !== 'object' || request === null || !ID_PATTERN.test(String(request.id)) || typeof request.sender !== 'string') {
      return answer(String((request as { id?: unknown })?.id ?? '').slice(0, 128), '12', 'invalid_request', null);
    }
    const hash = hashOf(request as never);
    const stored = await this.#db.get<{ request_hash: string; response_code: IsoResponseCode; reason: string; receiver_ref: string | null }>(
      `SELECT request_hash, response_code, reason, receiver_ref FROM network_fraud_reports WHERE id = ?`,
      [request.id],
    );
    if (stored) {
      if (stored.request_hash !== hash) return answer(request.id, '94', 'message_id_reused', null);
      if (stored.response_code !== '91' && stored.response_code !== '96') return answer(request.id, stored.response_code, stored.reason, stored.receiver_ref);
    }
    const record = async (code: IsoResponseCode, reason: string, ref: string | null, original?: { issuer: string | null; acquirer_id: string | null; merchant_id: string | null }) => {
      const nowMs = this.#clock.nowMs();
      await this.#db.run(
        `INSERT INTO network_fraud_reports (id, sender, request_hash, original_id, issuer, acquirer_id, merchant_id, fraud_type, response_code, reason, receiver_ref, created_at_ms, answered_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET response_code = excluded.response_code, reason = excluded.reason, receiver_ref = excluded.receiver_ref, answered_at_ms = excluded.answered_at_ms`,
        [
          request.id, request.sender.slice(0, 128), hash, String(request.originalId ?? '').slice(0, 128), original?.issuer ?? null, original?.acquirer_id ?? null,
          original?.merchant_id ?? null, String(request.fraudType).slice(0, 40), code, reason, ref, nowMs, nowMs,
        ],
      );
      return answer(request.id, code, reason, ref);
    };
    if (!(FRAUD_TYPES as readonly string[]).includes(request.fraudType)) return record('12', 'invalid_fraud_type', null);
    if (typeof request.originalId !== 'string' || !ID_PATTERN.test(request.originalId)) return record('12', 'unknown_original', null);
    const original = await this.#db.get<{ issuer: string | null; acquirer_id: string | null; merchant_id: string | null; response_code: string; type: string }>(
      `SELECT issuer, acquirer_id, merchant_id, response_code, type FROM network_messages WHERE id = ?`,
      [request.originalId],
    );
    if (!original || original.type !== 'authorization') return record('12', 'unknown_original', null);
    if (original.response_code !== '00') return record('12', 'original_not_approved', null, original);
    if (original.issuer !== request.sender) return record('12', 'not_the_issuer', null, original);
    const acquirer = original.acquirer_id === null ? undefined : this.#acquirers.get(original.acquirer_id);
    if (!acquirer) return record('91', 'acquirer_unavailable', null, original);
    if (!acquirer.receiveFraudReport) return record('12', 'fraud_reports_not_taken', null, original);
    const timed = await callWithTimeout(() => acquirer.receiveFraudReport!(request), this.#timeoutMs);
    if (timed.kind === 'timed_out') return record('91', 'receiver_unavailable', null, original);
    if (timed.kind === 'failed' || timed.value?.type !== 'dispute_response') return record('96', 'system_malfunction', null, original);
    return record(timed.value.responseCode, timed.value.reason, timed.value.receiverRef, original);
  }

  /** The fraud reports of one authorization, in order (for traces and tests). */
  async fraudReportsOf(originalId: string): Promise<Array<{ id: string; sender: string; fraud_type: string; response_code: string; reason: string; receiver_ref: string | null; created_at_ms: number | string }>> {
    return this.#db.all(`SELECT id, sender, fraud_type, response_code, reason, receiver_ref, created_at_ms FROM network_fraud_reports WHERE original_id = ? ORDER BY seq`, [originalId]);
  }

  /** The messages of one chargeback, in order (for traces and tests). */
  async messagesOf(chargebackId: string): Promise<Array<{ id: string; type: string; sender: string; response_code: string; reason: string }>> {
    return this.#db.all(`SELECT id, type, sender, response_code, reason FROM network_dispute_messages WHERE chargeback_id = ? ORDER BY seq`, [chargebackId]);
  }

  #carry(request: DisputeMessage, route: (sql: Sql) => Promise<Route | Refusal>): Promise<DisputeMessageResponse> {
    const key = typeof request?.id === 'string' ? request.id : null;
    if (key === null) return this.#carryOnce(request, route);
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const promise = this.#carryOnce(request, route).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return promise;
  }

  async #carryOnce(request: DisputeMessage, route: (sql: Sql) => Promise<Route | Refusal>): Promise<DisputeMessageResponse> {
    if (typeof request !== 'object' || request === null || !ID_PATTERN.test(String(request.id)) || typeof request.sender !== 'string') {
      return answer(String((request as { id?: unknown })?.id ?? '').slice(0, 128), '12', 'invalid_request', null);
    }
    const hash = hashOf(request);
    const stored = await this.#db.get<StoredMessage>(`SELECT * FROM network_dispute_messages WHERE id = ?`, [request.id]);
    if (stored) {
      if (stored.type !== request.type || stored.request_hash !== hash) return answer(request.id, '94', 'message_id_reused', null);
      if (stored.response_code !== '91' && stored.response_code !== '96') return answer(request.id, stored.response_code, stored.reason, stored.receiver_ref);
    }
    const routed = await route(this.#db);
    if (!('step' in routed)) return this.#record(request, hash, null, { code: routed.code, reason: routed.reason, ref: null });
    const claimed = await this.#db.transaction(async (tx) => {
      await tx.run(`INSERT INTO network_dispute_claims (step, message_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, [routed.step, request.id]);
      const holder = await tx.get<{ message_id: string }>(`SELECT message_id FROM network_dispute_claims WHERE step = ?`, [routed.step]);
      return holder?.message_id === request.id;
    });
    if (!claimed) return this.#record(request, hash, routed.row, { code: '12', reason: `already_${routed.step.split(':')[0]}`, ref: null });
    const timed = await callWithTimeout(routed.deliver, this.#timeoutMs);
    let outcome: { code: IsoResponseCode; reason: string; ref: string | null };
    if (timed.kind === 'timed_out') outcome = { code: '91', reason: 'receiver_unavailable', ref: null };
    else if (timed.kind === 'failed' || timed.value?.type !== 'dispute_response') outcome = { code: '96', reason: 'system_malfunction', ref: null };
    else outcome = { code: timed.value.responseCode, reason: timed.value.reason, ref: timed.value.receiverRef };
    // A refusal gives the step back (a corrected message may take it); a retryable answer keeps it for the retry.
    if (outcome.code !== '00' && outcome.code !== '91' && outcome.code !== '96') {
      await this.#db.run(`DELETE FROM network_dispute_claims WHERE step = ? AND message_id = ?`, [routed.step, request.id]);
    }
    return this.#record(request, hash, routed.row, outcome);
  }

  async #record(
    request: DisputeMessage,
    hash: string,
    row: Route['row'] | null,
    outcome: { code: IsoResponseCode; reason: string; ref: string | null },
  ): Promise<DisputeMessageResponse> {
    const nowMs = this.#clock.nowMs();
    const chargebackId = request.type === 'chargeback' ? request.id : String(request.chargebackId ?? '').slice(0, 128);
    const amount = request.type === 'chargeback' && request.amount && Number.isSafeInteger(request.amount.minor) ? request.amount : null;
    await this.#db.run(
      `INSERT INTO network_dispute_messages (id, type, sender, request_hash, chargeback_id, original_id, issuer, acquirer_id, merchant_id, kind, category,
         reason_code, action, winner, amount_minor, currency, response_code, reason, receiver_ref, created_at_ms, answered_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET response_code = excluded.response_code, reason = excluded.reason, receiver_ref = excluded.receiver_ref,
         answered_at_ms = excluded.answered_at_ms`,
      [
        request.id, request.type, request.sender.slice(0, 128), hash, chargebackId,
        row?.original_id ?? (request.type === 'chargeback' ? String(request.originalId ?? '').slice(0, 128) : null),
        row?.issuer ?? null, row?.acquirer_id ?? null, row?.merchant_id ?? null,
        request.type === 'chargeback' ? String(request.kind).slice(0, 16) : null,
        request.type === 'chargeback' ? String(request.category).slice(0, 32) : null,
        request.type === 'chargeback' ? String(request.reasonCode).slice(0, 16) : null,
        request.type === 'representment' ? String(request.action).slice(0, 16) : null,
        request.type === 'dispute_decision' ? String(request.winner).slice(0, 16) : null,
        amount?.minor ?? null, amount?.currency ?? null,
        outcome.code, outcome.reason, outcome.ref, nowMs, nowMs,
      ],
    );
    return answer(request.id, outcome.code, outcome.reason, outcome.ref);
  }
}

function answer(id: string, code: IsoResponseCode, reason: string, ref: string | null): DisputeMessageResponse {
  return { type: 'dispute_response', id, responseCode: code, reason, receiverRef: code === '00' ? ref : null, decidedBy: code === '00' || ref !== null ? 'issuer' : 'network' };
}

async function acceptedChargeback(sql: Sql, id: string): Promise<StoredMessage | undefined> {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) return undefined;
  return sql.get<StoredMessage>(`SELECT * FROM network_dispute_messages WHERE id = ? AND type = 'chargeback' AND response_code = '00'`, [id]);
}

/** A chargeback the network carried but got no answer for (91/96): its issuer sends it again. */
async function undeliveredChargeback(sql: Sql, id: string): Promise<boolean> {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) return false;
  const row = await sql.get<{ id: string }>(`SELECT id FROM network_dispute_messages WHERE id = ? AND type = 'chargeback' AND response_code IN ('91', '96')`, [id]);
  return row !== undefined;
}

function routeRow(request: RepresentmentRequest | DisputeDecisionRequest, chargeback: StoredMessage): Route['row'] {
  return {
    id: request.id,
    type: request.type,
    sender: request.sender,
    chargeback_id: chargeback.id,
    original_id: chargeback.original_id,
    issuer: chargeback.issuer,
    acquirer_id: chargeback.acquirer_id,
    kind: null,
    action: null,
    amount_minor: null,
    currency: chargeback.currency,
  };
}

function checkChargeback(request: ChargebackRequest): Refusal | null {
  if (request.kind !== 'chargeback' && request.kind !== 'inquiry') return { code: '12', reason: 'invalid_request' };
  if (!isDisputeCategory(request.category)) return { code: '12', reason: 'invalid_category' };
  if (typeof request.reasonCode !== 'string' || !reasonCodeMatches(request.category, request.reasonCode)) return { code: '12', reason: 'invalid_reason_code' };
  if (typeof request.originalId !== 'string' || !ID_PATTERN.test(request.originalId)) return { code: '12', reason: 'unknown_original' };
  const amount = request.amount;
  if (!amount || !Number.isSafeInteger(amount.minor) || amount.minor <= 0 || !/^[A-Z]{3}$/.test(String(amount.currency))) return { code: '13', reason: 'invalid_amount' };
  if (typeof request.cardholderStatement !== 'string' || request.cardholderStatement.length > STATEMENT_MAX_CHARS) return { code: '12', reason: 'invalid_request' };
  if (!Number.isSafeInteger(request.respondByMs)) return { code: '12', reason: 'invalid_request' };
  return null;
}

function isEvidence(evidence: unknown): evidence is Record<string, string> {
  if (typeof evidence !== 'object' || evidence === null || Array.isArray(evidence)) return false;
  const entries = Object.entries(evidence);
  return entries.length <= EVIDENCE_FIELDS_MAX && entries.every(([k, v]) => /^[a-z_]{1,64}$/.test(k) && typeof v === 'string' && v.length <= EVIDENCE_FIELD_MAX_CHARS);
}

function isDisputeIssuer(value: unknown): value is DisputeIssuerEndpoint {
  return typeof value === 'object' && value !== null && typeof (value as DisputeIssuerEndpoint).receiveRepresentment === 'function';
}

/** The request without its send time: a retry is the same message sent later. */
function hashOf(request: DisputeMessage): string {
  const { sentAtMs: _sent, ...rest } = request as DisputeMessage & { sentAtMs?: number };
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 32);
}
