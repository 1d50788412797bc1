import { GroupCommit } from '../../platform/db/group-commit.ts';
import type { Clock } from '../../platform/clock.ts';
import { RetryableConflict, type Database, type Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type {
  AuthenticationRequest,
  AnswerRecorder,
  AuthenticationResponse,
  AuthorizationAdvice,
  AuthorizationRequest,
  AuthorizationResponse,
  ClearingRequest,
  FollowUpRequest,
  FollowUpResponse,
  IncrementalAuthorizationRequest,
  IssuerEndpoint,
  RefundRequest,
  ReversalRequest,
} from '../messages.ts';
import { recordableBin, recordableLast4 } from '../pan-format.ts';
import { applyFollowUp } from './test-bank-follow-ups.ts';
import { decideTestAuthorization } from './test-bank-script.ts';
import {
  insertAuthorizations,
  insertMessage,
  loadAuthorization,
  loadMessage,
  noteStandIn,
  updateAmounts,
  wasVerifiedAt,
  type TestBankAuthorizationRow,
  type TestBankMessageRow,
} from './test-bank-store.ts';
import { findTestCard, TEST_BANK_NAME, THREE_D_SECURE_BEHAVIOURS } from './test-cards.ts';
import { TestBankAcs } from './test-bank-acs.ts';

export interface TestBankDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

const MAX_AUTHORIZATIONS_PER_COMMIT = 500;
const POSTGRES_COMMITS_IN_FLIGHT = 2;

/** An authorization to write, with the network's recorder when the network shares the bank's database. */
interface AuthorizationWrite {
  readonly row: TestBankAuthorizationRow;
  readonly recorder: AnswerRecorder | null;
}

/**
 * A scripted issuing bank behind the network, answering like Stripe's test
 * cards (see test-cards.ts and test-bank-script.ts). It is someone else's
 * bank: it moves no Cardlane ledger money, but keeps its own books — every
 * authorization with what it held, cleared, released and refunded, every
 * follow-up it answered — so follow-ups work after a restart and a repeat
 * (same message id) gets the first answer.
 *
 * Authorizations are written through group commit, like the network's own
 * records, so the test bank is not the slow party in a benchmark. When the
 * network shares the bank's database it hands over its recorder
 * (AnswerRecorder), and the bank writes the network's record of each answer
 * in the transaction of the answer: one commit for both.
 */
export class TestBank implements IssuerEndpoint {
  readonly name: string;
  readonly #deps: TestBankDeps;
  readonly #authorizations: GroupCommit<AuthorizationWrite, AuthorizationResponse>;
  /** The bank's 3-D Secure access control server (its challenge page is served by the network module). */
  readonly acs: TestBankAcs;

  constructor(deps: TestBankDeps, options: { readonly name?: string } = {}) {
    this.#deps = deps;
    this.name = options.name ?? TEST_BANK_NAME;
    this.acs = new TestBankAcs(deps, this.name);
    this.#authorizations = new GroupCommit(deps.db, (tx, writes) => this.#writeAuthorizations(tx, writes), {
      maxInFlight: deps.db.dialect === 'sqlite' ? 1 : POSTGRES_COMMITS_IN_FLIGHT,
      maxEventsPerCommit: MAX_AUTHORIZATIONS_PER_COMMIT,
      sizeOf: () => 1,
    });
  }

  async authorize(request: AuthorizationRequest, recorder?: AnswerRecorder): Promise<AuthorizationResponse> {
    const { db, clock, ids } = this.#deps;
    const nowMs = clock.nowMs();
    const card = findTestCard(request.card.pan);
    const cardBin = recordableBin(request.card.pan) ?? '';
    const cardLast4 = recordableLast4(request.card.pan) ?? '';
    const verified =
      card !== undefined && THREE_D_SECURE_BEHAVIOURS.has(card.behaviour) && request.purpose === 'purchase' && request.initiator === 'merchant'
        ? await wasVerifiedAt(db, cardBin, cardLast4, request.merchant.acquirerId, request.merchant.merchantId)
        : false;
    const authenticated = await this.acs.check(db, request);
    const decision = decideTestAuthorization(card, request, nowMs, verified, authenticated);
    const approved = decision.code === '00';
    const id = ids.next('tbauth');
    const row: TestBankAuthorizationRow = {
      id,
      request_id: request.id,
      card_bin: cardBin,
      card_last4: cardLast4,
      purpose: request.purpose,
      initiator: request.initiator,
      acquirer_id: request.merchant.acquirerId,
      merchant_id: request.merchant.merchantId,
      currency: request.amount.currency,
      requested_minor: request.amount.minor,
      response_code: decision.code,
      reason: decision.reason,
      approval_code: approved ? approvalCode(id) : null,
      avs_line1: decision.avs.line1,
      avs_postal_code: decision.avs.postalCode,
      cvv2: decision.cvv2,
      decided_by: 'issuer',
      stand_in_code: null,
      stand_in_reason: null,
      authorized_minor: approved ? request.amount.minor : 0,
      cleared_minor: 0,
      released_minor: 0,
      refunded_minor: 0,
      // A declined authorization holds nothing and takes no follow-up.
      closed_at_ms: approved ? null : nowMs,
      created_at_ms: nowMs,
      updated_at_ms: nowMs,
    };
    return this.#authorizations.submit({ row, recorder: this.#own(recorder) });
  }

  /** Writes a batch of authorizations (a repeat keeps the first answer) and, for each that came with one, the network's record of its answer. */
  async #writeAuthorizations(tx: Tx, writes: readonly AuthorizationWrite[]): Promise<AuthorizationResponse[]> {
    const stored = await insertAuthorizations(tx, writes.map((w) => w.row));
    const responses = stored.map((row) => this.#authorizationResponse(row));
    for (const [i, { recorder }] of writes.entries()) await recorder?.record(tx, responses[i]!);
    return responses;
  }

  /** The network's recorder, if it writes to the bank's own database (another database's record cannot share the bank's commit). */
  #own<R extends AuthorizationResponse | FollowUpResponse>(recorder: AnswerRecorder<R> | undefined): AnswerRecorder<R> | null {
    return recorder?.db === this.#deps.db ? recorder : null;
  }

  authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    return this.acs.authenticate(request);
  }

  authenticationResult(id: string): Promise<AuthenticationResponse> {
    return this.acs.result(id);
  }

  incrementAuthorization(request: IncrementalAuthorizationRequest, recorder?: AnswerRecorder): Promise<AuthorizationResponse> {
    return this.#followUp(request, recorder, (message, auth) => ({
      type: 'authorization_response',
      id: request.id,
      responseCode: message.response_code,
      approved: message.response_code === '00',
      approvalCode: message.approval_code,
      approvedAmount: { minor: message.amount_minor, currency: message.currency },
      avs: { line1: 'unchecked', postalCode: 'unchecked' },
      cvv2: 'unchecked',
      reason: message.reason,
      issuerAuthorizationId: auth?.id ?? null,
      decidedBy: 'issuer',
      issuer: this.name,
    }));
  }

  reverse(request: ReversalRequest, recorder?: AnswerRecorder<FollowUpResponse>): Promise<FollowUpResponse> {
    return this.#followUp(request, recorder, (message) => followUpResponse(request, message));
  }

  clear(request: ClearingRequest, recorder?: AnswerRecorder<FollowUpResponse>): Promise<FollowUpResponse> {
    return this.#followUp(request, recorder, (message) => followUpResponse(request, message));
  }

  refund(request: RefundRequest, recorder?: AnswerRecorder<FollowUpResponse>): Promise<FollowUpResponse> {
    return this.#followUp(request, recorder, (message) => followUpResponse(request, message));
  }

  /**
   * The network declined in the bank's stead. The authorization gets the
   * stand-in noted; one the bank never saw is recorded as declined by the
   * network, so a very late copy of the request is answered with that
   * decline rather than approved.
   */
  async advise(advice: AuthorizationAdvice): Promise<void> {
    const { db, clock, ids } = this.#deps;
    const { request, response } = advice;
    const nowMs = clock.nowMs();
    await db.transaction(async (tx) => {
      const id = ids.next('tbauth');
      await insertAuthorizations(tx, [
        {
          id,
          request_id: request.id,
          card_bin: recordableBin(request.card.pan) ?? '',
          card_last4: recordableLast4(request.card.pan) ?? '',
          purpose: request.purpose,
          initiator: request.initiator,
          acquirer_id: request.merchant.acquirerId,
          merchant_id: request.merchant.merchantId,
          currency: request.amount.currency,
          requested_minor: request.amount.minor,
          response_code: response.responseCode,
          reason: response.reason,
          approval_code: null,
          avs_line1: 'unchecked',
          avs_postal_code: 'unchecked',
          cvv2: 'unchecked',
          decided_by: 'network',
          stand_in_code: null,
          stand_in_reason: null,
          authorized_minor: 0,
          cleared_minor: 0,
          released_minor: 0,
          refunded_minor: 0,
          closed_at_ms: nowMs,
          created_at_ms: nowMs,
          updated_at_ms: nowMs,
        },
      ]);
      await noteStandIn(tx, request.id, response.responseCode, response.reason, nowMs);
    });
  }

  /**
   * Applies a follow-up once: a repeat (same id) gets the stored answer and
   * changes nothing. The answer, and the network's record of it when the
   * network handed over its recorder, commit together with the new amounts.
   */
  async #followUp<R extends AuthorizationResponse | FollowUpResponse>(
    request: FollowUpRequest,
    recorder: AnswerRecorder<R> | undefined,
    respond: (message: TestBankMessageRow, auth: TestBankAuthorizationRow | undefined) => R,
  ): Promise<R> {
    const ownRecorder = this.#own(recorder);
    return this.#deps.db.transaction(async (tx) => {
      const { message, auth } = await this.#answerFollowUp(tx, request);
      const response = respond(message, auth);
      await ownRecorder?.record(tx, response);
      return response;
      // Fusable on PostgreSQL (fused-transactions.ts): it locks its authorization FOR UPDATE and inserts its own rows.
    }, { fuse: true });
  }

  async #answerFollowUp(tx: Tx, request: FollowUpRequest): Promise<{ message: TestBankMessageRow; auth: TestBankAuthorizationRow | undefined }> {
    const { clock, ids } = this.#deps;
    // Lock the authorization first: a concurrent copy of this message waits here until the first has committed.
    const auth = await loadAuthorization(tx, request.originalId, true);
    const nowMs = clock.nowMs();
    const effect = applyFollowUp(auth, request, nowMs);
    const message: TestBankMessageRow = {
      id: request.id,
      type: request.type,
      original_id: request.originalId,
      authorization_id: auth?.id ?? null,
      response_code: effect.code,
      reason: effect.reason,
      amount_minor: effect.amountMinor,
      released_minor: effect.releasedMinor,
      currency: request.amount?.currency ?? auth?.currency ?? 'XXX',
      approval_code: request.type === 'incremental_authorization' && effect.code === '00' ? approvalCode(ids.next('tbinc')) : null,
      created_at_ms: nowMs,
    };
    // The answer goes in first, keyed by the message id: a repeat finds the first answer taken and changes nothing
    // (one statement where a look for the answer, then its insert, took two).
    if (await insertMessage(tx, message)) {
      if (effect.next && auth) await updateAmounts(tx, auth.id, effect.next, nowMs);
      return { message, auth };
    }
    const existing = await loadMessage(tx, request.id);
    if (!existing) throw new RetryableConflict(`test bank: message ${request.id} was being answered concurrently`);
    if (existing.type === request.type && existing.original_id === request.originalId) return { message: existing, auth };
    return { message: refusedMessage(request, auth, 'message_id_reused', nowMs), auth };
  }

  #authorizationResponse(row: TestBankAuthorizationRow): AuthorizationResponse {
    const approved = row.response_code === '00';
    return {
      type: 'authorization_response',
      id: row.request_id,
      responseCode: row.response_code,
      approved,
      approvalCode: row.approval_code,
      approvedAmount: { minor: approved ? row.requested_minor : 0, currency: row.currency },
      avs: { line1: row.avs_line1, postalCode: row.avs_postal_code },
      cvv2: row.cvv2,
      reason: row.reason,
      issuerAuthorizationId: row.id,
      decidedBy: row.decided_by,
      issuer: this.name,
    };
  }
}

function followUpResponse(request: FollowUpRequest, message: TestBankMessageRow): FollowUpResponse {
  return {
    type: 'follow_up_response',
    id: request.id,
    originalId: request.originalId,
    responseCode: message.response_code,
    reason: message.reason,
    amount: { minor: message.amount_minor, currency: message.currency },
    decidedBy: 'issuer',
  };
}

/** An answer to a message that reuses the id of a different one: refused, and not stored (the id is taken). */
function refusedMessage(request: FollowUpRequest, auth: TestBankAuthorizationRow | undefined, reason: string, nowMs: number): TestBankMessageRow {
  return {
    id: request.id,
    type: request.type,
    original_id: request.originalId,
    authorization_id: auth?.id ?? null,
    response_code: '12',
    reason,
    amount_minor: 0,
    released_minor: 0,
    currency: request.amount?.currency ?? auth?.currency ?? 'XXX',
    approval_code: null,
    created_at_ms: nowMs,
  };
}

/** Six characters from the random end of a fresh id (ids are Crockford base32, so no I, L, O or U). */
function approvalCode(id: string): string {
  return id.slice(-6);
}
