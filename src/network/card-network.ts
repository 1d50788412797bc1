import { performance } from 'node:perf_hooks';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { IdGenerator } from '../platform/ids.ts';
import type { BinInfo, BinTable } from './bins.ts';
import { callWithTimeout, type Timed } from './call-with-timeout.ts';
import type {
  AuthenticationRequest,
  AuthenticationResponse,
  AuthorizationRequest,
  AnswerRecorder,
  AuthorizationResponse,
  ClearingRequest,
  FollowUpRequest,
  FollowUpResponse,
  IncrementalAuthorizationRequest,
  IssuerEndpoint,
  IsoResponseCode,
  RefundRequest,
  ReversalRequest,
} from './messages.ts';
import { checkAuthorization, checkFollowUp, isValidMessageId, type Refusal } from './message-validation.ts';
import {
  isWellFormedAuthorizationResponse,
  isWellFormedFollowUpResponse,
  NETWORK_REASONS,
  networkAuthorizationAnswer,
  networkFollowUpAnswer,
} from './network-answers.ts';
import { isIssuerUnreachable } from './issuer-unreachable.ts';
import { IssuerWrittenRecord } from './issuer-written-record.ts';
import { NetworkRecordWriter } from './network-record-writer.ts';
import {
  loadNetworkRows,
  storedAuthorizationResponse,
  storedFollowUpResponse,
  type IssuerOutcome,
  type NetworkMessageRow,
} from './network-records.ts';
import { authorizationRow, followUpRow, type AnswerMeta } from './network-rows.ts';
import { isValidPan } from './pan-format.ts';
import { paymentAccountReferences, type PaymentAccountReferenceOf } from './payment-account-reference.ts';
import { StandInFollowThrough } from './stand-in-follow-through.ts';
import { OwedAdvices } from './owed-advices.ts';
import { NetworkRowLoader } from './network-row-loader.ts';

export const DEFAULT_ISSUER_TIMEOUT_MS = 2_000;
/** How long the network keeps waiting for an answer that missed its time-out, to undo a late approval. */
export const DEFAULT_LATE_ANSWER_WAIT_MS = 60_000;

export interface CardNetworkOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly bins: BinTable;
  readonly issuers: readonly IssuerEndpoint[];
  /** How long an issuer has to answer before the network answers in its stead (default 2,000 ms, as Stripe Issuing gives). */
  readonly timeoutMs?: number;
  readonly lateAnswerWaitMs?: number;
  /** Told when background work after a stand-in fails (default: a process warning). */
  readonly onBackgroundError?: (error: unknown) => void;
  /** The network's PAR key (par-key-file.ts); without it the network assigns no payment account references. */
  readonly parKey?: Buffer;
  /**
   * The network's advice key (owed-advices.ts): seals the advices it still owes issuers after stand-ins, so the sweep
   * delivers them after an outage or a restart. Without it an advice is tried only while the stand-in is followed through.
   */
  readonly adviceKey?: Buffer;
  /**
   * Told each time an issuer's answer misses the time-out and the network answers 91 in its stead (an authorization,
   * a follow-up, or the stand-in's own reversal or advice): how an issuer link counts the time-outs it cannot see.
   */
  readonly onIssuerTimeout?: (issuer: string) => void;
}

type FollowUpType = FollowUpRequest['type'];
/** Sends a follow-up to its issuer, with the recorder of its answer (see AnswerRecorder). */
type SendFollowUp = (issuer: IssuerEndpoint, recorder: AnswerRecorder<AuthorizationResponse | FollowUpResponse>) => Promise<AuthorizationResponse | FollowUpResponse>;

/**
 * The card network: routes authorizations to issuers by BIN and follow-ups
 * to the issuer that handled their authorization, checks every message and
 * answers the malformed ones itself, stands in for an issuer that is slow or
 * failing, and keeps a record of every message and answer.
 *
 * Repeats. A message whose id the network has answered before gets that
 * answer again without reaching an issuer — except a follow-up last answered
 * 91/96 ("try again"), which is sent to the issuer again (issuers answer
 * repeats once, so a retry is safe) and whose record then takes the new
 * answer. An authorization's stand-in answer is final: the network has
 * already told the issuer about it (advice) and undone any late approval.
 * Concurrent copies of one message in this process share one trip.
 *
 * Time-outs. An issuer that does not answer within `timeoutMs` gets a
 * stand-in decline 91 `issuer_unavailable`, as does one that cannot be
 * reached (IssuerUnreachableError: its link is down); one that throws or
 * answers outside the contract, 96. After a stand-in on an authorization the network
 * reverses whatever the issuer may have approved (see
 * stand-in-follow-through.ts) and advises it of the stand-in. A follow-up
 * that times out is answered 91 and the acquirer retries it with the same id.
 *
 * The records are written before the answer returns, through group commit
 * (network-record-writer.ts) — or, for an issuer that shares the network's
 * database, by the issuer in the transaction of its decision (AnswerRecorder
 * in messages.ts): one fsync per authorization instead of two in a row. If
 * writing fails the call throws, like a broken connection: the acquirer
 * resends the same id and the issuer, which answers repeats once, gives the
 * same answer.
 */
export class CardNetwork {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #bins: BinTable;
  readonly #issuers: ReadonlyMap<string, IssuerEndpoint>;
  readonly #timeoutMs: number;
  readonly #writer: NetworkRecordWriter;
  readonly #rowLoader: NetworkRowLoader;
  readonly #followThrough: StandInFollowThrough;
  /** A stand-in unsettled for this long lost its follow-through (the live one waits for the late answer, then sends two messages thrice at most). */
  readonly #standInSettleAfterMs: number;
  readonly #inFlight = new Map<string, Promise<AuthorizationResponse | FollowUpResponse>>();
  readonly #par: PaymentAccountReferenceOf | null;
  readonly #owedAdvices: OwedAdvices | null;
  readonly #onIssuerTimeout: (issuer: string) => void;

  constructor(options: CardNetworkOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#ids = options.ids;
    this.#bins = options.bins;
    this.#par = options.parKey === undefined ? null : paymentAccountReferences(options.parKey);
    this.#timeoutMs = checkDuration(options.timeoutMs ?? DEFAULT_ISSUER_TIMEOUT_MS, 'timeoutMs');
    const issuers = new Map<string, IssuerEndpoint>();
    for (const issuer of options.issuers) {
      if (issuers.has(issuer.name)) throw new RangeError(`card network: two issuers are named ${JSON.stringify(issuer.name)}`);
      issuers.set(issuer.name, issuer);
    }
    for (const entry of options.bins.entries) {
      if (!issuers.has(entry.issuer)) {
        throw new RangeError(`card network: BIN ${entry.prefix} routes to issuer ${JSON.stringify(entry.issuer)}, which is not connected`);
      }
    }
    this.#issuers = issuers;
    this.#writer = new NetworkRecordWriter(options.db);
    this.#rowLoader = new NetworkRowLoader(options.db);
    const lateAnswerWaitMs = checkDuration(options.lateAnswerWaitMs ?? DEFAULT_LATE_ANSWER_WAIT_MS, 'lateAnswerWaitMs');
    this.#standInSettleAfterMs = lateAnswerWaitMs + 6 * (this.#timeoutMs + 1_000) + 60_000;
    this.#owedAdvices = options.adviceKey === undefined ? null : new OwedAdvices(options.db, options.adviceKey);
    this.#onIssuerTimeout = options.onIssuerTimeout ?? (() => undefined);
    this.#followThrough = new StandInFollowThrough({
      db: options.db,
      clock: options.clock,
      writer: this.#writer,
      timeoutMs: this.#timeoutMs,
      lateAnswerWaitMs,
      owedAdvices: this.#owedAdvices,
      onIssuerTimeout: this.#onIssuerTimeout,
      ...(options.onBackgroundError ? { onError: options.onBackgroundError } : {}),
    });
  }

  /** Brand, issuing country, funding and issuer of a card number; null when it is not a valid number or no issuer has its BIN. */
  lookupCard(pan: string): BinInfo | null {
    return isValidPan(pan) ? this.#bins.lookupBin(pan) : null;
  }

  /**
   * The card account's PAR (payment-account-reference.ts), as a network
   * answers a PAR inquiry; null for an invalid number or when this network
   * was given no PAR key.
   */
  paymentAccountReference(pan: string): string | null {
    return this.#par !== null && isValidPan(pan) ? this.#par(pan) : null;
  }

  authorize(request: AuthorizationRequest): Promise<AuthorizationResponse> {
    const started = performance.now();
    const refusal = checkAuthorization(request);
    if (refusal) return this.#refuseAuthorization(request, refusal, started);
    return this.#once('authorization', request.id, () => this.#authorize(request, started)) as Promise<AuthorizationResponse>;
  }

  incrementAuthorization(request: IncrementalAuthorizationRequest): Promise<AuthorizationResponse> {
    return this.#followUp(request, 'incremental_authorization', (issuer, recorder) => issuer.incrementAuthorization(request, recorder)) as Promise<AuthorizationResponse>;
  }

  reverse(request: ReversalRequest): Promise<FollowUpResponse> {
    return this.#followUp(request, 'reversal', (issuer, recorder) => issuer.reverse(request, recorder)) as Promise<FollowUpResponse>;
  }

  clear(request: ClearingRequest): Promise<FollowUpResponse> {
    return this.#followUp(request, 'clearing', (issuer, recorder) => issuer.clear(request, recorder)) as Promise<FollowUpResponse>;
  }

  refund(request: RefundRequest): Promise<FollowUpResponse> {
    return this.#followUp(request, 'refund', (issuer, recorder) => issuer.refund(request, recorder)) as Promise<FollowUpResponse>;
  }

  /**
   * 3-D Secure (the directory server's part): routes an authentication
   * request by BIN to the issuer's access control server, or answers
   * `not_supported` for a card whose issuer runs none. Not recorded with the
   * authorizations: the issuer keeps the authentication, and the
   * authorization that follows carries its value.
   */
  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    const issuer = this.#acsFor(request.card.pan);
    if (issuer === null || !isValidMessageId(request.id)) return notSupported(request.id, issuer?.name ?? null);
    return issuer.authenticate!(request);
  }

  /** Where an authentication stands (the issuer is found from the card, as for the request). */
  async authenticationResult(pan: string, id: string): Promise<AuthenticationResponse> {
    const issuer = this.#acsFor(pan);
    if (issuer === null || issuer.authenticationResult === undefined || !isValidMessageId(id)) return notSupported(id, issuer?.name ?? null);
    return issuer.authenticationResult(id);
  }

  #acsFor(pan: string): IssuerEndpoint | null {
    const bin = isValidPan(pan) ? this.#bins.lookupBin(pan) : null;
    const issuer = bin === null ? undefined : this.#issuers.get(bin.issuer);
    return issuer?.authenticate === undefined ? null : issuer;
  }

  /**
   * Sends the reversals and advices owed after stand-ins whose follow-through
   * could not finish (the issuer stayed out of reach, or the process died
   * meanwhile): a sweep, safe in several processes (each reversal and advice
   * has one id, so a second is a repeat). Returns how many of each it settled.
   */
  settleOwedStandIns(nowMs: number): Promise<{ readonly reversals: number; readonly advices: number }> {
    return this.#followThrough.settleOwed((name) => this.#issuers.get(name), nowMs, this.#standInSettleAfterMs);
  }

  /** How many advices the network still owes `issuer` after stand-ins (0 without an advice key: none are kept). */
  owedAdvicesPending(issuer: string): Promise<number> {
    return this.#owedAdvices?.count(issuer) ?? Promise.resolve(0);
  }

  /** Resolves once every reversal and advice the network owes after a stand-in has been sent (for tests and shutdown). */
  idle(): Promise<void> {
    return this.#followThrough.idle();
  }

  // --- authorizations -------------------------------------------------------

  async #authorize(request: AuthorizationRequest, started: number): Promise<AuthorizationResponse> {
    const stored = await this.#rowLoader.load(request.id);
    if (stored) {
      if (stored.type === 'authorization') return storedAuthorizationResponse(stored);
      return networkAuthorizationAnswer(request.id, '94', NETWORK_REASONS.messageIdReused, request.amount.currency, null);
    }
    const bin = this.#bins.lookupBin(request.card.pan);
    if (!bin) {
      const answer = networkAuthorizationAnswer(request.id, '15', NETWORK_REASONS.noSuchIssuer, request.amount.currency, null);
      return this.#recordAuthorization(request, bin, answer, this.#meta(started, null, 0));
    }
    const issuer = this.#issuers.get(bin.issuer)!;
    const recorder = new IssuerWrittenRecord<AuthorizationResponse>(
      this.#db,
      'insert',
      (value) => {
        const { response, outcome } = this.#authorizationOutcome({ kind: 'answered', value }, request.id, request.amount.currency, issuer.name);
        return { answer: response, row: authorizationRow(request.id, request, bin, response, this.#meta(started, outcome, 1)) };
      },
      storedAuthorizationResponse,
    );
    const timed = await callWithTimeout(() => issuer.authorize(request, recorder), this.#timeoutMs);
    const { response, outcome } = this.#authorizationOutcome(timed, request.id, request.amount.currency, issuer.name);
    const recorded = timed.kind === 'answered' ? recorder.answer() : null;
    const answer = recorded ?? (await this.#recordAuthorization(request, bin, response, this.#meta(started, outcome, 1)));
    // Whether the network stood in is what was recorded: a stand-in that lost
    // the race to the issuer's own record of its answer stood in for nothing.
    if (answer.decidedBy === 'network') {
      // The issuer may have acted on the request (or still will): make sure it holds nothing and knows what was answered.
      const late = timed.kind === 'timed_out' ? timed.late : Promise.resolve(timed);
      this.#followThrough.afterStandIn(issuer, request, answer, late);
    }
    return answer;
  }

  async #recordAuthorization(request: AuthorizationRequest, bin: BinInfo | null, response: AuthorizationResponse, meta: AnswerMeta): Promise<AuthorizationResponse> {
    const row = authorizationRow(request.id, request, bin, response, meta);
    const stored = await this.#writer.write({ mode: 'insert', row });
    if (stored === row || stored.type !== 'authorization') return response;
    return storedAuthorizationResponse(stored);
  }

  async #refuseAuthorization(request: AuthorizationRequest, refusal: Refusal, started: number): Promise<AuthorizationResponse> {
    const r = asObject(request) as { id?: unknown; amount?: { currency?: unknown } | null; card?: { pan?: unknown } | null };
    const idValid = isValidMessageId(r.id);
    const id = idValid ? (r.id as string) : this.#ids.next('nwmsg');
    const currency = validCurrency(asObject(r.amount).currency);
    const pan = asObject(r.card).pan;
    const bin = isValidPan(pan) ? this.#bins.lookupBin(pan) : null;
    const answer = networkAuthorizationAnswer(responseId(r.id), refusal.code, refusal.reason, currency, null);
    const row = authorizationRow(id, r as AuthorizationRequest, bin, answer, this.#meta(started, null, 0));
    const stored = await this.#writer.write({ mode: 'insert', row });
    if (stored === row || stored.type !== 'authorization') return answer;
    return storedAuthorizationResponse(stored);
  }

  #authorizationOutcome(
    timed: Timed<AuthorizationResponse>,
    id: string,
    currency: string,
    issuerName: string,
  ): { response: AuthorizationResponse; outcome: IssuerOutcome } {
    if (timed.kind === 'timed_out') {
      this.#onIssuerTimeout(issuerName);
      return { response: networkAuthorizationAnswer(id, '91', NETWORK_REASONS.issuerUnavailable, currency, issuerName), outcome: 'timeout' };
    }
    if (timed.kind === 'failed' && isIssuerUnreachable(timed.error)) {
      return { response: networkAuthorizationAnswer(id, '91', NETWORK_REASONS.issuerUnavailable, currency, issuerName), outcome: 'error' };
    }
    if (timed.kind === 'failed') {
      return { response: networkAuthorizationAnswer(id, '96', NETWORK_REASONS.systemMalfunction, currency, issuerName), outcome: 'error' };
    }
    if (!isWellFormedAuthorizationResponse(timed.value, id)) {
      return { response: networkAuthorizationAnswer(id, '96', NETWORK_REASONS.invalidIssuerResponse, currency, issuerName), outcome: 'error' };
    }
    return { response: { ...timed.value, decidedBy: 'issuer', issuer: issuerName }, outcome: 'answered' };
  }

  // --- follow-ups -----------------------------------------------------------

  #followUp(
    request: FollowUpRequest,
    type: FollowUpType,
    send: SendFollowUp,
  ): Promise<AuthorizationResponse | FollowUpResponse> {
    const started = performance.now();
    const refusal = checkFollowUp(request, type);
    if (refusal) return this.#refuseFollowUp(request, type, refusal, started);
    return this.#once(type, request.id, () => this.#routeFollowUp(request, type, send, started));
  }

  async #routeFollowUp(
    request: FollowUpRequest,
    type: FollowUpType,
    send: SendFollowUp,
    started: number,
  ): Promise<AuthorizationResponse | FollowUpResponse> {
    // Read with the other messages of this turn (a payment's clearing with others' authorizations): one query for all.
    const [own, original] = await Promise.all([this.#rowLoader.load(request.id), this.#rowLoader.load(request.originalId)]);
    const currency = request.amount?.currency ?? original?.currency ?? 'XXX';
    if (own && own.type !== type) return this.#networkAnswer(request, type, '94', NETWORK_REASONS.messageIdReused, currency);
    if (own && own.response_code !== '91' && own.response_code !== '96') return storedAnswer(own);
    const mode = own ? 'retry' : 'insert';

    let refusal: { code: IsoResponseCode; reason: string } | null = null;
    if (!original || original.type !== 'authorization' || original.issuer === null) refusal = { code: '12', reason: NETWORK_REASONS.unknownOriginal };
    else if (original.response_code !== '00') refusal = { code: '12', reason: NETWORK_REASONS.originalNotApproved };
    else if (request.amount && request.amount.currency !== original.currency) refusal = { code: '12', reason: NETWORK_REASONS.currencyMismatch };
    if (refusal) {
      const answer = this.#networkAnswer(request, type, refusal.code, refusal.reason, currency);
      return this.#recordFollowUp(request, original, answer, mode, this.#meta(started, null, 0));
    }

    const issuer = this.#issuers.get(original!.issuer!);
    if (!issuer) {
      // The BIN table no longer routes to this issuer (a configuration change since the authorization).
      const answer = this.#networkAnswer(request, type, '91', NETWORK_REASONS.issuerUnavailable, currency);
      return this.#recordFollowUp(request, original, answer, mode, this.#meta(started, null, 0));
    }
    const recorder = new IssuerWrittenRecord<AuthorizationResponse | FollowUpResponse>(
      this.#db,
      mode,
      (value) => {
        const { answer, outcome } = this.#followUpOutcome({ kind: 'answered', value }, request, type, currency, issuer.name);
        return { answer, row: followUpRow(request.id, request, original, answer, this.#meta(started, outcome, 1)) };
      },
      storedAnswer,
    );
    const timed = await callWithTimeout(() => send(issuer, recorder), this.#timeoutMs);
    const recorded = timed.kind === 'answered' ? recorder.answer() : null;
    if (recorded) return recorded;
    const { answer, outcome } = this.#followUpOutcome(timed, request, type, currency, issuer.name);
    return this.#recordFollowUp(request, original, answer, mode, this.#meta(started, outcome, 1));
  }

  /** The network's answer to a follow-up from what its issuer did: answered (within the contract or not), failed or kept silent. */
  #followUpOutcome(
    timed: Timed<AuthorizationResponse | FollowUpResponse>,
    request: FollowUpRequest,
    type: FollowUpType,
    currency: string,
    issuerName: string,
  ): { answer: AuthorizationResponse | FollowUpResponse; outcome: IssuerOutcome } {
    if (timed.kind === 'timed_out') {
      this.#onIssuerTimeout(issuerName);
      return { answer: this.#networkAnswer(request, type, '91', NETWORK_REASONS.issuerUnavailable, currency, issuerName), outcome: 'timeout' };
    }
    if (timed.kind === 'failed' && isIssuerUnreachable(timed.error)) {
      return { answer: this.#networkAnswer(request, type, '91', NETWORK_REASONS.issuerUnavailable, currency, issuerName), outcome: 'error' };
    }
    if (timed.kind === 'failed') {
      return { answer: this.#networkAnswer(request, type, '96', NETWORK_REASONS.systemMalfunction, currency, issuerName), outcome: 'error' };
    }
    const wellFormed =
      type === 'incremental_authorization'
        ? isWellFormedAuthorizationResponse(timed.value, request.id)
        : isWellFormedFollowUpResponse(timed.value, request.id, request.originalId);
    if (!wellFormed) {
      return { answer: this.#networkAnswer(request, type, '96', NETWORK_REASONS.invalidIssuerResponse, currency, issuerName), outcome: 'error' };
    }
    const value = timed.value;
    const answer = value.type === 'authorization_response' ? { ...value, decidedBy: 'issuer' as const, issuer: issuerName } : { ...value, decidedBy: 'issuer' as const };
    return { answer, outcome: 'answered' };
  }

  async #recordFollowUp(
    request: FollowUpRequest,
    original: NetworkMessageRow | undefined,
    answer: AuthorizationResponse | FollowUpResponse,
    mode: 'insert' | 'retry',
    meta: AnswerMeta,
  ): Promise<AuthorizationResponse | FollowUpResponse> {
    const row = followUpRow(request.id, request, original, answer, meta);
    const stored = await this.#writer.write({ mode, row });
    if (stored === row || stored.type !== row.type) return answer;
    return storedAnswer(stored);
  }

  async #refuseFollowUp(request: FollowUpRequest, type: FollowUpType, refusal: Refusal, started: number): Promise<AuthorizationResponse | FollowUpResponse> {
    const r = asObject(request) as { id?: unknown; originalId?: unknown; amount?: unknown };
    const id = isValidMessageId(r.id) ? (r.id as string) : this.#ids.next('nwmsg');
    const answer = this.#networkAnswer(
      { id: responseId(r.id), originalId: responseId(r.originalId) },
      type,
      refusal.code,
      refusal.reason,
      validCurrency(asObject(r.amount).currency),
    );
    const original = isValidMessageId(r.originalId) ? (await loadNetworkRows(this.#db, [r.originalId])).get(r.originalId) : undefined;
    const row = followUpRow(id, { ...r, type } as FollowUpRequest, original?.type === 'authorization' ? original : undefined, answer, this.#meta(started, null, 0));
    const stored = await this.#writer.write({ mode: 'insert', row });
    if (stored === row || stored.type !== row.type) return answer;
    return storedAnswer(stored);
  }

  #networkAnswer(
    request: { readonly id: string; readonly originalId: string },
    type: FollowUpType,
    code: IsoResponseCode,
    reason: string,
    currency: string,
    issuer: string | null = null,
  ): AuthorizationResponse | FollowUpResponse {
    if (type === 'incremental_authorization') return networkAuthorizationAnswer(request.id, code, reason, currency, issuer);
    return networkFollowUpAnswer(request.id, request.originalId, code, reason, currency);
  }

  // --- shared ---------------------------------------------------------------

  /** Concurrent copies of one message id share one trip through the network. */
  #once(type: string, id: string, run: () => Promise<AuthorizationResponse | FollowUpResponse>): Promise<AuthorizationResponse | FollowUpResponse> {
    const key = `${type} ${id}`;
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const promise = run().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return promise;
  }

  #meta(started: number, issuerOutcome: IssuerOutcome | null, attempts: number): AnswerMeta {
    return {
      issuerOutcome,
      attempts,
      latencyUs: Math.max(0, Math.round((performance.now() - started) * 1000)),
      answeredAtMs: this.#clock.nowMs(),
    };
  }
}

function storedAnswer(row: NetworkMessageRow): AuthorizationResponse | FollowUpResponse {
  return row.type === 'authorization' || row.type === 'incremental_authorization' ? storedAuthorizationResponse(row) : storedFollowUpResponse(row);
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function responseId(id: unknown): string {
  return typeof id === 'string' ? id.slice(0, 255) : '';
}

function validCurrency(currency: unknown): string {
  return typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : 'XXX';
}

function checkDuration(ms: number, name: string): number {
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > 600_000) throw new RangeError(`card network: ${name} must be 1–600000 ms, got ${ms}`);
  return ms;
}

function notSupported(id: string, issuer: string | null): AuthenticationResponse {
  return { type: 'authentication_response', id, status: 'not_supported', challengeUrl: null, expiresAtMs: null, authentication: null, reason: 'not_supported', issuer };
}
