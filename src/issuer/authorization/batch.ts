import type { AuthorizationRequest, AuthorizationResponse, AvsResult } from '../../network/messages.ts';
import type { Tx } from '../../platform/db/database.ts';
import type { TransferInput } from '../../ledger/index.ts';
import { panFingerprint } from '../card-secrets.ts';
import { CardBook, merchantKey, type CardEntry } from './card-book.ts';
import { decideAuthorization, storedCredentialOf, type AuthenticationFacts, type Decision } from './decide.ts';
import { carriedAuthenticationRow, checkCarriedAuthentication, consumeAuthentication, paymentHistory } from '../authentication/authorization-check.ts';
import { authenticationTrigger, needsHistory, NO_THREE_D_SECURE } from '../authentication/policy.ts';
import { afterDecline, cardSubject, DEFAULT_DECLINE_LIMITS, isBlocked, loadLimitStates, merchantSubject, probesOf, type LimitState, type ProbeCount } from './decline-limiter.ts';
import type { EngineDeps } from './engine-deps.ts';
import type { NotificationEvent } from '../notifications/notifier.ts';
import { holdInput } from './holds.ts';
import { billed, fxTermsFor, insertFxRecords, USD_ONLY, type FxRecord, type FxTerms } from './foreign-exchange.ts';
import { AUTHORIZATION_REASONS, type AuthorizationReason } from './reasons.ts';
import { insertAuthorizations, ISSUER_NAME, responseOfRow, rowByRequestId, rowsByRequestIds, type AuthorizationRow } from './records.ts';
import { addSpend, saveSpend, spentNow, tracksSpend } from './spend.ts';
import { checkAuthorizationRequest, clip, FIELD_BOUNDS, isMessageId } from './validate.ts';

/**
 * One group-committed batch: everything decided in one shared transaction.
 * Authorization decisions are made one after another in memory (each sees
 * the holds, spend and merchant accounts of the ones before it) and written
 * together at `flush`: one ledger call for all the holds, a few multi-row
 * inserts for the records. A follow-up in the batch flushes first, so it
 * finds every earlier decision in the tables and the ledger.
 *
 * The ledger has the last word on money: a hold it refuses (its floor,
 * which counts pending debits, says the card cannot afford it — only
 * possible if something outside the batch took funds meanwhile) turns that
 * approval into a `51 insufficient_funds` decline before anything is written.
 */

interface Draft {
  readonly row: AuthorizationRow;
  readonly entry: CardEntry | undefined;
  readonly hold: TransferInput | null;
  readonly spendAddedUsdMinor: number;
  readonly merchantRef: { readonly acquirerId: string; readonly merchantId: string; readonly ref: string } | null;
  /** A foreign-currency approval's terms and totals, written with the record. */
  readonly fx: FxRecord | null;
  /** The 3-D Secure authentication this decision accepted, consumed with it (single use). */
  readonly authenticationId: string | null;
}

const UNCHECKED_AVS: AvsResult = { line1: 'unchecked', postalCode: 'unchecked' };
const NO_REFS: ReadonlySet<string> = new Set();
const PAN_PATTERN = /^\d{13,19}$/;

export class BatchContext {
  readonly book: CardBook;
  #existing = new Map<string, AuthorizationRow>();
  #decided = new Map<string, Draft>();
  #drafts: Draft[] = [];
  /** PAN → fingerprint for this batch only (the batch holds the requests anyway; nothing outlives it). */
  readonly #fingerprints = new Map<string, string>();
  /** Request ids whose records were looked up (found or not), so a stored credential is read at most once. */
  readonly #lookedUp = new Set<string>();
  /** Card-testing counters as read at the start of the batch plus this batch's declines. */
  readonly #limits = new Map<string, LimitState | undefined>();
  /** Declines of this batch to count once it commits (decline-limiter.ts), by request id. */
  readonly probes = new Map<string, ProbeCount[]>();
  /** Authentications accepted by earlier decisions of this batch: a second authorization carrying one is refused. */
  readonly #authenticationsUsed = new Set<string>();

  constructor(
    readonly tx: Tx,
    readonly deps: EngineDeps,
    readonly nowMs: number,
  ) {
    this.book = new CardBook(tx, deps.ledger);
  }

  /** Reads, for the whole batch at once, the repeats among these requests, their cards and the cards' merchant accounts. */
  async prefetch(requests: readonly AuthorizationRequest[]): Promise<void> {
    const ids: string[] = [];
    const subjects: string[] = [];
    for (const request of requests) {
      if (isMessageId(request?.id)) ids.push(request.id);
      // The stored credentials named, read with the repeats: one query for both.
      if (isMessageId(request?.storedCredentialOriginalId)) ids.push(request.storedCredentialOriginalId);
      const subject = merchantSubjectOf(request);
      if (subject !== null) subjects.push(subject);
      const fingerprint = this.#fingerprint(request);
      if (fingerprint !== null) subjects.push(cardSubject(fingerprint));
    }
    if (ids.length > 0) {
      const unique = [...new Set(ids)];
      this.#existing = await rowsByRequestIds(this.tx, unique);
      for (const id of unique) this.#lookedUp.add(id);
    }
    await this.#loadLimits(subjects);
    if (this.#fingerprints.size === 0) return;
    await this.book.prefetch(this.#fingerprints.values());
    const withRefs: Array<{ entry: CardEntry; acquirerId: string; merchantId: string }> = [];
    for (const request of requests) {
      if (typeof request?.merchantCustomerRef !== 'string' || typeof request.merchant?.acquirerId !== 'string' || typeof request.merchant.merchantId !== 'string') continue;
      const fingerprint = this.#fingerprint(request);
      const entry = fingerprint === null ? undefined : await this.book.byFingerprint(fingerprint);
      if (entry) withRefs.push({ entry, acquirerId: request.merchant.acquirerId, merchantId: request.merchant.merchantId });
    }
    await this.book.prefetchMerchantRefs(withRefs);
  }

  /** The PAN's fingerprint, computed once per batch (an HMAC is a good part of a decision's cost). */
  #fingerprint(request: AuthorizationRequest): string | null {
    const pan = request?.card?.pan;
    if (typeof pan !== 'string' || !PAN_PATTERN.test(pan)) return null;
    let fingerprint = this.#fingerprints.get(pan);
    if (fingerprint === undefined) {
      fingerprint = panFingerprint(this.deps.keyring, pan);
      this.#fingerprints.set(pan, fingerprint);
    }
    return fingerprint;
  }

  async #loadLimits(subjects: readonly string[]): Promise<void> {
    const missing = subjects.filter((s) => !this.#limits.has(s));
    if (missing.length === 0) return;
    const found = await loadLimitStates(this.tx, missing);
    for (const subject of missing) this.#limits.set(subject, found.get(subject));
  }

  async #blocked(subject: string | null): Promise<boolean> {
    if (subject === null) return false;
    await this.#loadLimits([subject]);
    return isBlocked(this.#limits.get(subject), this.nowMs);
  }

  /** The record a stored credential names: decided earlier in this batch, prefetched, or read now. */
  async #storedCredentialOrigin(request: AuthorizationRequest): Promise<AuthorizationRow | undefined> {
    const originalId = request.storedCredentialOriginalId;
    if (typeof originalId !== 'string') return undefined;
    const known = this.knownRow(originalId);
    if (known !== undefined || this.#lookedUp.has(originalId)) return known;
    this.#lookedUp.add(originalId);
    const row = await rowByRequestId(this.tx, originalId);
    if (row !== undefined) this.#existing.set(originalId, row);
    return row;
  }

  /** Counts a decline that answered a guess about card data, in memory for the rest of the batch and for after the commit. */
  #countProbe(request: AuthorizationRequest, decision: Decision, fingerprint: string | null): void {
    const merchant = merchantSubjectOf(request);
    if (merchant === null || decision.reason === 'approved') return;
    const counts = probesOf(decision.reason, { merchant, card: fingerprint === null ? null : cardSubject(fingerprint) }, this.deps.declineLimits ?? DEFAULT_DECLINE_LIMITS);
    if (counts.length === 0) return;
    for (const { subject, rule } of counts) this.#limits.set(subject, afterDecline(this.#limits.get(subject), rule, this.nowMs));
    this.probes.set(request.id, counts);
  }

  /** A decision made (or found) in this batch for this request id, if any. */
  knownRow(requestId: string): AuthorizationRow | undefined {
    return this.#decided.get(requestId)?.row ?? this.#existing.get(requestId);
  }

  /** Rows written outside `authorize` (advice) that later requests of the batch must see. */
  remember(row: AuthorizationRow): void {
    this.#existing.set(row.request_id, row);
  }

  /**
   * Decides one request; the answer is read after the batch's last flush
   * (a hold the ledger refuses can still turn an approval into a decline).
   */
  async authorize(request: AuthorizationRequest, enqueuedAtMs: number): Promise<() => AuthorizationResponse> {
    if (!isMessageId(request?.id)) {
      const refused = unrecordedDecline(request, 'invalid_request');
      return () => refused;
    }
    const known = this.knownRow(request.id);
    if (known) return () => responseOfRow(known);

    const { deps, nowMs } = this;
    const shape = checkAuthorizationRequest(request);
    const fingerprint = this.#fingerprint(request);
    const pan = fingerprint === null ? null : request.card.pan;
    const entry = fingerprint === null ? undefined : await this.book.byFingerprint(fingerprint);
    let decision: Decision;
    let refs: Set<string> | undefined;
    const merchantBlocked = shape === 'ok' && (await this.#blocked(merchantSubjectOf(request)));
    const terms = shape === 'ok' ? fxTermsFor(request.amount.currency, deps.fx ?? USD_ONLY) : null;
    const amountUsdMinor = shape !== 'ok' ? null : request.amount.currency === 'USD' ? request.amount.minor : billedOrNull(request.amount.minor, terms);
    if (shape !== 'ok') {
      decision = { reason: shape, avs: UNCHECKED_AVS, cvv2: 'unchecked', checks: { request: 'fail' }, newMerchantRef: false };
    } else if (entry === undefined) {
      decision = decideAuthorization(request, undefined, nowMs, deps.keyring, merchantBlocked);
    } else {
      const spent = spentNow(entry.spend, nowMs);
      if (request.merchantCustomerRef !== null) refs = await this.book.merchantRefs(entry, request.merchant.acquirerId, request.merchant.merchantId);
      decision = decideAuthorization(
        request,
        {
          card: entry.card,
          kycStatus: entry.kycStatus,
          availableUsdMinor: await this.book.available(entry),
          spentTodayUsdMinor: spent.day,
          spentThisMonthUsdMinor: spent.month,
          merchantRefs: refs ?? NO_REFS,
          storedCredential: storedCredentialOf(request, entry.card.id, await this.#storedCredentialOrigin(request)),
          cardProtected: await this.#blocked(fingerprint === null ? null : cardSubject(fingerprint)),
          amountUsdMinor,
          authentication: await this.#authenticationFacts(request, entry, amountUsdMinor),
        },
        nowMs,
        deps.keyring,
        merchantBlocked,
      );
    }
    if (shape === 'ok') this.#countProbe(request, decision, fingerprint);
    // The figures a foreign amount was decided on, for the record and the doctor.
    if (terms !== null) decision = { ...decision, checks: { ...decision.checks, fx_rate: terms.rate, fx_fee_bps: terms.feeBps, billed_usd_minor: amountUsdMinor ?? 0 } };

    const id = deps.ids.next('iauth');
    const approved = decision.reason === 'approved';
    // Held and counted in USD: a foreign amount as billed, fee included.
    const amount = approved ? (amountUsdMinor ?? 0) : 0;
    let hold: TransferInput | null = null;
    let spendAdded = 0;
    let merchantRef: Draft['merchantRef'] = null;
    if (approved && entry !== undefined) {
      if (amount > 0) {
        hold = holdInput(id, 1, entry.card.id, request.purpose, amount, deps.holdTtlMs);
        entry.available = (entry.available ?? 0) - amount;
      }
      if (request.purpose === 'purchase' && tracksSpend(entry.card.controls.limits)) {
        entry.spend = addSpend(entry.spend, amount, nowMs);
        entry.spendDirty = true;
        spendAdded = amount;
      }
      if (decision.newMerchantRef && refs !== undefined && request.merchantCustomerRef !== null) {
        refs.add(request.merchantCustomerRef);
        merchantRef = { acquirerId: request.merchant.acquirerId, merchantId: request.merchant.merchantId, ref: request.merchantCustomerRef };
      }
    }
    const row = recordRow({
      id,
      request,
      entry,
      pan,
      decision,
      amount,
      holds: hold !== null,
      nowMs,
      latencyUs: Math.max(0, Math.round((performance.now() - enqueuedAtMs) * 1000)),
    });
    const fx: FxRecord | null =
      approved && terms !== null ? { authorizationId: id, ...terms, approvedMinor: request.amount.minor, consumedMinor: 0, clearedMinor: 0, refundedMinor: 0 } : null;
    // A valid authentication is used up by the decision that checked it, whatever the decision (a retry is a new payment).
    const authenticationId = decision.checks.authentication === 'pass' ? request.authentication!.transactionId : null;
    if (authenticationId !== null) this.#authenticationsUsed.add(authenticationId);
    const draft: Draft = { row, entry, hold, spendAddedUsdMinor: spendAdded, merchantRef, fx, authenticationId };
    this.#drafts.push(draft);
    this.#decided.set(request.id, draft);
    return () => responseOfRow(draft.row);
  }

  /**
   * 3-D Secure facts of one request (authentication/): whether the
   * authentication it carries is valid for exactly this payment and unused,
   * and, when it carries none, why the program's policy asks for one. The
   * card's history is read only for a risk-based decision that needs it.
   */
  async #authenticationFacts(request: AuthorizationRequest, entry: CardEntry, amountUsdMinor: number | null): Promise<AuthenticationFacts> {
    const policy = this.deps.threeDSecure ?? NO_THREE_D_SECURE;
    const data = request.authentication;
    const row = data === undefined || data === null ? undefined : await carriedAuthenticationRow(this.tx, request);
    const carried = checkCarriedAuthentication(this.deps.keyring, request, entry.card.id, row, row !== undefined && this.#authenticationsUsed.has(row.id));
    if (carried !== 'absent') return { carried, trigger: null, exemptMerchantInitiated: false };
    const payment = { purpose: request.purpose, initiator: request.initiator, amountUsdMinor };
    const history = needsHistory(policy, payment) ? await paymentHistory(this.tx, entry.card.id, request.merchant) : null;
    return { carried, trigger: authenticationTrigger(policy, payment, history), exemptMerchantInitiated: policy.mode !== 'off' && request.initiator === 'merchant' };
  }

  /** Writes every decision made since the last flush: holds, records, merchant accounts, spend. */
  async flush(): Promise<void> {
    if (this.#drafts.length === 0) return;
    const drafts = this.#drafts;
    this.#drafts = [];
    // Authentications first: one another batch (another process) consumed meanwhile turns its approval into a decline before anything is held.
    for (const draft of drafts) {
      if (draft.authenticationId === null) continue;
      const consumed = await consumeAuthentication(this.tx, draft.authenticationId, draft.row.request_id, this.nowMs);
      if (!consumed && draft.row.approved === 1) this.#revokeApproval(draft, 'authentication_invalid', { authentication: 'fail', authentication_used: 'elsewhere' });
    }
    const withHold = drafts.filter((d) => d.hold !== null && d.row.approved === 1);
    if (withHold.length > 0) {
      const outcomes = await this.deps.ledger.createTransfers(
        this.tx,
        withHold.map((d) => d.hold!),
      );
      withHold.forEach((draft, i) => {
        const outcome = outcomes[i]!;
        if (outcome.result === 'ok') draft.row.expires_at_ms = outcome.transfer!.expires_at_ms;
        else if (outcome.result === 'exceeds_credits') this.#revokeApproval(draft, 'insufficient_funds', { balance: 'fail', ledger: 'exceeds_credits' });
        else throw new Error(`authorization ${draft.row.id}: hold refused by the ledger: ${outcome.result}`);
      });
    }
    await insertAuthorizations(
      this.tx,
      drafts.map((d) => d.row),
    );
    await insertFxRecords(
      this.tx,
      drafts.filter((d) => d.fx !== null && d.row.approved === 1).map((d) => d.fx!),
      this.nowMs,
    );
    await notifyDecisions(this.tx, this.deps, drafts.map((d) => d.row));
    for (const draft of drafts) {
      if (draft.merchantRef === null || draft.row.approved !== 1) continue;
      await this.tx.run(
        'INSERT INTO issuer_card_merchant_accounts (card_id, acquirer_id, merchant_id, customer_ref, authorization_id, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)',
        [draft.row.card_id, draft.merchantRef.acquirerId, draft.merchantRef.merchantId, draft.merchantRef.ref, draft.row.id, this.nowMs],
      );
    }
    await this.saveSpend();
  }

  async saveSpend(): Promise<void> {
    for (const entry of this.book.entries()) {
      if (!entry.spendDirty) continue;
      await saveSpend(this.tx, entry.card.id, entry.spend, this.nowMs);
      entry.spendDirty = false;
    }
  }

  /**
   * An approval that cannot stand after all — the ledger refused its hold,
   * or its authentication was consumed by another process — becomes a
   * decline, and what it took in memory is given back.
   */
  #revokeApproval(draft: Draft, reason: AuthorizationReason, failed: Record<string, string>): void {
    const row = draft.row;
    const checks = { ...(JSON.parse(row.checks) as Record<string, unknown>), ...failed };
    Object.assign(row, declinedMoney(this.nowMs), {
      approved: 0,
      response_code: AUTHORIZATION_REASONS[reason],
      reason,
      approval_code: null,
      checks: JSON.stringify(checks),
    });
    const entry = draft.entry!;
    entry.available = undefined;
    if (draft.spendAddedUsdMinor > 0) {
      entry.spend = { ...entry.spend, dayUsdMinor: entry.spend.dayUsdMinor - draft.spendAddedUsdMinor, monthUsdMinor: entry.spend.monthUsdMinor - draft.spendAddedUsdMinor };
      entry.spendDirty = true;
    }
    if (draft.merchantRef !== null) {
      entry.merchantRefs.get(merchantKey(draft.merchantRef.acquirerId, draft.merchantRef.merchantId))?.delete(draft.merchantRef.ref);
    }
  }
}

/** The cardholder hears of each decision on their card: a decline always, an approval when it holds money. */
export async function notifyDecisions(tx: Tx, deps: EngineDeps, rows: readonly AuthorizationRow[]): Promise<void> {
  if (deps.notifier === undefined) return;
  const events: NotificationEvent[] = [];
  for (const row of rows) {
    if (row.cardholder_id === null) continue;
    const approved = Number(row.approved) === 1;
    if (approved && Number(row.amount_minor) === 0) continue;
    // A 1A is a question, not a refusal: the cardholder hears of it as the challenge's code by SMS, not as a decline.
    if (row.reason === 'authentication_required') continue;
    events.push({
      kind: approved ? 'authorization' : 'decline',
      cardholderId: row.cardholder_id,
      subjectId: row.id,
      eventKey: row.id,
      cardId: row.card_id,
      merchantName: row.merchant_name,
      amountMinor: Number(row.amount_minor),
      currency: row.currency,
      reason: approved ? null : row.reason,
      createdAtMs: Number(row.created_at_ms),
    });
  }
  if (events.length > 0) await deps.notifier.record(tx, events);
}

/** USD cents for a foreign amount, or null without terms (or for an amount too large to convert). */
function billedOrNull(minor: number, terms: FxTerms | null): number | null {
  if (terms === null) return null;
  try {
    return billed(minor, terms).usdMinor;
  } catch {
    return null;
  }
}

function merchantSubjectOf(request: AuthorizationRequest): string | null {
  const merchant = request?.merchant;
  if (typeof merchant?.acquirerId !== 'string' || typeof merchant.merchantId !== 'string') return null;
  return merchantSubject(merchant.acquirerId, merchant.merchantId);
}

function declinedMoney(nowMs: number): Partial<AuthorizationRow> {
  return {
    status: 'declined',
    approved_usd_minor: 0,
    held_usd_minor: 0,
    cleared_usd_minor: 0,
    refunded_usd_minor: 0,
    released_usd_minor: 0,
    hold_transfer_id: null,
    ledger_seq: 0,
    expires_at_ms: null,
    closed_at_ms: nowMs,
  };
}

/** The approval code: the last six characters of the record's id (random and unique per id). */
export function approvalCodeOf(id: string): string {
  return id.slice(-6);
}

/**
 * The columns of a record that say what was asked, clipped to their bounds:
 * the request may be malformed (it is recorded anyway, as a decline), so
 * every field is read defensively.
 */
export function requestColumns(request: AuthorizationRequest, entry: CardEntry | undefined, pan: string | null) {
  const merchant = (request.merchant ?? {}) as unknown as Record<string, unknown>;
  const money = (request.amount ?? {}) as unknown as Record<string, unknown>;
  return {
    request_id: request.id,
    card_id: entry?.card.id ?? null,
    cardholder_id: entry?.card.cardholderId ?? null,
    pan_bin: pan === null ? null : pan.slice(0, 6),
    pan_last4: pan === null ? null : pan.slice(-4),
    purpose: clip(request.purpose, 32),
    acquirer_id: clip(merchant.acquirerId, FIELD_BOUNDS.acquirerId),
    merchant_id: clip(merchant.merchantId, FIELD_BOUNDS.merchantId),
    merchant_name: clip(merchant.name, FIELD_BOUNDS.name),
    mcc: clip(merchant.mcc, 4),
    merchant_country: clip(merchant.country, 2),
    merchant_customer_ref: typeof request.merchantCustomerRef === 'string' ? clip(request.merchantCustomerRef, FIELD_BOUNDS.customerRef) : null,
    entry_mode: clip(request.entryMode, 32),
    initiator: clip(request.initiator, 16),
    amount_minor: Number.isSafeInteger(money.minor) ? (money.minor as number) : 0,
    currency: clip(money.currency, 3),
    sent_at_ms: Number.isSafeInteger(request.sentAtMs) ? request.sentAtMs : 0,
  } satisfies Partial<AuthorizationRow>;
}

/** The money columns of a record that holds nothing (a decline; an approval sets its own). */
export const NOTHING_HELD = {
  approved_usd_minor: 0,
  held_usd_minor: 0,
  cleared_usd_minor: 0,
  refunded_usd_minor: 0,
  released_usd_minor: 0,
  hold_transfer_id: null,
  ledger_seq: 0,
  expires_at_ms: null,
} as const satisfies Partial<AuthorizationRow>;

function recordRow(input: {
  id: string;
  request: AuthorizationRequest;
  entry: CardEntry | undefined;
  pan: string | null;
  decision: Decision;
  amount: number;
  holds: boolean;
  nowMs: number;
  latencyUs: number;
}): AuthorizationRow {
  const { id, request, entry, pan, decision, amount, holds, nowMs } = input;
  const approved = decision.reason === 'approved';
  const row: AuthorizationRow = {
    id,
    ...requestColumns(request, entry, pan),
    approved: approved ? 1 : 0,
    response_code: AUTHORIZATION_REASONS[decision.reason],
    reason: decision.reason,
    approval_code: approved ? approvalCodeOf(id) : null,
    avs_line1: decision.avs.line1,
    avs_postal_code: decision.avs.postalCode,
    cvv2: decision.cvv2,
    checks: JSON.stringify(decision.checks),
    latency_us: input.latencyUs,
    decided_by: 'issuer',
    status: 'declined',
    ...NOTHING_HELD,
    created_at_ms: nowMs,
    updated_at_ms: nowMs,
    closed_at_ms: nowMs,
  };
  if (approved) {
    Object.assign(row, {
      // A verification for nothing holds nothing: it is complete at once.
      status: holds ? 'pending' : 'closed',
      approved_usd_minor: amount,
      held_usd_minor: amount,
      hold_transfer_id: holds ? `${id}:1` : null,
      ledger_seq: holds ? 1 : 0,
      closed_at_ms: holds ? null : nowMs,
    });
  }
  return row;
}

/** For a message that cannot be recorded (no usable id): a decline that is not kept. */
export function unrecordedDecline(request: AuthorizationRequest, reason: AuthorizationReason): AuthorizationResponse {
  const money = (request?.amount ?? {}) as unknown as Record<string, unknown>;
  return {
    type: 'authorization_response',
    id: typeof request?.id === 'string' ? request.id : '',
    responseCode: AUTHORIZATION_REASONS[reason],
    approved: false,
    approvalCode: null,
    approvedAmount: { minor: 0, currency: typeof money.currency === 'string' ? money.currency.slice(0, 3) : 'USD' },
    avs: UNCHECKED_AVS,
    cvv2: 'unchecked',
    reason,
    issuerAuthorizationId: null,
    decidedBy: 'issuer',
    issuer: ISSUER_NAME,
  };
}
