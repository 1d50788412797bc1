/**
 * Cardlane's own issuer behind the card network: it decides every
 * authorization for a Cardlane card and books its money in the ledger.
 *
 * Decision order (first failing check decides; every check is evaluated and
 * recorded, and AVS/CVV2 results are always returned — see decide.ts):
 *   repeat (same message id: the saved answer, nothing done again) →
 *   well-formed (12 invalid_request, 13 invalid_amount) →
 *   card known (14 card_not_found) → closed (14 card_closed) / frozen (62 card_frozen) →
 *   expiry (54 card_expired, expiry_mismatch) → CVV2 (N7 cvv2_mismatch, cvv2_required) →
 *   AVS (05 avs_line1_mismatch, avs_postal_code_mismatch, avs_mismatch) →
 *   KYC (62 kyc_not_approved) → currency (57 currency_not_supported) →
 *   MCC (57 mcc_blocked) → merchant country (62 country_blocked) →
 *   limits per transaction / UTC day / UTC month (61 limit_per_*_exceeded) →
 *   merchant customer accounts per merchant, default 4 (57 merchant_account_limit) →
 *   available balance, open holds counted (51 insufficient_funds).
 * No distinct-duplicate rule (ISO 94): only the message id makes a repeat.
 *
 * Money. An approved purchase places a hold: a pending ledger transfer card →
 * network settlement that expires after `holdTtlMs` (7 days by default).
 * The card account is floored at zero and the ledger's floor counts pending
 * debits, so no set of holds, however concurrent, can spend more than the
 * card has. An account verification passes the same checks except the
 * limits; with an amount above zero it holds that amount like a purchase
 * (the merchant reverses it), for nothing it holds nothing. Clearings post
 * the hold (partial and multiple; `final` releases the rest), reversals
 * (full or partial) and expiry release it, refunds credit the card from the
 * network settlement account (never more than cleared minus refunded), and
 * an incremental authorization re-checks and re-holds old + increase (void
 * and new hold in one linked ledger chain; see holds.ts).
 *
 * Speed: group commit (src/ledger/group-commit.ts, yielding before each batch). Concurrent calls queue; one transaction
 * takes the queue (up to MAX_MESSAGES_PER_COMMIT) and decides it in arrival order,
 * each decision seeing the earlier ones' holds, with a constant number of
 * statements for the batch's cards, holds and records (batch.ts). One fsync
 * then serves the whole batch, and the next batch is decided while it runs.
 * When the network hands over its recorder (AnswerRecorder: it shares this
 * database), its record of each answer is written in the batch too, so an
 * authorization waits for one fsync, not the issuer's and then the network's.
 * If the shared transaction fails, each message is re-run alone, so one bad
 * message cannot fail the others (re-running is safe: a message already
 * recorded is answered as a repeat). A failure of the database itself
 * rejects the promise: the network then stands in (91).
 *
 * Merchant accounts: any approval (purchase or verification) binds its
 * merchant customer ref to the card at that merchant, so the fifth account
 * is refused when it first tries to attach the card, not at its first charge.
 */
import type {
  AnswerRecorder,
  AuthenticationRequest,
  AuthenticationResponse,
  AuthorizationAdvice,
  AuthorizationRequest,
  AuthorizationResponse,
  ClearingRequest,
  FollowUpResponse,
  IncrementalAuthorizationRequest,
  IssuerEndpoint,
  RefundRequest,
  ReversalRequest,
} from '../../network/messages.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Keyring } from '../keyring.ts';
import { ensureIssuerAccounts } from '../money/ledger-accounts.ts';
import { handleAdvice } from './advice.ts';
import { BatchContext, unrecordedDecline } from './batch.ts';
import { GroupCommit } from '../../platform/db/group-commit.ts';
import { DEFAULT_HOLD_TTL_MS, MAX_HOLD_TTL_MS, type EngineDeps } from './engine-deps.ts';
import { handleFollowUp, type FollowUpKind } from './follow-ups.ts';
import { countDeclines, type DeclineLimits, type ProbeCount } from './decline-limiter.ts';
import { ISSUER_NAME } from './records.ts';
import type { Notifier } from '../notifications/notifier.ts';
import type { IssuerFx } from './foreign-exchange.ts';
import type { CardlaneAccessControlServer } from '../authentication/access-control-server.ts';
import type { ThreeDSecurePolicy } from '../authentication/policy.ts';

export interface CardlaneIssuerOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly keyring: Keyring;
  readonly ledger: Ledger;
  /** How long an authorization's hold lasts; default 7 days, at most 31. */
  readonly holdTtlMs?: number;
  /** Card-testing limits (decline-limiter.ts); the defaults when absent. */
  readonly declineLimits?: DeclineLimits;
  /** Records the cardholder's notifications (notifications/notifier.ts); none when absent. */
  readonly notifier?: Notifier;
  /** Rates and the cross-border fee for payments in other currencies; without them a USD card pays USD only (57). */
  readonly fx?: IssuerFx;
  /** When the program asks for 3-D Secure (authentication/policy.ts); never when absent. */
  readonly threeDSecure?: ThreeDSecurePolicy;
  /** The issuer's access control server, which runs the challenges (authentication/); without it the network hears `not_supported`. */
  readonly acs?: CardlaneAccessControlServer;
}

/** Messages decided in one transaction at most: bounds a batch's latency and its ledger call (≤ 1,000 transfers). */
export const MAX_MESSAGES_PER_COMMIT = 512;
/** Messages waiting at most; beyond, authorizations are answered 91 at once (the issuer sheds load instead of queueing without end). */
export const MAX_QUEUED_MESSAGES = 20_000;
const BATCHES_IN_FLIGHT = 2;

type Work =
  | { readonly kind: 'authorize'; readonly request: AuthorizationRequest; readonly enqueuedAtMs: number; readonly recorder: AnswerRecorder | null }
  | { readonly kind: 'follow_up'; readonly type: FollowUpKind; readonly request: IncrementalAuthorizationRequest | ReversalRequest | ClearingRequest | RefundRequest }
  | { readonly kind: 'advice'; readonly advice: AuthorizationAdvice };

type Answer = AuthorizationResponse | FollowUpResponse | undefined;

export class CardlaneIssuer implements IssuerEndpoint {
  readonly name = ISSUER_NAME;
  readonly #db: Database;
  readonly #deps: EngineDeps;
  readonly #group: GroupCommit<Work, Answer>;
  #queued = 0;
  /** Declines decided by committed batches, by request id, for `authorize` to count (decline-limiter.ts). */
  readonly #probes = new Map<string, ProbeCount[]>();
  #ready: Promise<void> | null = null;
  readonly #acs: CardlaneAccessControlServer | null;

  constructor(options: CardlaneIssuerOptions) {
    const holdTtlMs = options.holdTtlMs ?? DEFAULT_HOLD_TTL_MS;
    if (!Number.isSafeInteger(holdTtlMs) || holdTtlMs < 1 || holdTtlMs > MAX_HOLD_TTL_MS) {
      throw new RangeError(`holdTtlMs must be 1 ms to 31 days, got ${holdTtlMs}`);
    }
    this.#db = options.db;
    this.#deps = { ledger: options.ledger, clock: options.clock, ids: options.ids, keyring: options.keyring, holdTtlMs, ...(options.declineLimits ? { declineLimits: options.declineLimits } : {}), ...(options.notifier ? { notifier: options.notifier } : {}), ...(options.fx ? { fx: options.fx } : {}), ...(options.threeDSecure ? { threeDSecure: options.threeDSecure } : {}) };
    this.#acs = options.acs ?? null;
    this.#group = new GroupCommit<Work, Answer>(options.db, (tx, works) => this.#apply(tx, works), {
      // Two batches in flight on either database. SQLite runs their work one after the other (one
      // writer) but makes them durable off the main thread, so the next batch is decided while the
      // previous one's fsync is under way; PostgreSQL overlaps them for real (cards are locked in id order).
      maxInFlight: BATCHES_IN_FLIGHT,
      maxEventsPerCommit: MAX_MESSAGES_PER_COMMIT,
      sizeOf: () => 1,
      // A busy queue must not starve the event loop (the network's time-outs run on it).
      yieldBeforeBatch: true,
    });
  }

  /** With a recorder for this database, the network's record of the answer is written in the decision's transaction. */
  async authorize(request: AuthorizationRequest, recorder?: AnswerRecorder): Promise<AuthorizationResponse> {
    const enqueuedAtMs = performance.now();
    if (this.#queued >= MAX_QUEUED_MESSAGES) return unrecordedDecline(request, 'issuer_overloaded');
    const ownRecorder = recorder?.db === this.#db ? recorder : null;
    const key = typeof request?.id === 'string' ? request.id : '';
    try {
      const response = (await this.#submit({ kind: 'authorize', request, enqueuedAtMs, recorder: ownRecorder })) as AuthorizationResponse;
      const probes = this.#probes.get(key);
      // Counted after the commit (never inside the batch: see decline-limiter.ts); only a decision made now, never a repeat.
      if (probes !== undefined) {
        this.#probes.delete(key);
        // Best effort: the decision is committed and answered either way; a counter the database could not
        // write now must not turn that answer into the network's stand-in.
        await countDeclines(this.#db, probes, this.#deps.clock.nowMs()).catch(() => undefined);
      }
      return response;
    } finally {
      this.#probes.delete(key);
    }
  }

  async incrementAuthorization(request: IncrementalAuthorizationRequest): Promise<AuthorizationResponse> {
    return (await this.#submit({ kind: 'follow_up', type: 'incremental_authorization', request })) as AuthorizationResponse;
  }

  async reverse(request: ReversalRequest): Promise<FollowUpResponse> {
    return (await this.#submit({ kind: 'follow_up', type: 'reversal', request })) as FollowUpResponse;
  }

  async clear(request: ClearingRequest): Promise<FollowUpResponse> {
    return (await this.#submit({ kind: 'follow_up', type: 'clearing', request })) as FollowUpResponse;
  }

  async refund(request: RefundRequest): Promise<FollowUpResponse> {
    return (await this.#submit({ kind: 'follow_up', type: 'refund', request })) as FollowUpResponse;
  }

  async advise(advice: AuthorizationAdvice): Promise<void> {
    await this.#submit({ kind: 'advice', advice });
  }

  /** 3-D Secure: the network routes a Cardlane card's authentication here (the issuer's access control server). */
  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    if (this.#acs === null) return notSupported(request.id);
    return this.#acs.authenticate(request);
  }

  async authenticationResult(id: string): Promise<AuthenticationResponse> {
    if (this.#acs === null) return notSupported(id);
    return this.#acs.result(id);
  }

  async #submit(work: Work): Promise<Answer> {
    // The settlement account every hold credits: created once per process (safe if it exists).
    this.#ready ??= ensureIssuerAccounts(this.#deps.ledger, this.#db).catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    await this.#ready;
    this.#queued += 1;
    try {
      return await this.#group.submit(work);
    } finally {
      this.#queued -= 1;
    }
  }

  async #apply(tx: Tx, works: readonly Work[]): Promise<Answer[]> {
    const ctx = new BatchContext(tx, this.#deps, this.#deps.clock.nowMs());
    for (const work of works) if (work.kind === 'authorize' && typeof work.request?.id === 'string') this.#probes.delete(work.request.id);
    await ctx.prefetch(works.flatMap((w) => (w.kind === 'authorize' ? [w.request] : [])));
    const answers: Array<() => Answer> = [];
    for (const work of works) {
      if (work.kind === 'authorize') {
        answers.push(await ctx.authorize(work.request, work.enqueuedAtMs));
      } else if (work.kind === 'follow_up') {
        const answer = await handleFollowUp(ctx, work.type, work.request);
        answers.push(() => answer);
      } else {
        await handleAdvice(ctx, work.advice);
        answers.push(() => undefined);
      }
    }
    await ctx.flush();
    // A batch that fails is re-run message by message; each run replaces what the failed one left here.
    for (const [id, probes] of ctx.probes) this.#probes.set(id, probes);
    const results = answers.map((answer) => answer());
    for (const [i, work] of works.entries()) {
      if (work.kind === 'authorize' && work.recorder !== null) await work.recorder.record(tx, results[i] as AuthorizationResponse);
    }
    return results;
  }
}

function notSupported(id: string): AuthenticationResponse {
  return { type: 'authentication_response', id, status: 'not_supported', challengeUrl: null, expiresAtMs: null, authentication: null, reason: 'not_supported', issuer: ISSUER_NAME };
}
