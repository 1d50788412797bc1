import { performance } from 'node:perf_hooks';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { IdGenerator } from '../platform/ids.ts';
import { callWithTimeout, type Settled } from './call-with-timeout.ts';
import type { AuthorizationAdvice, AuthorizationRequest, AuthorizationResponse, FollowUpResponse, IssuerEndpoint, ReversalRequest } from './messages.ts';
import { isWellFormedAuthorizationResponse, isWellFormedFollowUpResponse, NETWORK_REASONS, networkFollowUpAnswer } from './network-answers.ts';
import type { NetworkRecordWriter } from './network-record-writer.ts';
import { loadNetworkRows, type IssuerOutcome, type NetworkMessageRow } from './network-records.ts';
import { adviceRow, networkReversalRow } from './network-rows.ts';

/**
 * What the network does after it answered an authorization in an issuer's
 * stead (a time-out or a failing issuer): the acquirer was told "declined",
 * so the issuer must end up holding nothing and knowing why.
 *
 * It waits for the issuer's own answer (at most `lateAnswerWaitMs`). If that
 * answer was an approval — or never came, or was a failure, after which the
 * issuer may still have booked something — the network sends the issuer a
 * full reversal of the authorization (an issuer that holds nothing answers
 * 12, which is fine). Then it sends an advice (0120) carrying the stand-in
 * decision, so the issuer's records and the cardholder's statement show the
 * attempt. Both are retried a few times with the same id (issuers answer
 * repeats once), and both are recorded as network-made messages about the
 * authorization; the authorization's record also keeps the issuer's late
 * answer.
 */

const MAX_ATTEMPTS = 3;
const MAX_RETRY_DELAY_MS = 1_000;

export interface StandInFollowThroughDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly writer: NetworkRecordWriter;
  readonly timeoutMs: number;
  readonly lateAnswerWaitMs: number;
  /** Told about a failure that no caller is waiting to hear (a record that could not be written). */
  readonly onError?: (error: unknown) => void;
}

export class StandInFollowThrough {
  readonly #deps: StandInFollowThroughDeps;
  readonly #pending = new Set<Promise<void>>();

  constructor(deps: StandInFollowThroughDeps) {
    this.#deps = deps;
  }

  /** Starts the follow-through in the background; `idle()` waits for it. */
  afterStandIn(issuer: IssuerEndpoint, request: AuthorizationRequest, standIn: AuthorizationResponse, late: Promise<Settled<AuthorizationResponse>>): void {
    const task: Promise<void> = this.#run(issuer, request, standIn, late)
      .catch((error: unknown) => (this.#deps.onError ?? defaultOnError)(error))
      .finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async #run(issuer: IssuerEndpoint, request: AuthorizationRequest, standIn: AuthorizationResponse, late: Promise<Settled<AuthorizationResponse>>): Promise<void> {
    const settled = await withinMs(late, this.#deps.lateAnswerWaitMs);
    const original = (await loadNetworkRows(this.#deps.db, [request.id])).get(request.id);
    if (!original) throw new Error(`card network: the record of stand-in ${request.id} is missing`);
    // Another copy of this message (another process) got through and its approval is what the acquirer was told.
    if (original.response_code === '00') return;
    const lateAnswer = settled?.kind === 'answered' && isWellFormedAuthorizationResponse(settled.value, request.id) ? settled.value : null;
    if (lateAnswer) {
      await this.#deps.db.run('UPDATE network_messages SET late_response_code = ?, late_reason = ? WHERE id = ?', [
        lateAnswer.responseCode,
        lateAnswer.reason,
        request.id,
      ]);
    }
    // Only a clear decline needs no undoing; an approval, a failure or silence might have left a hold.
    if (!(lateAnswer && !lateAnswer.approved)) await this.#reverse(issuer, original);
    await this.#advise(issuer, request, standIn, original);
  }

  async #reverse(issuer: IssuerEndpoint, original: NetworkMessageRow): Promise<void> {
    const { clock, ids, timeoutMs, writer } = this.#deps;
    const request: ReversalRequest = { type: 'reversal', id: ids.next('nwrev'), originalId: original.id, amount: null, sentAtMs: clock.nowMs() };
    const currency = original.currency ?? 'XXX';
    let response: FollowUpResponse = networkFollowUpAnswer(request.id, original.id, '91', NETWORK_REASONS.issuerUnavailable, currency);
    let outcome: IssuerOutcome = 'timeout';
    let attempts = 0;
    const started = performance.now();
    while (attempts < MAX_ATTEMPTS) {
      if (attempts > 0) await sleep(Math.min(timeoutMs, MAX_RETRY_DELAY_MS));
      attempts += 1;
      const timed = await callWithTimeout(() => issuer.reverse(request), timeoutMs);
      if (timed.kind === 'answered' && isWellFormedFollowUpResponse(timed.value, request.id, original.id)) {
        response = { ...timed.value, decidedBy: 'issuer' };
        outcome = 'answered';
        if (response.responseCode !== '91' && response.responseCode !== '96') break;
      } else if (timed.kind === 'timed_out') {
        response = networkFollowUpAnswer(request.id, original.id, '91', NETWORK_REASONS.issuerUnavailable, currency);
        outcome = 'timeout';
      } else {
        response = networkFollowUpAnswer(request.id, original.id, '96', NETWORK_REASONS.systemMalfunction, currency);
        outcome = 'error';
      }
    }
    const meta = { issuerOutcome: outcome, attempts, latencyUs: elapsedUs(started), answeredAtMs: clock.nowMs() };
    await writer.write({ mode: 'insert', row: networkReversalRow(request, original, response, meta) });
  }

  async #advise(issuer: IssuerEndpoint, request: AuthorizationRequest, standIn: AuthorizationResponse, original: NetworkMessageRow): Promise<void> {
    const { clock, ids, timeoutMs, writer } = this.#deps;
    const advice: AuthorizationAdvice = { type: 'advice', id: ids.next('nwadv'), request, response: standIn };
    const sentAtMs = clock.nowMs();
    let outcome: IssuerOutcome = 'timeout';
    let attempts = 0;
    const started = performance.now();
    while (attempts < MAX_ATTEMPTS) {
      if (attempts > 0) await sleep(Math.min(timeoutMs, MAX_RETRY_DELAY_MS));
      attempts += 1;
      const timed = await callWithTimeout(() => issuer.advise(advice), timeoutMs);
      outcome = timed.kind === 'answered' ? 'delivered' : timed.kind === 'timed_out' ? 'timeout' : 'error';
      if (outcome === 'delivered') break;
    }
    const meta = { issuerOutcome: outcome, attempts, latencyUs: elapsedUs(started), answeredAtMs: clock.nowMs() };
    await writer.write({ mode: 'insert', row: adviceRow(advice.id, original, sentAtMs, meta) });
  }
}

/** The settled outcome, or null if it has not settled within `ms`. */
function withinMs<T>(promise: Promise<Settled<T>>, ms: number): Promise<Settled<T> | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    void promise.then((outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function elapsedUs(started: number): number {
  return Math.max(0, Math.round((performance.now() - started) * 1000));
}

function defaultOnError(error: unknown): void {
  process.emitWarning(`card network: a stand-in follow-through failed: ${error instanceof Error ? error.message : String(error)}`);
}
