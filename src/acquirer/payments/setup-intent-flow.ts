import type { AuthenticationData, AuthenticationResponse } from '../../network/messages.ts';
import { AppError } from '../../platform/errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import { AcquirerError, type AcquirerErrorCode } from '../errors.ts';
import { recordEvent } from '../events/events.ts';
import { getMerchant, type Merchant } from '../merchants/merchants.ts';
import { verificationAttempt, verifyCard } from './card-verification.ts';
import { findCharge } from './charge-store.ts';
import { authenticationResult, requestAuthentication } from './payment-authentication.ts';
import { findPaymentMethod, paymentMethodObject, requirePaymentMethod, setPaymentMethodCustomer, type PaymentMethod } from './payment-method-store.ts';
import { findSetupIntentByAuthentication, requireSetupIntent, saveSetupIntent, setupIntentObject, type SetupIntent } from './setup-intent-store.ts';

/**
 * Confirming a SetupIntent: the card is verified (card-verification.ts) and
 * saved to the customer. When the issuer answers the verification 1A (it
 * wants the cardholder authenticated before the card is saved for
 * merchant-initiated payments, as under SCA), the set-up goes through
 * 3-D Secure as a payment does (payment-authentication.ts):
 *
 *  - frictionless: the verification is sent again at once with the value;
 *  - challenge: the set-up waits in `requires_action`, its `next_action` a
 *    `redirect_to_url` to the issuer's page, `setup_intent.requires_action`
 *    is sent; the browser comes back through the acquirer's return route,
 *    which continues it here — `setup_intent.succeeded`, or
 *    `setup_intent.setup_failed` (a failed or abandoned challenge:
 *    `setup_intent_authentication_failure`; authenticated and then declined:
 *    the card error);
 *  - anything else: the 1A stands as the decline.
 *
 * Exactly once: a continuation first claims the set-up (`requires_action`
 * waiting for this very authentication → `processing`) under its row lock;
 * a second return, a reload or the sweep finds it claimed and answers the
 * set-up as it stands, so the verification is sent once. The
 * authentication's id comes from the verification's network id, so asking
 * again after a crash is a repeat at the issuer, never a second challenge.
 */

export interface ConfirmOptions {
  /** Stripe's `return_url` for a redirect (kept from create when absent). */
  readonly returnUrl?: string | null;
  /** This server as the client reached it: the issuer's page becomes an absolute URL. */
  readonly origin?: string;
  /** Internal: continuing after a passed challenge (only from `processing`, claimed for this authentication). */
  readonly authentication?: AuthenticationData;
}

export class SetupIntentFlow {
  constructor(
    private readonly deps: AcquirerDeps,
    private readonly cvcCache: CvcCache,
  ) {}

  async confirm(merchant: Merchant, id: string, pmOverride: string | null, nowMs: number, options: ConfirmOptions = {}): Promise<SetupIntent> {
    const { deps } = this;
    let si = await requireSetupIntent(deps.db, merchant.id, id);
    if (options.authentication === undefined) {
      // Confirming again while a challenge waits starts over, as at Stripe (the old challenge is simply not continued).
      if (si.status !== 'requires_payment_method' && si.status !== 'requires_confirmation' && si.status !== 'requires_action') {
        throw new AcquirerError('setup_intent_unexpected_state', `You cannot confirm this SetupIntent because it has a status of ${si.status}.`);
      }
    } else if (si.status !== 'processing' || si.authentication?.id !== options.authentication.transactionId) {
      return si;
    }
    const pmId = pmOverride ?? si.paymentMethodId;
    if (pmId === null) throw new AcquirerError('setup_intent_unexpected_state', "You cannot confirm this SetupIntent because it's missing a payment method.", { param: 'payment_method' });
    const pm = await requirePaymentMethod(deps.db, merchant.id, pmId);
    if (pm.customerId !== null && si.customerId !== null && pm.customerId !== si.customerId) {
      throw new AcquirerError('parameter_invalid', `The provided PaymentMethod ${pm.id} belongs to a different customer.`, { param: 'payment_method' });
    }
    if (options.returnUrl !== undefined) si = { ...si, returnUrl: options.returnUrl };
    const spec = { merchant, pm, customerId: si.customerId, setupIntentId: si.id, nowMs, authentication: options.authentication ?? null };
    try {
      const charge = await verifyCard(deps, this.cvcCache, spec);
      return await this.#succeed(merchant, si, pm, charge.id, nowMs);
    } catch (error) {
      if (!(error instanceof AppError) || error.type !== 'card_error') throw error;
      const chargeId = (error.extra?.charge as string | undefined) ?? null;
      if (options.authentication === undefined && error.extra?.network_decline_code === '1A' && chargeId !== null) {
        const charge = await findCharge(deps.db, merchant.id, chargeId);
        const answer = charge === undefined ? null : await requestAuthentication(deps, verificationAttempt(spec), charge);
        if (answer !== null && (answer.status === 'challenge' || answer.status === 'authenticated')) {
          const waiting = await this.#awaitAuthentication(si, pm, chargeId, answer, options.origin, nowMs);
          // Frictionless: the issuer authenticated at once; the verification goes again with the value.
          if (answer.status === 'authenticated' && answer.authentication !== null && (await this.#claim(waiting, answer.id))) {
            return this.confirm(merchant, id, null, nowMs, { authentication: answer.authentication });
          }
          return waiting;
        }
      }
      const failed = await this.#fail(si, pm, chargeId, { type: 'card_error', code: error.code, decline_code: error.declineCode ?? null, message: error.message }, nowMs);
      // The card attempt failed with one of the acquirer's own card errors.
      throw new AcquirerError(error.code as AcquirerErrorCode, error.message, { declineCode: error.declineCode, extra: { ...error.extra, setup_intent: setupIntentObject(failed) } });
    }
  }

  /**
   * The customer came back from the issuer's page (or the challenge
   * lapsed): the authentication's result is asked of the network, never
   * taken from the browser, and the set-up continues or fails. Null when no
   * set-up waits for this authentication.
   */
  async continueAfterAuthentication(authenticationId: string, nowMs: number): Promise<SetupIntent | null> {
    const si = await findSetupIntentByAuthentication(this.deps.db, authenticationId);
    if (si === undefined) return null;
    if (si.status !== 'requires_action' || si.authentication?.id !== authenticationId || si.paymentMethodId === null) return si;
    const merchant = await getMerchant(this.deps.db, si.merchantId);
    if (merchant === undefined) return si;
    const pm = await requirePaymentMethod(this.deps.db, merchant.id, si.paymentMethodId);
    const answer = await authenticationResult(this.deps, pm.panSealed, authenticationId);
    if (answer === null || answer.status === 'challenge') return si; // not finished yet: the customer may still complete it
    if (!(await this.#claim(si, authenticationId))) return requireSetupIntent(this.deps.db, merchant.id, si.id);
    if (answer.status === 'authenticated' && answer.authentication !== null) {
      try {
        return await this.confirm(merchant, si.id, null, nowMs, { authentication: answer.authentication });
      } catch (error) {
        // Authenticated, then declined by the issuer: the set-up records it (setup_failed); the customer sees that.
        if (error instanceof AppError && error.type === 'card_error') return requireSetupIntent(this.deps.db, merchant.id, si.id);
        throw error;
      }
    }
    return this.#fail(si, pm, si.latestAttemptId, authenticationFailure(answer.reason), nowMs);
  }

  /** Challenges past their time (abandoned): their result is asked for, which ends them (or continues one passed at the last moment). */
  async expireAuthentications(nowMs: number, limit = 100): Promise<number> {
    const due = await this.deps.db.all<{ authentication_id: string }>(
      `SELECT authentication_id FROM acquirer_setup_intents WHERE status = 'requires_action' AND authentication_expires_at_ms <= ? ORDER BY id LIMIT ?`,
      [nowMs, limit],
    );
    let ended = 0;
    for (const row of due) {
      const si = await this.continueAfterAuthentication(row.authentication_id, nowMs);
      if (si !== null && si.status !== 'requires_action') ended += 1;
    }
    return ended;
  }

  /** Takes a set-up waiting for this authentication into `processing`: only one continuation gets it. */
  async #claim(si: SetupIntent, authenticationId: string): Promise<boolean> {
    return this.deps.db.transaction(async (tx) => {
      const current = await requireSetupIntent(tx, si.merchantId, si.id, true);
      if (current.status !== 'requires_action' || current.authentication?.id !== authenticationId) return false;
      await saveSetupIntent(tx, { ...current, status: 'processing' });
      return true;
    });
  }

  async #awaitAuthentication(si: SetupIntent, pm: PaymentMethod, chargeId: string, answer: AuthenticationResponse, origin: string | undefined, nowMs: number): Promise<SetupIntent> {
    return this.deps.db.transaction(async (tx) => {
      const current = await requireSetupIntent(tx, si.merchantId, si.id, true);
      const url = answer.challengeUrl === null ? '' : `${origin ?? ''}${answer.challengeUrl}`;
      const waiting: SetupIntent = {
        ...current,
        paymentMethodId: pm.id,
        status: 'requires_action',
        latestAttemptId: chargeId,
        lastSetupError: null,
        returnUrl: si.returnUrl,
        authentication: { id: answer.id, url, expiresAtMs: answer.expiresAtMs ?? nowMs },
      };
      await saveSetupIntent(tx, waiting);
      if (answer.status === 'challenge') await this.#event(tx, waiting, 'setup_intent.requires_action', nowMs);
      return waiting;
    });
  }

  async #succeed(merchant: Merchant, si: SetupIntent, pm: PaymentMethod, chargeId: string, nowMs: number): Promise<SetupIntent> {
    const { deps } = this;
    return deps.db.transaction(async (tx) => {
      const current = await requireSetupIntent(tx, merchant.id, si.id, true);
      const fresh = (await findPaymentMethod(tx, merchant.id, pm.id, { lock: true }))!;
      if (si.customerId !== null && fresh.customerId === null) {
        await setPaymentMethodCustomer(tx, fresh, si.customerId, nowMs);
        // As Stripe sends it when a set-up attaches the card to its customer.
        await recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: merchant.id, type: 'payment_method.attached', object: paymentMethodObject({ ...fresh, customerId: si.customerId }) });
      }
      const done: SetupIntent = { ...current, paymentMethodId: pm.id, status: 'succeeded', latestAttemptId: chargeId, lastSetupError: null, returnUrl: si.returnUrl };
      await saveSetupIntent(tx, done);
      await this.#event(tx, done, 'setup_intent.succeeded', nowMs);
      return done;
    });
  }

  async #fail(si: SetupIntent, pm: PaymentMethod, chargeId: string | null, error: Record<string, unknown>, nowMs: number): Promise<SetupIntent> {
    return this.deps.db.transaction(async (tx) => {
      const current = await requireSetupIntent(tx, si.merchantId, si.id, true);
      const next: SetupIntent = {
        ...current,
        paymentMethodId: pm.id,
        status: 'requires_payment_method',
        latestAttemptId: chargeId,
        lastSetupError: { ...error, payment_method: paymentMethodObject(pm) },
        returnUrl: si.returnUrl,
      };
      await saveSetupIntent(tx, next);
      await this.#event(tx, next, 'setup_intent.setup_failed', nowMs);
      return next;
    });
  }

  #event(tx: Parameters<typeof recordEvent>[0], si: SetupIntent, type: string, nowMs: number) {
    return recordEvent(tx, { ids: this.deps.ids, nowMs }, { merchantId: si.merchantId, type, object: setupIntentObject(si) });
  }
}

/** Stripe's `last_setup_error` when the customer failed or abandoned the challenge. */
function authenticationFailure(reason: string): Record<string, unknown> {
  return {
    type: 'invalid_request_error',
    code: 'setup_intent_authentication_failure',
    decline_code: null,
    message:
      'The latest attempt to set up the payment method has failed because authentication failed. Provide a new payment method to attempt to set it up again.',
    doc_url: 'https://docs.stripe.com/error-codes/setup-intent-authentication-failure',
    // Cardlane's own addition: why (`too_many_wrong_codes`, `declined_by_cardholder`, `abandoned`, …), for the doctor.
    authentication_reason: reason,
  };
}
