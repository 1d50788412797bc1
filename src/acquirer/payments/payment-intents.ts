import type { AuthenticationData, AuthenticationResponse, FollowUpResponse } from '../../network/messages.ts';
import type { Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import { requireCustomer } from '../customers/customers.ts';
import { enabledWebhookEndpoints, recordEvent, recordEvents, type EnabledEndpoint } from '../events/events.ts';
import { getMerchant, type Merchant } from '../merchants/merchants.ts';
import { bookCapture } from './acquirer-ledger.ts';
import { declineError, openAttempt, reverseAuthorization, sendAttempt, settleAttempt, type AttemptSpec } from './card-attempt.ts';
import { chargeObject, type KnownChargeFacts } from './charge-object.ts';
import { findCharge, saveCharge, UNCAPTURED_AUTHORIZATION_VALIDITY_MS, type Charge } from './charge-store.ts';
import { stripeDeclineFor, type StripeDecline } from './decline-mapping.ts';
import { requirePaymentMethod, savePaymentMethodChecks, type PaymentMethod } from './payment-method-store.ts';
import { saveCardToCustomer } from './save-card-to-customer.ts';
import { newClientSecret } from '../stripe/object-ids.ts';
import { NO_RECOVERY, outcomePending, type Recovery } from '../stripe/recovery.ts';
import { basePaymentIntentObject, insertPaymentIntent, requirePaymentIntent, savePaymentIntent, type NetworkStep, type PaymentIntent } from './payment-intent-store.ts';
import { clearingOutcome, endStep, isRetryLater, startStep } from './network-step.ts';
import { authenticationFailure, authenticationResult, requestAuthentication } from './payment-authentication.ts';
import { PAYMENT_INTENT_COLUMNS, paymentIntentFromRow } from './payment-intent-store.ts';
import type { AttemptResult } from './card-attempt.ts';
import type { AutomaticPaymentMethods } from './automatic-payment-methods.ts';
import type { RiskRule } from '../risk/rule-types.ts';

/**
 * The confirm path's transactions may run fused with other requests' on
 * PostgreSQL (issue 15, platform/db/fused-transactions.ts): each locks its
 * intent FOR UPDATE, inserts its own new rows, and changes its idempotency
 * key by compare-and-set.
 */
const FUSABLE = { fuse: true } as const;

/**
 * Payment intents: create, confirm (authorize, and capture at once unless
 * `capture_method=manual`), capture (all or `amount_to_capture`; the rest is
 * released), cancel (releases the hold), as Stripe's state machine:
 *
 *   requires_payment_method ─confirm→ processing ─approved→ requires_capture ─capture→ succeeded
 *                 ↑                        │      (manual)                          ↗
 *                 └──────declined/blocked──┘ ─approved, automatic──────────────────
 *   any state before succeeded ─cancel→ canceled
 *
 * A capture or an incremental authorization passes through `processing`
 * too, with its `step` recorded before the network is asked (network-step.ts):
 * requires_capture ─capture→ processing ─cleared→ succeeded | ─refused→
 * requires_capture (nothing moved) or canceled (no authorization left).
 *
 * `processing` is only seen while the network is being asked, or after a
 * crash in between; confirming such an intent again resumes with the same
 * network message id, so the issuer answers it as a repeat.
 *
 * Exactly-once across crashes: each request records a recovery point (the
 * intent it created, the charge of its attempt, the message id of its step)
 * in the transaction of its first durable write, and the `resume…` methods
 * answer a retry of a cut-short request from that point (stripe/recovery.ts).
 */

/** How long after its authorization an uncaptured payment can still be captured (charge-store.ts). */
export { UNCAPTURED_AUTHORIZATION_VALIDITY_MS };

export interface CreateIntentInput {
  readonly amountMinor: number;
  readonly currency: string;
  readonly customerId: string | null;
  readonly paymentMethodId: string | null;
  readonly captureMethod: 'automatic' | 'manual';
  readonly setupFutureUsage: 'off_session' | 'on_session' | null;
  readonly description: string | null;
  readonly metadata: Record<string, string>;
  readonly confirm: boolean;
  readonly offSession: boolean;
  /** Stripe's `return_url`: where a 3-D Secure redirect sends the customer back. */
  readonly returnUrl?: string | null;
  /** Stripe's `automatic_payment_methods`, as the create sent it (null or absent: none). */
  readonly automaticPaymentMethods?: AutomaticPaymentMethods | null;
  /** The scheme and host the merchant reached the API at, for the absolute challenge URL. */
  readonly origin?: string;
}

export interface ConfirmInput {
  readonly paymentMethodId: string | null;
  readonly offSession: boolean;
  readonly setupFutureUsage?: 'off_session' | 'on_session' | null;
  readonly returnUrl?: string | null;
  readonly origin?: string;
  /** Internal: continuing after a passed 3-D Secure challenge (only from `requires_action` waiting for this authentication). */
  readonly authentication?: AuthenticationData;
}

export class PaymentIntents {
  constructor(
    private readonly deps: AcquirerDeps,
    private readonly cvcCache: CvcCache,
  ) {}

  async create(merchant: Merchant, input: CreateIntentInput, nowMs: number, recovery: Recovery = NO_RECOVERY): Promise<PaymentIntent> {
    const confirmInput: ConfirmInput = { paymentMethodId: null, offSession: input.offSession, ...(input.origin ? { origin: input.origin } : {}) };
    if (!input.confirm || input.paymentMethodId === null) {
      const pi = await this.deps.db.transaction(async (tx) => {
        const created = await this.insert(tx, merchant.id, input, nowMs);
        await recovery.record(tx, created.id);
        return created;
      });
      return input.confirm ? this.confirm(merchant, pi.id, confirmInput, nowMs, recovery) : pi;
    }
    // Created and confirmed: the intent and its attempt in one transaction (one recovery point, the charge's: a retry
    // resumes the attempt). A refusal to confirm (a payment method of another customer…) undoes the create with it.
    // The intent's row is written once, as the confirm leaves it (its `payment_intent.created` event still shows it
    // as created): an insert and an update of the same row would cost a statement more on every such payment.
    // The merchant's webhook endpoints are read once for the request's events, here and at its outcome (recordEvents).
    const opened = await this.deps.db.transaction(async (tx) => {
      const endpoints = await enabledWebhookEndpoints(tx, merchant.id);
      const created = await this.#announce(tx, merchant.id, input, nowMs, endpoints);
      return this.#openConfirm(tx, merchant, created.pi, confirmInput, nowMs, recovery, { pm: created.pm, endpoints });
    }, FUSABLE);
    return this.#finishConfirm(merchant, opened.pi.id, confirmInput, opened, nowMs, recovery);
  }

  /** A new intent (not confirmed) and its `payment_intent.created`, in the caller's transaction: an invoice makes its payment with the invoice. */
  async insert(tx: Tx, merchantId: string, input: Omit<CreateIntentInput, 'confirm' | 'offSession'>, nowMs: number): Promise<PaymentIntent> {
    return (await this.#insert(tx, merchantId, input, nowMs)).pi;
  }

  /** `insert`, also giving the payment method it checked. */
  async #insert(tx: Tx, merchantId: string, input: Omit<CreateIntentInput, 'confirm' | 'offSession'>, nowMs: number): Promise<{ pi: PaymentIntent; pm: PaymentMethod | null }> {
    const created = await this.#announce(tx, merchantId, input, nowMs, undefined);
    await insertPaymentIntent(tx, created.pi);
    return created;
  }

  /**
   * A new intent, checked (its customer and payment method) and announced
   * (`payment_intent.created`), but not yet written: the caller writes it.
   * Also gives the payment method it checked (a confirm in the same
   * transaction needs it).
   */
  async #announce(
    tx: Tx,
    merchantId: string,
    input: Omit<CreateIntentInput, 'confirm' | 'offSession'>,
    nowMs: number,
    endpoints: readonly EnabledEndpoint[] | undefined,
  ): Promise<{ pi: PaymentIntent; pm: PaymentMethod | null }> {
    if (input.customerId !== null) await requireCustomer(tx, merchantId, input.customerId, 'customer');
    const pm = input.paymentMethodId === null ? null : await requirePaymentMethod(tx, merchantId, input.paymentMethodId);
    const id = this.deps.ids.next('pi');
    const created: PaymentIntent = {
      id,
      merchantId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      customerId: input.customerId,
      paymentMethodId: input.paymentMethodId,
      captureMethod: input.captureMethod,
      setupFutureUsage: input.setupFutureUsage,
      status: input.paymentMethodId === null ? 'requires_payment_method' : 'requires_confirmation',
      amountCapturableMinor: 0,
      amountReceivedMinor: 0,
      latestChargeId: null,
      lastPaymentError: null,
      description: input.description,
      metadata: input.metadata,
      clientSecret: newClientSecret(id, this.deps.random),
      createdAtMs: nowMs,
      canceledAtMs: null,
      cancellationReason: null,
      networkSteps: 0,
      step: null,
      returnUrl: input.returnUrl ?? null,
      authentication: null,
      automaticPaymentMethods: input.automaticPaymentMethods ?? null,
    };
    await this.#event(tx, created, 'payment_intent.created', nowMs, endpoints);
    return { pi: created, pm };
  }

  /**
   * A create cut short after `point`: the intent it made (its confirm had not
   * begun an attempt) or the charge of its confirm's attempt.
   */
  async resumeCreate(merchant: Merchant, input: CreateIntentInput, point: string, nowMs: number, recovery: Recovery): Promise<PaymentIntent> {
    if (!point.startsWith('pi_')) return this.resumeConfirm(merchant, point, nowMs, recovery);
    const pi = await requirePaymentIntent(this.deps.db, merchant.id, point);
    const unconfirmed = pi.status === 'requires_confirmation' || pi.status === 'requires_payment_method';
    if (!input.confirm || !unconfirmed || pi.latestChargeId !== null) return pi;
    return this.confirm(merchant, pi.id, { paymentMethodId: null, offSession: input.offSession }, nowMs, recovery);
  }

  /**
   * A confirm cut short after it opened the attempt `chargeId`: an attempt
   * still at the network is resumed (the same message id: a repeat at the
   * issuer); a finished one is answered as the first request would have —
   * the intent, or the decline as a card error.
   */
  async resumeConfirm(merchant: Merchant, chargeId: string, nowMs: number, recovery: Recovery = NO_RECOVERY): Promise<PaymentIntent> {
    const charge = await findCharge(this.deps.db, merchant.id, chargeId);
    if (charge === undefined || charge.paymentIntentId === null) throw new Error(`recovery point ${chargeId} names no payment's charge`);
    const pi = await requirePaymentIntent(this.deps.db, merchant.id, charge.paymentIntentId);
    // A later attempt (another request) replaced this one: the intent as it stands is the answer.
    if (pi.latestChargeId !== charge.id) return pi;
    if (pi.status === 'processing' && pi.step === null) return this.confirm(merchant, pi.id, { paymentMethodId: null, offSession: charge.initiator === 'merchant' }, nowMs, recovery);
    if (pi.status === 'requires_payment_method' && charge.status === 'failed') throw await this.#declineFor(pi, charge);
    // Cut short between a frictionless authentication and its retry: confirm again (the same authentication id is a repeat).
    if (pi.status === 'requires_confirmation' && charge.networkResponseCode === '1A') return this.confirm(merchant, pi.id, { paymentMethodId: null, offSession: false }, nowMs, recovery);
    return pi;
  }

  /**
   * A confirm's refusal for a deleted customer, asked before the confirm
   * vaults a card for it (`payment_method_data`, a test card name), so the
   * refusal leaves no payment method behind. The confirm's own transaction
   * asks again (#openConfirm).
   */
  async refuseDeletedCustomer(merchantId: string, id: string): Promise<void> {
    const pi = await requirePaymentIntent(this.deps.db, merchantId, id);
    const confirmable = pi.status === 'requires_payment_method' || pi.status === 'requires_confirmation' || pi.status === 'requires_action';
    if (confirmable && pi.customerId !== null) await requireCustomer(this.deps.db, merchantId, pi.customerId, 'customer');
  }

  async confirm(merchant: Merchant, id: string, input: ConfirmInput, nowMs: number, recovery: Recovery = NO_RECOVERY): Promise<PaymentIntent> {
    const opened = await this.deps.db.transaction(
      async (tx) => this.#openConfirm(tx, merchant, await requirePaymentIntent(tx, merchant.id, id, { lock: true }), input, nowMs, recovery),
      FUSABLE,
    );
    return this.#finishConfirm(merchant, id, input, opened, nowMs, recovery);
  }

  /**
   * A confirm's first step: the attempt opened, resumed, or refused, in the
   * transaction that locked the intent. Or that `created` it: then the
   * intent is announced but not yet written (its row's first write is
   * here), and its creation already read the payment method and the
   * merchant's webhook endpoints.
   */
  async #openConfirm(
    tx: Tx,
    merchant: Merchant,
    locked: PaymentIntent,
    input: ConfirmInput,
    nowMs: number,
    recovery: Recovery,
    created?: { readonly pm: PaymentMethod | null; readonly endpoints: readonly EnabledEndpoint[] },
  ): Promise<OpenedConfirm> {
    const write = created === undefined ? savePaymentIntent : insertPaymentIntent;
    const knownPm = created?.pm ?? null;
    const endpoints = created?.endpoints;
    let pi = locked;
    // A capture or an increment at the network is not an authorization to resume.
    if (pi.step !== null) throw unexpectedState(pi, 'confirm');
    if (pi.status === 'processing' && pi.latestChargeId !== null) {
      const charge = (await findCharge(tx, merchant.id, pi.latestChargeId))!;
      const pm = await requirePaymentMethod(tx, merchant.id, charge.paymentMethodId);
      await recovery.record(tx, charge.id);
      return { kind: 'resume' as const, pi, charge, pm };
    }
    if (input.authentication !== undefined && (pi.status !== 'requires_action' || pi.authentication?.id !== input.authentication.transactionId)) {
      // A continuation that lost the race (another return, an expiry, a cancel): the intent as it stands is the answer.
      return { kind: 'stale' as const, pi };
    }
    // Confirming again while a challenge waits starts over, as at Stripe (the old challenge is simply not continued).
    if (pi.status !== 'requires_payment_method' && pi.status !== 'requires_confirmation' && pi.status !== 'requires_action') {
      throw unexpectedState(pi, 'confirm');
    }
    // A customer deleted since the intent named it: refused before anything is sent or written, as Stripe refuses a
    // deleted customer (its cards went with it). A create that confirms checked it in this transaction already; a
    // return from 3-D Secure continues an attempt this check let through (a deletion since is the in-flight case).
    if (created === undefined && input.authentication === undefined && pi.customerId !== null) await requireCustomer(tx, merchant.id, pi.customerId, 'customer');
    const pmId = input.paymentMethodId ?? pi.paymentMethodId;
    if (pmId === null) {
      throw new AcquirerError('payment_intent_unexpected_state', "You cannot confirm this PaymentIntent because it's missing a payment method. Update it with a payment_method or pass one to confirm.", { param: 'payment_method' });
    }
    // Read in this transaction already when the intent was created in it.
    const pm = knownPm?.id === pmId ? knownPm : await requirePaymentMethod(tx, merchant.id, pmId);
    if (pm.customerId !== null && pm.customerId !== pi.customerId) {
      throw new AcquirerError('parameter_invalid', `The provided PaymentMethod ${pm.id} belongs to a different customer than this PaymentIntent.`, { param: 'payment_method' });
    }
    if (input.offSession && pi.customerId === null) {
      throw new AcquirerError('parameter_invalid', 'An off-session payment needs a customer with the saved payment method.', { param: 'off_session' });
    }
    pi = {
      ...pi,
      paymentMethodId: pm.id,
      setupFutureUsage: input.setupFutureUsage === undefined ? pi.setupFutureUsage : input.setupFutureUsage,
      returnUrl: input.returnUrl === undefined ? pi.returnUrl : input.returnUrl,
      // Continuing keeps the authentication (a reload of the return page finds the intent by it); a fresh confirm starts over.
      authentication: input.authentication === undefined ? null : pi.authentication,
    };
    // The intent waited for this authentication: a challenge sent the customer to the issuer's page; a frictionless one had none to show.
    const authenticationFlow = input.authentication === undefined ? {} : { authenticationFlow: pi.authentication?.url ? ('challenge' as const) : ('frictionless' as const) };
    const spec = { ...this.#spec(merchant, pi, pm, input.offSession ? 'merchant' : 'customer', nowMs), authentication: input.authentication ?? null, ...authenticationFlow };
    const { charge, block, activeRules } = await openAttempt(tx, this.deps, spec);
    await recovery.record(tx, charge.id);
    if (block !== null) {
      const failed = this.#failed(pi, charge);
      await write(tx, failed.pi);
      await this.#chargeAndIntentEvents(tx, charge, 'charge.failed', failed.pi, 'payment_intent.payment_failed', nowMs, { paymentMethod: pm, settlingNow: true }, endpoints);
      return { kind: 'blocked' as const, pi: failed.pi, charge };
    }
    pi = { ...pi, status: 'processing', latestChargeId: charge.id, lastPaymentError: null };
    await write(tx, pi);
    return { kind: 'send' as const, pi, charge, pm, spec, activeRules, endpoints };
  }

  /** A confirm's network step and outcome, after `#openConfirm` committed. */
  async #finishConfirm(merchant: Merchant, id: string, input: ConfirmInput, opened: OpenedConfirm, nowMs: number, recovery: Recovery): Promise<PaymentIntent> {
    if (opened.kind === 'blocked') throw await this.#declineFor(opened.pi, opened.charge);
    if (opened.kind === 'stale') return opened.pi;

    const spec = opened.kind === 'send' ? opened.spec : this.#spec(merchant, opened.pi, opened.pm, opened.charge.initiator, nowMs);
    const result = await sendAttempt(this.deps, this.cvcCache, spec, opened.charge, opened.kind === 'send' ? opened.activeRules : null);
    const settled = settleAttempt(opened.charge, opened.pm, result);
    if (needsAuthentication(result, spec.initiator, spec.authentication)) {
      const authentication = await requestAuthentication(this.deps, spec, settled.charge);
      const waiting = authentication === null ? null : await this.#awaitAuthentication(merchant, id, settled.charge, authentication, input.origin, nowMs);
      if (waiting !== null) {
        // Frictionless: the issuer authenticated at once; the payment goes again with the authentication value.
        if (waiting.status === 'requires_action' && authentication!.status === 'authenticated' && authentication!.authentication !== null) {
          return this.confirm(merchant, id, { paymentMethodId: null, offSession: false, authentication: authentication!.authentication, ...(input.origin ? { origin: input.origin } : {}) }, nowMs, recovery);
        }
        return waiting;
      }
    }
    // Automatic capture clears right away; a clearing the network could not take now leaves the intent
    // in `processing` with the authorization open, and confirming again finishes it.
    let clearing: FollowUpResponse | null = null;
    if (settled.decline === null && opened.pi.captureMethod === 'automatic') {
      clearing = await this.#clearAtConfirm(settled.charge);
    }
    let refusal: AppError | null = null;
    // The charge's events render this request's attempt: its payment method as the attempt read it, and no refund yet.
    const attempted: KnownChargeFacts = { paymentMethod: opened.pm, settlingNow: true };
    const endpoints = opened.kind === 'send' ? opened.endpoints : undefined;
    const pi = await this.deps.db.transaction(async (tx) => {
      let pi = await requirePaymentIntent(tx, merchant.id, id, { lock: true });
      if (pi.status !== 'processing' || pi.latestChargeId !== opened.charge.id) return pi; // another request finished it
      let charge = settled.charge;
      const checks = charge.checks ?? opened.pm.checks;
      if (settled.decline === null && pi.setupFutureUsage !== null && pi.customerId !== null) {
        // The intent's lock, then its customer's, then the card's — before the card's checks are written below, as
        // that write locks the card's row too. A customer deleted while the payment was at the network keeps no card:
        // the payment's outcome below stands as the issuer gave it, the card stays unattached.
        await saveCardToCustomer(tx, { ids: this.deps.ids, nowMs }, { merchantId: merchant.id, paymentMethodId: opened.pm.id, customerId: pi.customerId, checks }, endpoints);
      }
      await savePaymentMethodChecks(tx, opened.pm.id, checks, opened.pm.checks);
      if (settled.decline !== null) {
        await saveCharge(tx, charge);
        const failed = this.#failed(pi, charge);
        await savePaymentIntent(tx, failed.pi);
        await this.#chargeAndIntentEvents(tx, charge, 'charge.failed', failed.pi, 'payment_intent.payment_failed', nowMs, attempted, endpoints);
        return failed.pi;
      }
      if (pi.captureMethod === 'manual') {
        await saveCharge(tx, charge);
        pi = { ...pi, status: 'requires_capture', amountCapturableMinor: charge.amountAuthorizedMinor };
        await savePaymentIntent(tx, pi);
        await this.#chargeAndIntentEvents(tx, charge, 'charge.succeeded', pi, 'payment_intent.amount_capturable_updated', nowMs, attempted, endpoints);
        return pi;
      }
      const outcome = clearing === null ? 'retry' : clearingOutcome(clearing);
      if (outcome === 'retry') {
        await saveCharge(tx, charge);
        return pi;
      }
      if (outcome !== 'cleared') {
        // The issuer approved and then refused the capture: the intent ends as a refused manual capture would.
        await saveCharge(tx, charge);
        await this.#chargeEvents(tx, charge, 'charge.succeeded', nowMs, attempted, endpoints);
        const ended = await this.#captureRefused(tx, { ...pi, amountCapturableMinor: charge.amountAuthorizedMinor }, charge, outcome, clearing!, nowMs);
        refusal = ended.error;
        return ended.pi;
      }
      const booked = await this.#bookCaptured(tx, charge, clearedAmount(clearing!, charge), nowMs);
      charge = booked.captured;
      pi = { ...pi, status: 'succeeded', amountReceivedMinor: charge.amountCapturedMinor, amountCapturableMinor: 0 };
      await savePaymentIntent(tx, pi);
      const known = booked.balanceTransactionId === null ? attempted : { ...attempted, balanceTransactionId: booked.balanceTransactionId };
      await this.#chargeAndIntentEvents(tx, charge, 'charge.succeeded', pi, 'payment_intent.succeeded', nowMs, known, endpoints);
      return pi;
    }, FUSABLE);
    if (pi.status === 'requires_payment_method' && pi.latestChargeId === opened.charge.id && settled.decline !== null) {
      throw await this.#declineFor(pi, settled.charge, settled.decline);
    }
    if (refusal !== null) throw refusal;
    return pi;
  }

  /**
   * Puts an intent whose attempt the issuer answered 1A into
   * `requires_action`, waiting for the authentication the network opened
   * (a challenge; or a frictionless one, which the caller continues at
   * once). Null when the authentication cannot go on (failed, not
   * supported): the 1A then stands as the decline.
   */
  async #awaitAuthentication(merchant: Merchant, id: string, charge: Charge, answer: AuthenticationResponse, origin: string | undefined, nowMs: number): Promise<PaymentIntent | null> {
    if (answer.status !== 'challenge' && answer.status !== 'authenticated') return null;
    return this.deps.db.transaction(async (tx) => {
      let pi = await requirePaymentIntent(tx, merchant.id, id, { lock: true });
      if (pi.status !== 'processing' || pi.latestChargeId !== charge.id) return pi; // another request finished it
      await saveCharge(tx, charge);
      const url = answer.challengeUrl === null ? '' : `${origin ?? ''}${answer.challengeUrl}`;
      pi = { ...pi, status: 'requires_action', lastPaymentError: null, authentication: { id: answer.id, url, expiresAtMs: answer.expiresAtMs ?? nowMs } };
      await savePaymentIntent(tx, pi);
      if (answer.status === 'challenge') await this.#event(tx, pi, 'payment_intent.requires_action', nowMs);
      return pi;
    });
  }

  /**
   * The customer came back from the issuer's challenge page (or the
   * challenge lapsed): asks the network for the authentication's result
   * and continues the payment with it, or fails the intent with
   * `payment_intent_authentication_failure`. Only an intent still waiting
   * for this very authentication moves; anything else is answered as it
   * stands, so a second return (a reload, the sweep) does nothing twice.
   */
  async continueAfterAuthentication(authenticationId: string, nowMs: number): Promise<PaymentIntent | null> {
    const row = await this.deps.db.get<any>(`SELECT ${PAYMENT_INTENT_COLUMNS} FROM acquirer_payment_intents WHERE authentication_id = ?`, [authenticationId]);
    if (row === undefined) return null;
    const pi = paymentIntentFromRow(row);
    if (pi.status !== 'requires_action' || pi.authentication?.id !== authenticationId || pi.paymentMethodId === null) return pi;
    const merchant = await getMerchant(this.deps.db, pi.merchantId);
    if (merchant === undefined) return pi;
    const pm = await requirePaymentMethod(this.deps.db, merchant.id, pi.paymentMethodId);
    const answer = await authenticationResult(this.deps, pm.panSealed, authenticationId);
    if (answer === null || answer.status === 'challenge') return pi; // not finished yet: the customer may still complete it
    if (answer.status === 'authenticated' && answer.authentication !== null) {
      try {
        return await this.confirm(merchant, pi.id, { paymentMethodId: null, offSession: false, authentication: answer.authentication }, nowMs);
      } catch (error) {
        // Authenticated, then declined by the issuer: the intent records it (requires_payment_method); the customer sees that.
        if (error instanceof AppError && error.type === 'card_error') return requirePaymentIntent(this.deps.db, merchant.id, pi.id);
        throw error;
      }
    }
    return this.deps.db.transaction(async (tx) => {
      let current = await requirePaymentIntent(tx, merchant.id, pi.id, { lock: true });
      if (current.status !== 'requires_action' || current.authentication?.id !== authenticationId) return current;
      current = { ...current, status: 'requires_payment_method', lastPaymentError: authenticationFailure(pm.id, answer.reason) };
      await savePaymentIntent(tx, current);
      await this.#event(tx, current, 'payment_intent.payment_failed', nowMs);
      return current;
    });
  }

  /** Challenges past their time (abandoned): their result is asked for, which ends them (or continues one passed at the last moment). */
  async expireAuthentications(nowMs: number, limit = 100): Promise<number> {
    const due = await this.deps.db.all<{ authentication_id: string }>(
      `SELECT authentication_id FROM acquirer_payment_intents WHERE status = 'requires_action' AND authentication_expires_at_ms <= ? ORDER BY id LIMIT ?`,
      [nowMs, limit],
    );
    let ended = 0;
    for (const row of due) {
      const pi = await this.continueAfterAuthentication(row.authentication_id, nowMs);
      if (pi !== null && pi.status !== 'requires_action') ended += 1;
    }
    return ended;
  }

  /**
   * Uncaptured payments past the authorization's validity window (Stripe's
   * `capture_before`: 7 days after the authorization for online card
   * payments) expire as at Stripe: the hold is released at the issuer (the
   * reversal a cancel sends, `<network id>.cancel`, so a cancel racing it is
   * a repeat; an issuer whose own expiry came first answers so), and the
   * intent is canceled with `cancellation_reason: automatic`, announced as
   * `charge.expired` and `payment_intent.canceled`. Each intent changes under
   * its lock and only from `requires_capture` with no capture or increment
   * out, so a capture that got there first wins and several processes may
   * sweep at once. Returns how many expired.
   */
  async expireUncaptured(nowMs: number, limit = 100): Promise<number> {
    const due = await this.deps.db.all<{ id: string; merchant_id: string; charge_id: string }>(
      `SELECT pi.id, pi.merchant_id, ch.id AS charge_id FROM acquirer_payment_intents pi JOIN acquirer_charges ch ON ch.id = pi.latest_charge_id
       WHERE pi.status = 'requires_capture' AND pi.step_kind IS NULL AND ch.created_at_ms <= ? ORDER BY ch.created_at_ms, pi.id LIMIT ?`,
      [nowMs - UNCAPTURED_AUTHORIZATION_VALIDITY_MS, limit],
    );
    let expired = 0;
    for (const row of due) {
      const charge = await findCharge(this.deps.db, row.merchant_id, row.charge_id);
      if (charge === undefined) continue;
      try {
        await reverseAuthorization(this.deps, charge, `${charge.networkId}.cancel`);
      } catch (error) {
        // The network could not take the reversal now: the next sweep sends the same one again.
        if (error instanceof AppError) continue;
        throw error;
      }
      const done = await this.deps.db.transaction(async (tx) => {
        let pi = await requirePaymentIntent(tx, row.merchant_id, row.id, { lock: true });
        if (pi.status !== 'requires_capture' || pi.step !== null || pi.latestChargeId !== row.charge_id) return false;
        const locked = (await findCharge(tx, row.merchant_id, row.charge_id, { lock: true }))!;
        const released: Charge = { ...locked, authorizationOpen: false };
        await saveCharge(tx, released);
        pi = { ...pi, status: 'canceled', amountCapturableMinor: 0, canceledAtMs: nowMs, cancellationReason: 'automatic' };
        await savePaymentIntent(tx, pi);
        await this.#chargeAndIntentEvents(tx, released, 'charge.expired', pi, 'payment_intent.canceled', nowMs);
        return true;
      });
      if (done) expired += 1;
    }
    return expired;
  }

  /**
   * Finishes payments left in `processing` — the process died between
   * asking the network and recording the answer, or the network could not
   * take the capture — by confirming them again: the authorization is
   * re-sent with its original message id (the issuer answers a repeat, it
   * does not decide twice) and the capture likewise. Returns how many it
   * finished; declines are finished too (recorded as declines).
   */
  async resumeStuck(nowMs: number, olderThanMs: number, limit = 100): Promise<number> {
    // A capture or increment in flight is as old as its step, not as its charge.
    const stuck = await this.deps.db.all<{ id: string; merchant_id: string }>(
      `SELECT pi.id, pi.merchant_id FROM acquirer_payment_intents pi JOIN acquirer_charges ch ON ch.id = pi.latest_charge_id
       WHERE pi.status = 'processing' AND COALESCE(pi.step_started_at_ms, ch.created_at_ms) <= ? ORDER BY pi.id LIMIT ?`,
      [nowMs - olderThanMs, limit],
    );
    let finished = 0;
    for (const row of stuck) {
      const merchant = await getMerchant(this.deps.db, row.merchant_id);
      if (merchant === undefined) continue;
      try {
        const pi = await requirePaymentIntent(this.deps.db, merchant.id, row.id);
        if (pi.step?.kind === 'capture') await this.capture(merchant, row.id, pi.step.amountMinor, nowMs);
        else if (pi.step?.kind === 'increment') await this.incrementAuthorization(merchant, row.id, pi.step.amountMinor, nowMs);
        else await this.confirm(merchant, row.id, { paymentMethodId: null, offSession: false }, nowMs);
      } catch (error) {
        // Declines and refusals are recorded outcomes; anything else is a bug to surface.
        if (!(error instanceof AppError)) throw error;
      }
      if ((await requirePaymentIntent(this.deps.db, merchant.id, row.id)).status !== 'processing') finished += 1;
    }
    return finished;
  }

  /**
   * Captures all (or `amountToCapture`) of an authorized payment; the rest
   * is released. See network-step.ts: the intent is `processing` while the
   * clearing is out, the same capture again resends the same message, and
   * what is booked is what the issuer says it cleared.
   */
  async capture(merchant: Merchant, id: string, amountToCapture: number | undefined, nowMs: number, recovery: Recovery = NO_RECOVERY): Promise<PaymentIntent> {
    const started = await this.deps.db.transaction(async (tx) => {
      const pi = await requirePaymentIntent(tx, merchant.id, id, { lock: true });
      const step = pi.step;
      if (step !== null && step.kind === 'capture') {
        if ((amountToCapture ?? pi.amountCapturableMinor) !== step.amountMinor) throw stepInProgress(pi, step, 'capture');
        await recovery.record(tx, step.messageId);
        return { pi, charge: (await findCharge(tx, merchant.id, pi.latestChargeId!))! };
      }
      if (pi.status !== 'requires_capture' || pi.latestChargeId === null) throw unexpectedState(pi, 'capture');
      const amount = amountToCapture ?? pi.amountCapturableMinor;
      if (amount > pi.amountCapturableMinor) {
        throw new AcquirerError('amount_too_large', `The amount to capture (${amount}) is greater than the amount capturable (${pi.amountCapturableMinor}).`, { param: 'amount_to_capture' });
      }
      const charge = (await findCharge(tx, merchant.id, pi.latestChargeId))!;
      const next = startStep(pi, charge, 'capture', amount, nowMs);
      await savePaymentIntent(tx, next);
      await recovery.record(tx, next.step!.messageId);
      return { pi: next, charge };
    });
    const step = started.pi.step!;
    const answer = await this.deps.network.clear({
      type: 'clearing',
      id: step.messageId,
      originalId: started.charge.networkId,
      amount: { minor: step.amountMinor, currency: started.charge.currency.toUpperCase() },
      final: true,
      sentAtMs: this.deps.clock.nowMs(),
    });
    const outcome = clearingOutcome(answer);
    const recorded = await this.deps.db.transaction(async (tx) => {
      let current = await requirePaymentIntent(tx, merchant.id, id, { lock: true });
      // Another request (the same capture) recorded this answer already.
      if (current.step?.messageId !== step.messageId) return { pi: current, error: null };
      if (outcome === 'retry') return { pi: current, error: networkBusy('capture') };
      const charge = (await findCharge(tx, merchant.id, started.charge.id, { lock: true }))!;
      if (outcome !== 'cleared') return this.#captureRefused(tx, current, charge, outcome, answer, nowMs);
      const { captured } = await this.#bookCaptured(tx, charge, clearedAmount(answer, charge), nowMs);
      current = { ...endStep(current), status: 'succeeded', amountReceivedMinor: captured.amountCapturedMinor, amountCapturableMinor: 0 };
      await savePaymentIntent(tx, current);
      await this.#chargeAndIntentEvents(tx, captured, 'charge.captured', current, 'payment_intent.succeeded', nowMs);
      return { pi: current, error: null };
    });
    if (recorded.error !== null) throw recorded.error;
    return recorded.pi;
  }

  /**
   * A clearing the issuer refused, recorded: with no authorization left
   * (12) the intent is canceled (`automatic`, as Stripe cancels an
   * authorization that expired) and the merchant gets Stripe's
   * `charge_expired_for_capture`; any other refusal moved nothing, so the
   * intent can be captured again (`capture_refused`). Both are 400s.
   */
  async #captureRefused(tx: Tx, pi: PaymentIntent, charge: Charge, outcome: 'gone' | 'refused', answer: FollowUpResponse, nowMs: number): Promise<{ pi: PaymentIntent; error: AppError }> {
    if (outcome === 'gone') {
      if (charge.authorizationOpen) await saveCharge(tx, { ...charge, authorizationOpen: false });
      const canceled: PaymentIntent = { ...endStep(pi), status: 'canceled', amountCapturableMinor: 0, canceledAtMs: nowMs, cancellationReason: 'automatic' };
      await savePaymentIntent(tx, canceled);
      await this.#event(tx, canceled, 'payment_intent.canceled', nowMs);
      const message = `The charge cannot be captured: the card's issuer holds no authorization for it any more (${answer.reason}). The PaymentIntent was canceled.`;
      return { pi: canceled, error: new AcquirerError('charge_expired_for_capture', message, { extra: { payment_intent: basePaymentIntentObject(canceled) } }) };
    }
    const again = endStep(pi);
    await savePaymentIntent(tx, again);
    const message = `The card's issuer refused the capture (${answer.responseCode} ${answer.reason}); nothing was captured.`;
    return { pi: again, error: new AcquirerError('capture_refused', message, { extra: { payment_intent: basePaymentIntentObject(again) } }) };
  }

  /**
   * Raises an authorized, not yet captured payment to `newAmountMinor` (Stripe's
   * `increment_authorization`): the issuer is asked for the difference and,
   * if it approves, holds the new total. The message id is derived from the
   * old and new totals, so a retried request is a repeat at the issuer, never
   * a second increment. A decline leaves the payment as it was.
   */
  async incrementAuthorization(merchant: Merchant, id: string, newAmountMinor: number, nowMs: number, recovery: Recovery = NO_RECOVERY): Promise<PaymentIntent> {
    const started = await this.deps.db.transaction(async (tx) => {
      const pi = await requirePaymentIntent(tx, merchant.id, id, { lock: true });
      const step = pi.step;
      if (step !== null && step.kind === 'increment') {
        if (newAmountMinor !== step.amountMinor) throw stepInProgress(pi, step, 'increment the authorization of');
        await recovery.record(tx, step.messageId);
        return { pi, charge: (await findCharge(tx, merchant.id, pi.latestChargeId!))! };
      }
      if (pi.status !== 'requires_capture' || pi.latestChargeId === null) throw unexpectedState(pi, 'increment the authorization of');
      if (newAmountMinor <= pi.amountMinor) {
        throw new AcquirerError('parameter_invalid', `The new amount (${newAmountMinor}) must be greater than the authorized amount (${pi.amountMinor}).`, { param: 'amount' });
      }
      const charge = (await findCharge(tx, merchant.id, pi.latestChargeId))!;
      const next = startStep(pi, charge, 'increment', newAmountMinor, nowMs);
      await savePaymentIntent(tx, next);
      await recovery.record(tx, next.step!.messageId);
      return { pi: next, charge };
    });
    const step = started.pi.step!;
    const asked = step.amountMinor - started.pi.amountMinor;
    const answer = await this.deps.network.incrementAuthorization({
      type: 'incremental_authorization',
      id: step.messageId,
      originalId: started.charge.networkId,
      amount: { minor: asked, currency: started.pi.currency.toUpperCase() },
      sentAtMs: this.deps.clock.nowMs(),
    });
    const recorded = await this.deps.db.transaction(async (tx) => {
      let current = await requirePaymentIntent(tx, merchant.id, id, { lock: true });
      if (current.step?.messageId !== step.messageId) return { pi: current, error: null };
      if (isRetryLater(answer)) return { pi: current, error: networkBusy('increment') };
      if (!answer.approved) {
        current = endStep(current);
        await savePaymentIntent(tx, current);
        const decline = stripeDeclineFor(answer);
        const error = new AcquirerError(decline.code, decline.message, {
          declineCode: decline.declineCode,
          extra: { advice_code: decline.adviceCode, network_decline_code: answer.responseCode, payment_intent: basePaymentIntentObject(current) },
        });
        return { pi: current, error };
      }
      // What the issuer now holds more is what its answer approved.
      const increase = answer.approvedAmount.minor;
      if (!Number.isSafeInteger(increase) || increase < 1 || increase > asked) throw new Error(`increment ${step.messageId}: the issuer approved ${increase} of ${asked}`);
      const locked = (await findCharge(tx, merchant.id, started.charge.id, { lock: true }))!;
      const total = current.amountMinor + increase;
      await saveCharge(tx, { ...locked, amountMinor: total, amountAuthorizedMinor: locked.amountAuthorizedMinor + increase });
      current = { ...endStep(current), amountMinor: total, amountCapturableMinor: current.amountCapturableMinor + increase };
      await savePaymentIntent(tx, current);
      await this.#event(tx, current, 'payment_intent.amount_capturable_updated', nowMs);
      return { pi: current, error: null };
    });
    if (recorded.error !== null) throw recorded.error;
    return recorded.pi;
  }

  async cancel(merchant: Merchant, id: string, reason: string | null, nowMs: number, recovery: Recovery = NO_RECOVERY): Promise<PaymentIntent> {
    const pi = await requirePaymentIntent(this.deps.db, merchant.id, id);
    if (pi.status === 'succeeded' || pi.status === 'canceled' || pi.status === 'processing') throw unexpectedState(pi, 'cancel');
    if (pi.status === 'requires_capture' && pi.latestChargeId !== null) {
      const charge = (await findCharge(this.deps.db, merchant.id, pi.latestChargeId))!;
      // The reversal may reach the issuer before a crash: from here a retry must finish this cancel, not refuse a canceled intent.
      await this.deps.db.transaction((tx) => recovery.record(tx, pi.id));
      await reverseAuthorization(this.deps, charge, `${charge.networkId}.cancel`);
    }
    return this.deps.db.transaction(async (tx) => {
      let current = await requirePaymentIntent(tx, merchant.id, id, { lock: true });
      if (current.status === 'canceled') return current;
      if (current.status === 'succeeded' || current.status === 'processing') throw unexpectedState(current, 'cancel');
      if (current.latestChargeId !== null) {
        const charge = (await findCharge(tx, merchant.id, current.latestChargeId, { lock: true }))!;
        if (charge.authorizationOpen) await saveCharge(tx, { ...charge, authorizationOpen: false });
      }
      current = { ...current, status: 'canceled', amountCapturableMinor: 0, canceledAtMs: nowMs, cancellationReason: reason ?? 'requested_by_customer' };
      await savePaymentIntent(tx, current);
      await this.#event(tx, current, 'payment_intent.canceled', nowMs);
      await recovery.record(tx, current.id);
      return current;
    });
  }

  /** A cancel cut short after it asked for the reversal (or committed): the canceled intent, finishing the cancel first if need be. */
  async resumeCancel(merchant: Merchant, id: string, reason: string | null, nowMs: number, recovery: Recovery): Promise<PaymentIntent> {
    const pi = await requirePaymentIntent(this.deps.db, merchant.id, id);
    return pi.status === 'canceled' ? pi : this.cancel(merchant, id, reason, nowMs, recovery);
  }

  /**
   * A capture or increment cut short after it started the step `messageId`:
   * a step still open is sent again (a repeat at the issuer); an ended one is
   * answered from what it left.
   */
  async resumeStep(merchant: Merchant, id: string, messageId: string, nowMs: number, recovery: Recovery): Promise<PaymentIntent> {
    const pi = await requirePaymentIntent(this.deps.db, merchant.id, id);
    const step = pi.step;
    if (step !== null && step.messageId === messageId) {
      return step.kind === 'capture' ? this.capture(merchant, id, step.amountMinor, nowMs, recovery) : this.incrementAuthorization(merchant, id, step.amountMinor, nowMs, recovery);
    }
    const extra = { payment_intent: basePaymentIntentObject(pi) };
    if (messageId.includes('.capture.')) {
      if (pi.status === 'succeeded') return pi;
      if (pi.status === 'canceled') throw new AcquirerError('charge_expired_for_capture', 'The charge cannot be captured: the card\'s issuer holds no authorization for it any more. The PaymentIntent was canceled.', { extra });
      throw new AcquirerError('capture_refused', 'The card\'s issuer refused the capture; nothing was captured.', { extra });
    }
    const target = Number(messageId.slice(messageId.lastIndexOf('-') + 1));
    if (pi.amountMinor >= target) return pi;
    throw new AcquirerError('card_declined', 'The card\'s issuer declined the increment; the authorization is as it was.', { declineCode: 'generic_decline', extra });
  }

  async update(merchant: Merchant, id: string, changes: Partial<Pick<PaymentIntent, 'amountMinor' | 'currency' | 'customerId' | 'paymentMethodId' | 'description' | 'metadata' | 'setupFutureUsage' | 'captureMethod'>>): Promise<PaymentIntent> {
    return this.deps.db.transaction(async (tx) => {
      const pi = await requirePaymentIntent(tx, merchant.id, id, { lock: true });
      const changesMoney = changes.amountMinor !== undefined || changes.currency !== undefined || changes.paymentMethodId !== undefined || changes.customerId !== undefined;
      if (changesMoney && pi.status !== 'requires_payment_method' && pi.status !== 'requires_confirmation') throw unexpectedState(pi, 'update');
      if (changes.customerId) await requireCustomer(tx, merchant.id, changes.customerId, 'customer');
      if (changes.paymentMethodId) await requirePaymentMethod(tx, merchant.id, changes.paymentMethodId);
      const next: PaymentIntent = { ...pi, ...changes };
      const updated = next.paymentMethodId !== null && next.status === 'requires_payment_method' ? { ...next, status: 'requires_confirmation' as const } : next;
      // Stripe has no payment_intent.updated event; an update is seen in the next state change's event.
      await savePaymentIntent(tx, updated);
      return updated;
    });
  }

  /**
   * The automatic capture right after an approval. Its amount is always the
   * authorized amount, so its id needs no attempt or amount: resuming a
   * confirm resends the same message (a repeat). The id is the one this
   * capture always had, so a confirm left processing across an upgrade still
   * repeats it; manual capture steps add `.<attempt>.<amount>` and never meet it.
   */
  #clearAtConfirm(charge: Charge): Promise<FollowUpResponse> {
    return this.deps.network.clear({
      type: 'clearing',
      id: `${charge.networkId}.capture`,
      originalId: charge.networkId,
      amount: { minor: charge.amountAuthorizedMinor, currency: charge.currency.toUpperCase() },
      final: true,
      sentAtMs: this.deps.clock.nowMs(),
    });
  }

  /** The charge captured and booked; with the capture's balance transaction id (null if it was booked before). */
  async #bookCaptured(tx: Tx, charge: Charge, amountMinor: number, nowMs: number): Promise<{ captured: Charge; balanceTransactionId: string | null }> {
    const captured: Charge = { ...charge, amountCapturedMinor: amountMinor, authorizationOpen: false, capturedAtMs: nowMs };
    await saveCharge(tx, captured);
    const balanceTransactionId = await bookCapture(this.deps.ledger, tx, { merchantId: charge.merchantId, currency: charge.currency, amountMinor, transferId: `acq:capture:${charge.id}`, chargeId: charge.id });
    return { captured, balanceTransactionId };
  }

  #spec(merchant: Merchant, pi: PaymentIntent, pm: PaymentMethod, initiator: 'customer' | 'merchant', nowMs: number): AttemptSpec {
    return {
      merchant,
      pm,
      amountMinor: pi.amountMinor,
      currency: pi.currency,
      purpose: 'purchase',
      initiator,
      customerId: pi.customerId,
      paymentIntentId: pi.id,
      setupIntentId: null,
      // Risk rules may be scoped by what the merchant's own payment says (rule-types.ts PaymentScope).
      payment: { metadata: pi.metadata, description: pi.description },
      nowMs,
    };
  }

  #failed(pi: PaymentIntent, charge: Charge): { pi: PaymentIntent } {
    const lastPaymentError = {
      type: 'card_error',
      code: charge.failureCode,
      decline_code: charge.declineCode,
      message: charge.failureMessage,
      charge: charge.id,
      advice_code: charge.outcome?.advice_code ?? null,
      network_decline_code: charge.outcome?.network_decline_code ?? null,
      payment_method: { id: charge.paymentMethodId, object: 'payment_method', type: 'card' },
    };
    return { pi: { ...pi, status: 'requires_payment_method', latestChargeId: charge.id, lastPaymentError, amountCapturableMinor: 0 } };
  }

  async #declineFor(pi: PaymentIntent, charge: Charge, decline?: StripeDecline): Promise<AppError> {
    const mapped = decline ?? { code: charge.failureCode as StripeDecline['code'], declineCode: charge.declineCode!, message: charge.failureMessage!, adviceCode: (charge.outcome?.advice_code ?? 'do_not_try_again') as StripeDecline['adviceCode'] };
    return declineError(charge, mapped, { payment_intent: basePaymentIntentObject(pi), payment_method: { id: charge.paymentMethodId, object: 'payment_method', type: 'card' } });
  }

  async #event(tx: Tx, pi: PaymentIntent, type: string, nowMs: number, endpoints?: readonly EnabledEndpoint[]): Promise<void> {
    await recordEvent(tx, { ids: this.deps.ids, nowMs }, { merchantId: pi.merchantId, type, object: basePaymentIntentObject(pi) }, endpoints);
  }

  /** A charge's event and its intent's, in that order, with the merchant's webhook endpoints read once for both. */
  async #chargeAndIntentEvents(
    tx: Tx,
    charge: Charge,
    chargeType: string,
    pi: PaymentIntent,
    intentType: string,
    nowMs: number,
    known: KnownChargeFacts = {},
    endpoints?: readonly EnabledEndpoint[],
  ): Promise<void> {
    await recordEvents(
      tx,
      { ids: this.deps.ids, nowMs },
      [
        { merchantId: charge.merchantId, type: chargeType, object: await chargeObject(tx, charge, [], known) },
        { merchantId: pi.merchantId, type: intentType, object: basePaymentIntentObject(pi) },
      ],
      endpoints,
    );
  }

  async #chargeEvents(tx: Tx, charge: Charge, type: string, nowMs: number, known: KnownChargeFacts = {}, endpoints?: readonly EnabledEndpoint[]): Promise<void> {
    await recordEvent(tx, { ids: this.deps.ids, nowMs }, { merchantId: charge.merchantId, type, object: await chargeObject(tx, charge, [], known) }, endpoints);
  }
}

/** What the issuer cleared, from its answer; anything outside what the charge holds is a broken network contract. */
function clearedAmount(answer: FollowUpResponse, charge: Charge): number {
  const minor = answer.amount.minor;
  if (answer.amount.currency !== charge.currency.toUpperCase() || !Number.isSafeInteger(minor) || minor < 1 || minor > charge.amountAuthorizedMinor) {
    throw new Error(`clearing of ${charge.id}: the issuer answered 00 for ${minor} ${answer.amount.currency}`);
  }
  return minor;
}

/** The network could not get an answer: the outcome is not known, so this is no answer to save (the retry resumes). */
function networkBusy(what: 'capture' | 'increment'): AppError {
  const retry = what === 'capture' ? 'retry the same capture' : 'retry the same increment';
  return outcomePending(new AcquirerError('processing_error', `The card network could not take the ${what} now; ${retry} (it is also finished in the background).`));
}

/** A different capture or increment while one is at the network: it must end first (the same request again is a retry). */
function stepInProgress(pi: PaymentIntent, step: NetworkStep, action: string): AppError {
  const what = step.kind === 'capture' ? `a capture of ${step.amountMinor}` : `an increment to ${step.amountMinor}`;
  return new AcquirerError('payment_intent_unexpected_state', `You cannot ${action} this PaymentIntent now: ${what} is in progress. Retry that same request, or wait for it to finish.`, {
    extra: { payment_intent: basePaymentIntentObject(pi) },
  });
}

/** What a confirm's first step decided (see `#openConfirm`). */
type OpenedConfirm =
  | { readonly kind: 'resume'; readonly pi: PaymentIntent; readonly charge: Charge; readonly pm: PaymentMethod }
  | { readonly kind: 'stale'; readonly pi: PaymentIntent }
  | { readonly kind: 'blocked'; readonly pi: PaymentIntent; readonly charge: Charge }
  | {
      readonly kind: 'send';
      readonly pi: PaymentIntent;
      readonly charge: Charge;
      readonly pm: PaymentMethod;
      readonly spec: AttemptSpec;
      readonly activeRules: readonly RiskRule[] | null;
      /** The merchant's webhook endpoints, when the intent's creation in this request read them (for the outcome's events). */
      readonly endpoints: readonly EnabledEndpoint[] | undefined;
    };

export function unexpectedState(pi: PaymentIntent, action: string): AppError {
  return new AcquirerError('payment_intent_unexpected_state', `You cannot ${action} this PaymentIntent because it has a status of ${pi.status}.`, {
    extra: { payment_intent: basePaymentIntentObject(pi) },
  });
}

/** A customer-initiated attempt the issuer answered 1A, not yet carrying an authentication: 3-D Secure is the way on. */
function needsAuthentication(result: AttemptResult, initiator: 'customer' | 'merchant', authentication: AuthenticationData | null | undefined): boolean {
  return result.response.responseCode === '1A' && initiator === 'customer' && (authentication ?? null) === null;
}
