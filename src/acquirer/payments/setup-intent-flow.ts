import type { AuthenticationData, AuthenticationResponse } from '../../network/messages.ts';
import { AppError } from '../../platform/errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import { AcquirerError, type AcquirerErrorCode } from '../errors.ts';
import { recordEvent } from '../events/events.ts';
import { requireCustomer } from '../customers/customers.ts';
import { getMerchant, type Merchant } from '../merchants/merchants.ts';
import type { Tx } from '../../platform/db/database.ts';
import type { OpenedAttempt } from './card-attempt.ts';
import { completeVerification, openVerification, releaseVerificationNow, verificationAttempt, type VerificationSpec } from './card-verification.ts';
import { findCharge, type Charge } from './charge-store.ts';
import type { PendingAuthentication } from './payment-intent-store.ts';
import { authenticationResult, requestAuthentication } from './payment-authentication.ts';
import { paymentMethodObject, requirePaymentMethod, type PaymentMethod } from './payment-method-store.ts';
import { saveCardToCustomer } from './save-card-to-customer.ts';
import { claimAfter, findSetupIntentByAuthentication, requireSetupIntent, saveSetupIntent, setupIntentObject, type SetupIntent, type SetupIntentStatus } from './setup-intent-store.ts';

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
 * Exactly once: every verification is sent under a claim. The transaction
 * that takes the set-up into `processing` (a confirm from a confirmable
 * state; a continuation from `requires_action` waiting for this very
 * authentication) records the claim and the verification's attempt
 * together, before anything goes to the network; a second confirm meanwhile
 * is refused (`setup_intent_unexpected_state`, as at Stripe), a second
 * return answers the set-up as it stands. A confirm finishes the set-up
 * only if it still holds its claim: one canceled meanwhile stays canceled
 * (the verification released), and a claim left by a crash is taken over
 * by the sweep (resumeStuck), which resumes the same attempt — its network
 * id makes a resend a repeat at the issuer, so one authorization and one
 * `setup_intent.succeeded` (or `setup_failed`). The authentication's id
 * comes from the verification's network id too, so asking again after a
 * crash is a repeat at the issuer, never a second challenge.
 */

export interface ConfirmOptions {
  /** Stripe's `return_url` for a redirect (kept from create when absent). */
  readonly returnUrl?: string | null;
  /** This server as the client reached it: the issuer's page becomes an absolute URL. */
  readonly origin?: string;
}

/** The states a confirm starts from (confirming again while a challenge waits starts over, as at Stripe). */
const CONFIRMABLE: readonly SetupIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/** A verification a claim sent (or is about to): the set-up as claimed, and what the attempt is. */
interface ClaimedAttempt {
  readonly si: SetupIntent;
  readonly merchant: Merchant;
  readonly pm: PaymentMethod;
  readonly spec: VerificationSpec;
  readonly opened: Pick<OpenedAttempt, 'charge' | 'block'> & { activeRules?: OpenedAttempt['activeRules'] };
}

export class SetupIntentFlow {
  constructor(
    private readonly deps: AcquirerDeps,
    private readonly cvcCache: CvcCache,
  ) {}

  async confirm(merchant: Merchant, id: string, pmOverride: string | null, nowMs: number, options: ConfirmOptions = {}): Promise<SetupIntent> {
    const { deps } = this;
    const si = await requireSetupIntent(deps.db, merchant.id, id);
    refuseUnlessConfirmable(si);
    const pmId = pmOverride ?? si.paymentMethodId;
    if (pmId === null) throw new AcquirerError('setup_intent_unexpected_state', "You cannot confirm this SetupIntent because it's missing a payment method.", { param: 'payment_method' });
    const pm = await requirePaymentMethod(deps.db, merchant.id, pmId);
    if (pm.customerId !== null && si.customerId !== null && pm.customerId !== si.customerId) {
      throw new AcquirerError('parameter_invalid', `The provided PaymentMethod ${pm.id} belongs to a different customer.`, { param: 'payment_method' });
    }
    const returnUrl = options.returnUrl !== undefined ? options.returnUrl : si.returnUrl;
    // The claim and the verification's record in one transaction, before anything goes to the network: of two confirms
    // at once (a double click), the second finds the first's claim under the row lock and is refused, having sent
    // nothing; a cancel that came first is seen too. A challenge waiting is dropped (its return finds no set-up).
    const claimed = await deps.db.transaction(async (tx) => {
      const current = await requireSetupIntent(tx, merchant.id, id, true);
      refuseUnlessConfirmable(current);
      // A customer deleted since the set-up named it: refused before anything is sent or written (Stripe refuses a
      // deleted customer; its cards went with it). One deleted while the card is being verified: #succeed.
      if (current.customerId !== null) await requireCustomer(tx, merchant.id, current.customerId, 'customer');
      return this.#claimAttempt(tx, merchant, { ...current, paymentMethodId: pm.id, returnUrl, authentication: null }, pm, null, nowMs);
    });
    return this.#runAttempt(claimed, options.origin, nowMs);
  }

  /** `PaymentIntents.refuseDeletedCustomer` for a set-up: asked before its confirm vaults a card. */
  async refuseDeletedCustomer(merchantId: string, id: string): Promise<void> {
    const si = await requireSetupIntent(this.deps.db, merchantId, id);
    if (CONFIRMABLE.includes(si.status) && si.customerId !== null) await requireCustomer(this.deps.db, merchantId, si.customerId, 'customer');
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
    if (!waitsFor(si, authenticationId) || si.paymentMethodId === null) return si;
    const merchant = await getMerchant(this.deps.db, si.merchantId);
    if (merchant === undefined) return si;
    const pm = await requirePaymentMethod(this.deps.db, merchant.id, si.paymentMethodId);
    const answer = await authenticationResult(this.deps, pm.panSealed, authenticationId);
    if (answer === null || answer.status === 'challenge') return si; // not finished yet: the customer may still complete it
    if (answer.status !== 'authenticated' || answer.authentication === null) {
      // Failed or abandoned: one transaction, nothing sent; a second return finds the set-up no longer waiting.
      return this.deps.db.transaction(async (tx) => {
        const current = await requireSetupIntent(tx, merchant.id, si.id, true);
        if (!waitsFor(current, authenticationId)) return current;
        return this.#recordFailure(tx, current, pm, current.latestAttemptId, authenticationFailure(answer.reason), nowMs);
      });
    }
    const authentication = answer.authentication;
    // Only one return (or the sweep) claims it: the verification with the value is sent once.
    const claimed = await this.deps.db.transaction(async (tx) => {
      const current = await requireSetupIntent(tx, merchant.id, si.id, true);
      return waitsFor(current, authenticationId) ? this.#claimAttempt(tx, merchant, current, pm, authentication, nowMs) : null;
    });
    if (claimed === null) return requireSetupIntent(this.deps.db, merchant.id, si.id);
    return this.#answered(claimed.si, this.#runAttempt(claimed, undefined, nowMs));
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

  /**
   * Finishes set-ups left `processing` — the process died between its claim
   * and its end — once the claim is `olderThanMs` old (far longer than the
   * network's time-out, so no live confirm still holds it). Each is
   * re-claimed under its row lock (only if still the claim it found: two
   * sweeps never both resume one) and its verification is resumed: sent
   * again with its own network id if it was pending (a repeat at the issuer:
   * one authorization, one hold), with the authentication it carried, which
   * the network answers again; or finished as it was settled.
   */
  async resumeStuck(nowMs: number, olderThanMs: number, limit = 100): Promise<number> {
    const stuck = await this.deps.db.all<{ id: string; merchant_id: string }>(
      // Oldest claim first: one that cannot be resumed now is re-claimed (#resume), which sends it to the back.
      `SELECT id, merchant_id FROM acquirer_setup_intents WHERE status = 'processing' AND claimed_at_ms <= ? ORDER BY claimed_at_ms LIMIT ?`,
      [nowMs - olderThanMs, limit],
    );
    let finished = 0;
    const failures: unknown[] = [];
    for (const row of stuck) {
      const merchant = await getMerchant(this.deps.db, row.merchant_id);
      if (merchant === undefined) continue;
      try {
        const si = await this.#resume(merchant, row.id, nowMs - olderThanMs, nowMs);
        if (si.status !== 'processing') finished += 1;
      } catch (error) {
        // One set-up that cannot be finished now (the network unreachable, a bug) must not hold up the others.
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${stuck.length} stuck set-ups could not be resumed`);
    return finished;
  }

  async #resume(merchant: Merchant, id: string, claimedBy: number, nowMs: number): Promise<SetupIntent> {
    const si = await requireSetupIntent(this.deps.db, merchant.id, id);
    if (si.status !== 'processing' || si.claimedAtMs === null || si.claimedAtMs > claimedBy || si.paymentMethodId === null || si.latestAttemptId === null) return si;
    const pm = await requirePaymentMethod(this.deps.db, merchant.id, si.paymentMethodId);
    // A set-up has an authentication while processing only when its attempt carries it (#claimAttempt): asked again, the same answer.
    const answer = si.authentication === null ? null : await authenticationResult(this.deps, pm.panSealed, si.authentication.id);
    if (si.authentication !== null && answer?.authentication == null) {
      // The network cannot say now: re-claimed, so the next sweeps ask again after the others, not before them.
      return this.#whileClaimed(si, async (tx, current) => {
        const later: SetupIntent = { ...current, claimedAtMs: claimAfter(current, nowMs) };
        await saveSetupIntent(tx, later);
        return later;
      }).then((result) => ('stale' in result ? result.stale : result));
    }
    const claimed = await this.deps.db.transaction(async (tx) => {
      const current = await requireSetupIntent(tx, merchant.id, id, true);
      if (!sameClaim(current, si)) return null;
      const charge = (await findCharge(tx, merchant.id, current.latestAttemptId!))!;
      if (answer?.authentication != null && charge.networkResponseCode === '1A') {
        // Left by a continuation cut short before it recorded an attempt of its own (code before migration
        // acquirer/019 claimed first and recorded later): the attempt to resume is the verification with the
        // authentication, not the 1A that asked for it — a new one, under a new claim.
        return this.#claimAttempt(tx, merchant, current, pm, answer.authentication, nowMs);
      }
      const resumed: SetupIntent = { ...current, claimedAtMs: claimAfter(current, nowMs) };
      await saveSetupIntent(tx, resumed);
      const spec = verificationSpec(merchant, resumed, pm, answer?.authentication ?? null, nowMs);
      return { si: resumed, merchant, pm, spec, opened: { charge, block: null } };
    });
    if (claimed === null) return requireSetupIntent(this.deps.db, merchant.id, id);
    return this.#answered(claimed.si, this.#runAttempt(claimed, undefined, nowMs));
  }

  /**
   * Takes the set-up into `processing` under a new claim, with a new
   * verification attempt recorded as its latest (in the caller's
   * transaction, which holds the row lock and checked the state it comes
   * from). The authentication the attempt carries, if any, stays on the
   * set-up, so the sweep can ask for it again.
   */
  async #claimAttempt(tx: Tx, merchant: Merchant, si: SetupIntent, pm: PaymentMethod, authentication: AuthenticationData | null, nowMs: number): Promise<ClaimedAttempt> {
    const spec = verificationSpec(merchant, si, pm, authentication, nowMs);
    const opened = await openVerification(tx, this.deps, spec);
    const claimed: SetupIntent = {
      ...si,
      status: 'processing',
      paymentMethodId: pm.id,
      latestAttemptId: opened.charge.id,
      authentication: authentication === null ? null : si.authentication,
      claimedAtMs: claimAfter(si, nowMs),
    };
    await saveSetupIntent(tx, claimed);
    return { si: claimed, merchant, pm, spec, opened };
  }

  /** Sends the claimed verification and finishes the set-up by its answer. */
  async #runAttempt(attempt: ClaimedAttempt, origin: string | undefined, nowMs: number): Promise<SetupIntent> {
    let charge: Charge;
    try {
      charge = await completeVerification(this.deps, this.cvcCache, attempt.spec, attempt.opened);
    } catch (error) {
      if (!(error instanceof AppError) || error.type !== 'card_error') throw error;
      return this.#declined(attempt, error, origin, nowMs);
    }
    return this.#succeed(attempt, charge, nowMs);
  }

  /**
   * The verification declined. A first attempt the issuer answered 1A goes
   * through 3-D Secure (asked again after a crash, the same authentication:
   * its id is the attempt's); anything else fails the set-up and the client
   * gets the card error.
   */
  async #declined(attempt: ClaimedAttempt, error: AppError, origin: string | undefined, nowMs: number): Promise<SetupIntent> {
    const { charge } = attempt.opened;
    if (attempt.spec.authentication == null && error.extra?.network_decline_code === '1A') {
      const answer = await requestAuthentication(this.deps, verificationAttempt(attempt.spec), charge);
      if (answer !== null && answer.status === 'challenge') return this.#awaitChallenge(attempt, answer, origin, nowMs);
      // Frictionless: the issuer authenticated at once; the verification goes again with the value, under a new claim.
      if (answer !== null && answer.status === 'authenticated' && answer.authentication !== null) {
        const authentication = answer.authentication;
        const next = await this.#whileClaimed(attempt.si, (tx, current) =>
          this.#claimAttempt(tx, attempt.merchant, { ...current, authentication: pendingAuthentication(answer, origin, nowMs) }, attempt.pm, authentication, nowMs),
        );
        return 'stale' in next ? next.stale : this.#runAttempt(next, origin, nowMs);
      }
    }
    const cardError = { type: 'card_error', code: error.code, decline_code: error.declineCode ?? null, message: error.message };
    const failed = await this.#whileClaimed(attempt.si, (tx, current) => this.#recordFailure(tx, current, attempt.pm, charge.id, cardError, nowMs));
    if ('stale' in failed) return failed.stale;
    // The card attempt failed with one of the acquirer's own card errors.
    throw new AcquirerError(error.code as AcquirerErrorCode, error.message, { declineCode: error.declineCode, extra: { ...error.extra, setup_intent: setupIntentObject(failed) } });
  }

  /** The set-up waits in `requires_action` for the customer's challenge (`setup_intent.requires_action`). */
  async #awaitChallenge(attempt: ClaimedAttempt, answer: AuthenticationResponse, origin: string | undefined, nowMs: number): Promise<SetupIntent> {
    const waiting = await this.#whileClaimed(attempt.si, async (tx, current) => {
      const next: SetupIntent = { ...current, status: 'requires_action', lastSetupError: null, authentication: pendingAuthentication(answer, origin, nowMs) };
      await saveSetupIntent(tx, next);
      await this.#event(tx, next, 'setup_intent.requires_action', nowMs);
      return next;
    });
    return 'stale' in waiting ? waiting.stale : waiting;
  }

  /**
   * The card is saved to the customer and the set-up succeeds — only if it
   * is still the one this attempt claimed: a set-up canceled meanwhile stays
   * canceled, one the sweep took over is finished by it, and the
   * verification made here does not stand (released, when it holds money).
   */
  async #succeed(attempt: ClaimedAttempt, charge: Charge, nowMs: number): Promise<SetupIntent> {
    const { deps } = this;
    const { merchant, pm } = attempt;
    const done = await this.#whileClaimed(attempt.si, async (tx, current) => {
      // The set-up's lock, then its customer's, then the card's. A customer deleted while the card was being verified
      // keeps no card: the set-up still succeeds (the card was verified), the card stays unattached.
      if (current.customerId !== null) {
        await saveCardToCustomer(tx, { ids: deps.ids, nowMs }, { merchantId: merchant.id, paymentMethodId: pm.id, customerId: current.customerId });
      }
      const succeeded: SetupIntent = { ...current, status: 'succeeded', latestAttemptId: charge.id, lastSetupError: null };
      await saveSetupIntent(tx, succeeded);
      await this.#event(tx, succeeded, 'setup_intent.succeeded', nowMs);
      return succeeded;
    });
    if (!('stale' in done)) return done;
    // It stands only if the sweep finishes (or finished) the set-up with this very verification, resumed.
    const standing = done.stale.latestAttemptId === charge.id && (done.stale.status === 'processing' || done.stale.status === 'succeeded');
    if (!standing) await releaseVerificationNow(deps, charge, nowMs);
    return done.stale;
  }

  /** Back to `requires_payment_method` with `last_setup_error` (`setup_intent.setup_failed`), in the caller's transaction. */
  async #recordFailure(tx: Tx, current: SetupIntent, pm: PaymentMethod, chargeId: string | null, error: Record<string, unknown>, nowMs: number): Promise<SetupIntent> {
    const next: SetupIntent = {
      ...current,
      paymentMethodId: pm.id,
      status: 'requires_payment_method',
      latestAttemptId: chargeId,
      lastSetupError: { ...error, payment_method: paymentMethodObject(pm) },
    };
    await saveSetupIntent(tx, next);
    await this.#event(tx, next, 'setup_intent.setup_failed', nowMs);
    return next;
  }

  /**
   * Runs `change` under the set-up's row lock if it still holds `claimed`'s
   * claim; otherwise changes nothing and gives the set-up as it now stands
   * (another confirm's claim never meets this one: a confirm is refused
   * while a claim holds; a cancel, or the sweep's re-claim of an old one).
   */
  async #whileClaimed<T>(claimed: SetupIntent, change: (tx: Tx, current: SetupIntent) => Promise<T>): Promise<T | { stale: SetupIntent }> {
    return this.deps.db.transaction(async (tx) => {
      const current = await requireSetupIntent(tx, claimed.merchantId, claimed.id, true);
      return sameClaim(current, claimed) ? change(tx, current) : { stale: current };
    });
  }

  /** A continuation's or the sweep's answer: a decline it recorded is the set-up's state, not an error for the browser. */
  async #answered(claimed: SetupIntent, finishing: Promise<SetupIntent>): Promise<SetupIntent> {
    try {
      return await finishing;
    } catch (error) {
      if (error instanceof AppError && error.type === 'card_error') return requireSetupIntent(this.deps.db, claimed.merchantId, claimed.id);
      throw error;
    }
  }

  #event(tx: Parameters<typeof recordEvent>[0], si: SetupIntent, type: string, nowMs: number) {
    return recordEvent(tx, { ids: this.deps.ids, nowMs }, { merchantId: si.merchantId, type, object: setupIntentObject(si) });
  }
}

function refuseUnlessConfirmable(si: SetupIntent): void {
  if (!CONFIRMABLE.includes(si.status)) {
    throw new AcquirerError('setup_intent_unexpected_state', `You cannot confirm this SetupIntent because it has a status of ${si.status}.`);
  }
}

function waitsFor(si: SetupIntent, authenticationId: string): boolean {
  return si.status === 'requires_action' && si.authentication?.id === authenticationId;
}

/** Whether `current` is still in `processing` under the claim `claimed` took (claims are unique per set-up: claimAfter). */
function sameClaim(current: SetupIntent, claimed: SetupIntent): boolean {
  return current.status === 'processing' && current.claimedAtMs === claimed.claimedAtMs;
}

function verificationSpec(merchant: Merchant, si: SetupIntent, pm: PaymentMethod, authentication: AuthenticationData | null, nowMs: number): VerificationSpec {
  return { merchant, pm, customerId: si.customerId, setupIntentId: si.id, nowMs, authentication };
}

function pendingAuthentication(answer: AuthenticationResponse, origin: string | undefined, nowMs: number): PendingAuthentication {
  return { id: answer.id, url: answer.challengeUrl === null ? '' : `${origin ?? ''}${answer.challengeUrl}`, expiresAtMs: answer.expiresAtMs ?? nowMs };
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
