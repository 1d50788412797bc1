import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { callWithTimeout, type Settled } from './call-with-timeout.ts';
import type { AuthorizationAdvice, AuthorizationRequest, AuthorizationResponse, FollowUpResponse, IssuerEndpoint, ReversalRequest } from './messages.ts';
import { isWellFormedAuthorizationResponse, isWellFormedFollowUpResponse, NETWORK_REASONS, networkFollowUpAnswer } from './network-answers.ts';
import type { NetworkRecordWriter } from './network-record-writer.ts';
import { loadNetworkRows, type IssuerOutcome, type NetworkMessageRow } from './network-records.ts';
import { adviceRow, networkReversalRow } from './network-rows.ts';
import { isIssuerUnreachable } from './issuer-unreachable.ts';
import type { OwedAdvices } from './owed-advices.ts';

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
 *
 * The follow-through is owed durably, not only in memory: every stand-in
 * record starts unsettled and is marked settled when its reversal is done,
 * and its advice waits, sealed, in the owed advices (owed-advices.ts) until
 * the issuer has it. If the issuer stays out of reach longer than the
 * retries, or the process dies in between, `settleOwed` (a sweep) sends the
 * reversal and the advice again with the same message ids — a repeat at an
 * issuer that already got them — so a late approval never keeps a
 * cardholder's money held for a payment the merchant was told was declined,
 * and the issuer learns of every stand-in, once.
 */

const MAX_ATTEMPTS = 3;
/** Longer than any hold lives at an issuer (seven days): by then there is nothing left to release. */
const GIVE_UP_AFTER_MS = 8 * 24 * 60 * 60 * 1000;
const MAX_RETRY_DELAY_MS = 1_000;

export interface StandInFollowThroughDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly writer: NetworkRecordWriter;
  readonly timeoutMs: number;
  readonly lateAnswerWaitMs: number;
  /** Told about a failure that no caller is waiting to hear (a record that could not be written). */
  readonly onError?: (error: unknown) => void;
  /** Where advices wait for an issuer that has not taken them; null: an advice is tried only by the live follow-through. */
  readonly owedAdvices: OwedAdvices | null;
  /** Told when the issuer's answer to a reversal or an advice missed the time-out (card-network.ts). */
  readonly onIssuerTimeout?: (issuer: string) => void;
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

  /**
   * Finishes the follow-through of stand-ins whose live one could not (the
   * issuer stayed out of reach, or the process died while it waited or
   * sent), once it is more than `olderThanMs` old: the reversals of those
   * still unsettled, and the advices still owed. Returns how many of each
   * it settled.
   */
  async settleOwed(
    issuerNamed: (name: string) => IssuerEndpoint | undefined,
    nowMs: number,
    olderThanMs: number,
    limit = 100,
  ): Promise<{ readonly reversals: number; readonly advices: number }> {
    const reversals = await this.#reverseOwed(issuerNamed, nowMs, olderThanMs, limit);
    const advices = await this.#adviseOwed(issuerNamed, nowMs, olderThanMs, limit);
    return { reversals, advices };
  }

  async #reverseOwed(issuerNamed: (name: string) => IssuerEndpoint | undefined, nowMs: number, olderThanMs: number, limit: number): Promise<number> {
    const owed = await this.#deps.db.all<{ id: string }>(
      `SELECT id FROM network_messages
       WHERE type = 'authorization' AND decided_by = 'network' AND issuer_outcome IN ('timeout', 'error') AND stand_in_settled_at_ms IS NULL
         AND answered_at_ms <= ? ORDER BY answered_at_ms LIMIT ?`,
      [nowMs - olderThanMs, limit],
    );
    const rows = await loadNetworkRows(this.#deps.db, owed.map((row) => row.id));
    let settled = 0;
    for (const original of rows.values()) {
      const issuer = original.issuer === null ? undefined : issuerNamed(original.issuer);
      const reversed = issuer === undefined || original.response_code === '00' || (await this.#reverse(issuer, original));
      // An issuer that never answers is asked again at the next sweep, until any hold it placed has expired anyway.
      if (!reversed && nowMs - original.answered_at_ms < GIVE_UP_AFTER_MS) continue;
      await this.#markSettled(original.id);
      settled += 1;
    }
    return settled;
  }

  async #adviseOwed(issuerNamed: (name: string) => IssuerEndpoint | undefined, nowMs: number, olderThanMs: number, limit: number): Promise<number> {
    const store = this.#deps.owedAdvices;
    if (store === null) return 0;
    const { owed, unreadable } = await store.owedSince(nowMs - olderThanMs, limit);
    for (const id of unreadable) {
      // Not sealed under this deployment's key (or altered): it can never be sent, so it is not kept.
      (this.#deps.onError ?? defaultOnError)(new Error(`card network: owed advice ${id} does not open under the network's advice key; dropped`));
      await store.forget(id);
    }
    const originals = await loadNetworkRows(this.#deps.db, owed.map((o) => o.advice.request.id));
    let delivered = 0;
    for (const { advice, issuer: name, owedSinceMs } of owed) {
      const issuer = issuerNamed(name);
      const original = originals.get(advice.request.id);
      // Another copy of the authorization got through and was approved: there is no stand-in to advise (it would release the hold).
      if (original !== undefined && original.decided_by !== 'network') {
        await store.forget(advice.id);
        continue;
      }
      if (issuer !== undefined && original !== undefined && (await this.#advise(issuer, advice, original))) delivered += 1;
      // Owed longer than any hold lives: dropped, so a card number is not kept for ever for a record that moves no money.
      else if (nowMs - owedSinceMs >= GIVE_UP_AFTER_MS) await store.forget(advice.id);
    }
    return delivered;
  }

  async #run(issuer: IssuerEndpoint, request: AuthorizationRequest, standIn: AuthorizationResponse, late: Promise<Settled<AuthorizationResponse>>): Promise<void> {
    const advice: AuthorizationAdvice = { type: 'advice', id: derivedId(request.id, 'stand-in-advice'), request, response: standIn };
    // Owed before the wait for a late answer: a process that dies meanwhile leaves it to the sweep. A failure to
    // record it is told, and the reversal, which is what releases money, still goes.
    await this.#deps.owedAdvices?.owe(advice, issuer.name, this.#deps.clock.nowMs()).catch((error: unknown) => (this.#deps.onError ?? defaultOnError)(error));
    const settled = await withinMs(late, this.#deps.lateAnswerWaitMs);
    const original = (await loadNetworkRows(this.#deps.db, [request.id])).get(request.id);
    if (!original) throw new Error(`card network: the record of stand-in ${request.id} is missing`);
    // Another copy of this message (another process) got through and its approval is what the acquirer was told.
    if (original.response_code === '00') {
      await this.#deps.owedAdvices?.forget(advice.id);
      return this.#markSettled(original.id);
    }
    const lateAnswer = settled?.kind === 'answered' && isWellFormedAuthorizationResponse(settled.value, request.id) ? settled.value : null;
    if (lateAnswer) {
      await this.#deps.db.run('UPDATE network_messages SET late_response_code = ?, late_reason = ? WHERE id = ?', [
        lateAnswer.responseCode,
        lateAnswer.reason,
        request.id,
      ]);
    }
    // Only a clear decline needs no undoing; an approval, a failure or silence might have left a hold.
    const reversed = (lateAnswer && !lateAnswer.approved) || (await this.#reverse(issuer, original));
    // An advice the issuer did not take stays owed too (#advise).
    await this.#advise(issuer, advice, original);
    // A reversal without an answer stays owed: the sweep sends it again.
    if (reversed) await this.#markSettled(original.id);
  }

  async #markSettled(id: string): Promise<void> {
    await this.#deps.db.run('UPDATE network_messages SET stand_in_settled_at_ms = ? WHERE id = ? AND stand_in_settled_at_ms IS NULL', [this.#deps.clock.nowMs(), id]);
  }

  /** Sends the full reversal of a stand-in's authorization; true when the issuer gave a final answer (a 12 included: it holds nothing). */
  async #reverse(issuer: IssuerEndpoint, original: NetworkMessageRow): Promise<boolean> {
    const { clock, timeoutMs, writer } = this.#deps;
    // One id per stand-in, so the sweep's reversal after a crash is a repeat of one that may have gone out.
    const request: ReversalRequest = { type: 'reversal', id: standInReversalId(original.id), originalId: original.id, amount: null, sentAtMs: clock.nowMs() };
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
        this.#deps.onIssuerTimeout?.(issuer.name);
        response = networkFollowUpAnswer(request.id, original.id, '91', NETWORK_REASONS.issuerUnavailable, currency);
        outcome = 'timeout';
      } else if (timed.kind === 'failed' && isIssuerUnreachable(timed.error)) {
        // The link is down: the issuer is unavailable (91), as for the authorization, not malfunctioning (96).
        response = networkFollowUpAnswer(request.id, original.id, '91', NETWORK_REASONS.issuerUnavailable, currency);
        outcome = 'error';
      } else {
        response = networkFollowUpAnswer(request.id, original.id, '96', NETWORK_REASONS.systemMalfunction, currency);
        outcome = 'error';
      }
    }
    const meta = { issuerOutcome: outcome, attempts, latencyUs: elapsedUs(started), answeredAtMs: clock.nowMs() };
    // A reversal sent again (by the sweep) replaces its earlier 91/96 record.
    const sentBefore = (await loadNetworkRows(this.#deps.db, [request.id])).has(request.id);
    await writer.write({ mode: sentBefore ? 'retry' : 'insert', row: networkReversalRow(request, original, response, meta) });
    return response.responseCode !== '91' && response.responseCode !== '96';
  }

  /** Sends the stand-in's advice; true when the issuer took it, and then it is owed no more. */
  async #advise(issuer: IssuerEndpoint, advice: AuthorizationAdvice, original: NetworkMessageRow): Promise<boolean> {
    const { clock, timeoutMs, writer } = this.#deps;
    const sentAtMs = clock.nowMs();
    let outcome: IssuerOutcome = 'timeout';
    let attempts = 0;
    const started = performance.now();
    while (attempts < MAX_ATTEMPTS) {
      if (attempts > 0) await sleep(Math.min(timeoutMs, MAX_RETRY_DELAY_MS));
      attempts += 1;
      const timed = await callWithTimeout(() => issuer.advise(advice), timeoutMs);
      outcome = timed.kind === 'answered' ? 'delivered' : timed.kind === 'timed_out' ? 'timeout' : 'error';
      if (outcome === 'timeout') this.#deps.onIssuerTimeout?.(issuer.name);
      if (outcome === 'delivered') break;
    }
    const meta = { issuerOutcome: outcome, attempts, latencyUs: elapsedUs(started), answeredAtMs: clock.nowMs() };
    // An advice sent again (by the sweep) replaces the record of the attempts the issuer did not take.
    const sentBefore = (await loadNetworkRows(this.#deps.db, [advice.id])).has(advice.id);
    await writer.write({ mode: sentBefore ? 'retry' : 'insert', row: adviceRow(advice.id, original, sentAtMs, meta) });
    if (outcome !== 'delivered') return false;
    await this.#deps.owedAdvices?.forget(advice.id);
    return true;
  }
}

/** The reversal the network sends for the stand-in `originalId`; derived, so every sender of it sends the same message. */
export function standInReversalId(originalId: string): string {
  return derivedId(originalId, 'stand-in-reversal');
}

/** `<original>.<suffix>`, with an original too long to fit a message id (255) replaced by its hash. */
function derivedId(originalId: string, suffix: string): string {
  const base = originalId.length + suffix.length + 1 <= 255 ? originalId : `sha256-${createHash('sha256').update(originalId).digest('hex')}`;
  return `${base}.${suffix}`;
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
