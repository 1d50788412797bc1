import Stripe from 'stripe';
import type { Sql, Tx } from '../../platform/db/database.ts';
import { BillingError } from '../errors.ts';
import { BILLING_CURRENCY } from '../billing-ledger.ts';
import type { ChargeRunner } from './charge-runner.ts';
import { claimAttemptSend, findAttempt, insertAttempt, openVerification, releaseAttemptSend, type PaymentAttempt } from './payment-attempts.ts';
import type { BillingPaymentDeps } from './payment-deps.ts';
import { providerCustomerId } from './provider-customers.ts';
import { abandonedChallenge, outcomeOfError, outcomeOfUnfinishedSetup, type ProviderOutcome } from './provider-outcome.ts';
import { lockOrganization } from '../organizations.ts';

/**
 * An organization's cards. The card number never reaches billing: the
 * client tokenizes it at the provider with the publishable key and hands
 * billing the payment method id. Adding a card verifies it with a setup
 * intent (usage off_session, so it can pay auto-recharges later); the
 * provider's verification may place a temporary hold — $5 at the demo
 * merchant, as in the seed — which it releases at once. A card that fails
 * verification is not added; the attempt keeps the provider's answer.
 *
 * When the bank asks for 3-D Secure, the verification waits (`requires_action`,
 * with the challenge page's address) until the customer's browser comes back
 * to the billing page, which asks billing to finish it (`complete`); adding
 * the same card again meanwhile answers the same open verification, never a
 * second set-up. A challenge left unfinished for CHALLENGE_WINDOW_MS is given up.
 *
 * One card may be the default: the one auto-recharge and subscriptions
 * charge. Adding a card does not make it the default (the seed's fix is
 * exactly to make it one); removing the default leaves none.
 */

export interface BillingPaymentMethod {
  readonly id: string;
  readonly orgId: string;
  readonly brand: string;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly funding: string;
  readonly country: string | null;
  readonly fingerprint: string | null;
  readonly verificationAttemptId: string;
  /** The verification hold the provider placed and released, in cents; null when the provider does not say. */
  readonly verificationHoldMinor: number | null;
  /**
   * Whether the provider kept that hold past the verification (its merchant
   * setting may keep it for hours), and until when; a kept hold with no
   * time is released only when the issuer lets it lapse.
   */
  readonly verificationHoldKept: boolean;
  readonly verificationHoldReleaseAtMs: number | null;
  readonly addedAtMs: number;
  readonly isDefault: boolean;
}

const PAYMENT_METHOD_ID = /^pm_[A-Za-z0-9]{1,100}$/;
const COLUMNS = `pm.id, pm.org_id, pm.brand, pm.last4, pm.exp_month, pm.exp_year, pm.funding, pm.country, pm.fingerprint, pm.verification_attempt_id,
  pm.verification_hold_minor, pm.verification_hold_kept, pm.verification_hold_release_at_ms, pm.added_at_ms, CASE WHEN o.default_payment_method_id = pm.id THEN 1 ELSE 0 END AS is_default`;

function fromRow(row: any): BillingPaymentMethod {
  return {
    id: row.id,
    orgId: row.org_id,
    brand: row.brand,
    last4: row.last4,
    expMonth: Number(row.exp_month),
    expYear: Number(row.exp_year),
    funding: row.funding,
    country: row.country,
    fingerprint: row.fingerprint,
    verificationAttemptId: row.verification_attempt_id,
    verificationHoldMinor: row.verification_hold_minor === null ? null : Number(row.verification_hold_minor),
    verificationHoldKept: Number(row.verification_hold_kept) === 1,
    verificationHoldReleaseAtMs: row.verification_hold_release_at_ms === null ? null : Number(row.verification_hold_release_at_ms),
    addedAtMs: Number(row.added_at_ms),
    isDefault: Number(row.is_default) === 1,
  };
}

/** The organization's active cards, oldest first. */
export async function listPaymentMethods(sql: Sql, orgId: string): Promise<BillingPaymentMethod[]> {
  const rows = await sql.all(
    `SELECT ${COLUMNS} FROM billing_payment_methods pm JOIN billing_organizations o ON o.id = pm.org_id
     WHERE pm.org_id = ? AND pm.removed_at_ms IS NULL ORDER BY pm.added_at_ms, pm.id`,
    [orgId],
  );
  return rows.map(fromRow);
}

export async function findPaymentMethod(sql: Sql, orgId: string, id: string): Promise<BillingPaymentMethod | null> {
  const row = await sql.get(
    `SELECT ${COLUMNS} FROM billing_payment_methods pm JOIN billing_organizations o ON o.id = pm.org_id
     WHERE pm.org_id = ? AND pm.id = ? AND pm.removed_at_ms IS NULL`,
    [orgId, id],
  );
  return row === undefined ? null : fromRow(row);
}

export async function requirePaymentMethod(sql: Sql, orgId: string, id: string): Promise<BillingPaymentMethod> {
  const found = await findPaymentMethod(sql, orgId, id);
  if (found === null) throw new BillingError('resource_missing', `This organization has no card ${id}.`, { param: 'payment_method' });
  return found;
}

export async function defaultPaymentMethod(sql: Sql, orgId: string): Promise<BillingPaymentMethod | null> {
  const row = await sql.get<{ default_payment_method_id: string | null }>('SELECT default_payment_method_id FROM billing_organizations WHERE id = ?', [orgId]);
  return row?.default_payment_method_id ? findPaymentMethod(sql, orgId, row.default_payment_method_id) : null;
}

export type AddCardResult =
  | { readonly status: 'added'; readonly paymentMethod: BillingPaymentMethod; readonly attempt: PaymentAttempt }
  | { readonly status: 'declined'; readonly attempt: PaymentAttempt }
  | { readonly status: 'processing'; readonly attempt: PaymentAttempt }
  /** The bank wants 3-D Secure: the customer's browser goes to `redirectToUrl` and comes back to the attempt's return URL. */
  | { readonly status: 'requires_action'; readonly attempt: PaymentAttempt; readonly redirectToUrl: string };

/**
 * How long billing waits for a customer to finish a card's 3-D Secure
 * challenge before giving the verification up (cancelling the set-up at the
 * provider): the sweep asks again after a minute, and a provider that never
 * lapses a challenge itself (Stripe) would otherwise be asked forever.
 */
export const CHALLENGE_WINDOW_MS = 30 * 60_000;

/** What happens around a card's default status changing (auto-recharge resumes on a new default). */
export interface DefaultCardListener {
  defaultChanged(tx: Tx, orgId: string, paymentMethodId: string | null): Promise<void>;
}

export class PaymentMethods {
  constructor(
    private readonly deps: BillingPaymentDeps,
    private readonly runner: ChargeRunner,
    private readonly listeners: readonly DefaultCardListener[] = [],
  ) {}

  /**
   * Verifies and adds a tokenized card; adding a card the organization already has answers it again, and adding one whose
   * verification is still open answers that verification. `returnUrl` is where a 3-D Secure challenge sends the browser back
   * (the caller checks it is the billing page's own); the attempt's id is added to it as `card_attempt`.
   */
  async add(orgId: string, paymentMethodId: string, options: { readonly returnUrl?: string | null } = {}): Promise<AddCardResult> {
    if (typeof paymentMethodId !== 'string' || !PAYMENT_METHOD_ID.test(paymentMethodId)) {
      throw new BillingError('parameter_invalid', 'payment_method must be a payment method id (pm_…) made with the publishable key.', { param: 'payment_method' });
    }
    // A card id another organization has, or had, is not this one's to add: asked of the provider it either failed as a "decline"
    // (attached to the other's customer) or, once the other had removed it, overwrote the other's row and answered a 500.
    const owner = await this.deps.db.get<{ org_id: string }>('SELECT org_id FROM billing_payment_methods WHERE id = ?', [paymentMethodId]);
    if (owner !== undefined && owner.org_id !== orgId) throw new BillingError('resource_missing', `No payment method ${paymentMethodId}.`, { param: 'payment_method' });
    const existing = await findPaymentMethod(this.deps.db, orgId, paymentMethodId);
    if (existing !== null) {
      return { status: 'added', paymentMethod: existing, attempt: (await findAttempt(this.deps.db, existing.verificationAttemptId))! };
    }
    // A second press of "add" while the bank's challenge is open: the same verification, not a second set-up (and a second hold).
    const open = await openVerification(this.deps.db, orgId, paymentMethodId);
    if (open !== null) return this.verify(open);
    const id = this.deps.ids.next('bpa');
    const attempt = await this.deps.db.transaction((tx) =>
      insertAttempt(tx, {
        id,
        orgId,
        kind: 'verification',
        amountMinor: 0,
        currency: BILLING_CURRENCY,
        paymentMethodId,
        initiator: 'customer',
        createdAtMs: this.deps.clock.nowMs(),
        returnUrl: options.returnUrl ? withAttempt(options.returnUrl, id) : null,
      }),
    );
    return this.verify(attempt);
  }

  /**
   * Finishes a card verification when the customer's browser comes back from
   * the bank's challenge: the provider's set-up intent is read (the browser's
   * word for how it went is never taken), and the card is added or the
   * attempt fails with the provider's answer. Still waiting, it answers
   * `requires_action` again; finished, it answers what it finished as.
   */
  async complete(orgId: string, attemptId: string): Promise<AddCardResult> {
    const attempt = typeof attemptId === 'string' && attemptId.length <= 100 ? await findAttempt(this.deps.db, attemptId) : null;
    if (attempt === null || attempt.orgId !== orgId || attempt.kind !== 'verification') {
      throw new BillingError('resource_missing', `No card verification ${String(attemptId).slice(0, 100)}.`, { param: 'attempt' });
    }
    if (attempt.status !== 'processing') return this.#result(attempt);
    return this.verify(attempt);
  }

  /** Runs (or, from the sweep, re-runs with the same idempotency key) a card's verification and records what came of it. */
  async verify(given: PaymentAttempt): Promise<AddCardResult> {
    // As ChargeRunner.run: one sender of this attempt's key at a time; then the attempt as it is now.
    const lease = await claimAttemptSend(this.deps.db, given.id, this.deps.clock.nowMs());
    if (lease === null) return this.#result((await findAttempt(this.deps.db, given.id)) ?? given);
    try {
      return await this.#verify((await findAttempt(this.deps.db, given.id)) ?? given);
    } finally {
      await releaseAttemptSend(this.deps.db, given.id, lease);
    }
  }

  async #verify(attempt: PaymentAttempt): Promise<AddCardResult> {
    const stripe = this.deps.provider.stripe();
    let card: Stripe.PaymentMethod | null = null;
    let hold: VerificationHold | null = null;
    let outcome: ProviderOutcome;
    let challenge: string | null = null;
    try {
      // A verification the provider left `processing` is read, not created again (see ChargeRunner.charge).
      const intent =
        attempt.providerIntentId !== null
          ? await stripe.setupIntents.retrieve(attempt.providerIntentId)
          : await stripe.setupIntents.create(
              {
                customer: await providerCustomerId(this.deps, attempt.orgId),
                payment_method: attempt.paymentMethodId,
                confirm: true,
                usage: 'off_session',
                ...(attempt.returnUrl === null ? {} : { return_url: attempt.returnUrl }),
                metadata: { cardlane_billing_attempt: attempt.id, cardlane_org_id: attempt.orgId, kind: 'verification' },
              },
              { idempotencyKey: `cardlane-billing-${attempt.id}` },
            );
      if (intent.status === 'succeeded') {
        card = await stripe.paymentMethods.retrieve(attempt.paymentMethodId);
        hold = await verificationHold(stripe, intent);
        outcome = { kind: 'succeeded', intentId: intent.id, chargeId: hold.chargeId, ...(hold.amountMinor === null ? {} : { amountMinor: hold.amountMinor }) };
      } else if (intent.status === 'requires_action' && this.deps.clock.nowMs() - attempt.createdAtMs >= CHALLENGE_WINDOW_MS) {
        // Cancelled first, so the customer cannot finish a challenge for a verification billing has already given up.
        const cancelled = await cancelAbandonedSetup(stripe, intent.id);
        outcome =
          cancelled === null
            ? { kind: 'unknown', reason: `card verification ${intent.id} moved on while being abandoned` }
            : cancelled.status === 'canceled'
              ? abandonedChallenge(intent.id)
              : await outcomeOfUnfinishedSetup(stripe, cancelled);
      } else {
        challenge = intent.status === 'requires_action' ? (intent.next_action?.redirect_to_url?.url ?? null) : null;
        outcome = await outcomeOfUnfinishedSetup(stripe, intent);
      }
    } catch (error) {
      outcome = await outcomeOfError(stripe, error);
    }
    const saved = card;
    const kept = hold;
    const finished = await this.runner.finish(attempt, outcome, {
      succeeded: async (tx, done) => {
        if (saved?.card === undefined || saved.card === null) throw new Error(`payment method ${done.paymentMethodId} has no card`);
        await insertPaymentMethod(tx, done, saved.card, outcome.kind === 'succeeded' && outcome.amountMinor !== undefined ? outcome.amountMinor : null, kept, this.deps.clock.nowMs());
      },
    });
    if (finished.status === 'processing' && challenge !== null) return { status: 'requires_action', attempt: finished, redirectToUrl: challenge };
    return this.#result(finished);
  }

  async #result(attempt: PaymentAttempt): Promise<AddCardResult> {
    if (attempt.status === 'processing') return { status: 'processing', attempt };
    if (attempt.status === 'failed') return { status: 'declined', attempt };
    return { status: 'added', attempt, paymentMethod: (await findPaymentMethod(this.deps.db, attempt.orgId, attempt.paymentMethodId))! };
  }

  async setDefault(orgId: string, paymentMethodId: string): Promise<BillingPaymentMethod> {
    await this.deps.db.transaction(async (tx) => {
      await lockOrganization(tx, orgId);
      await requirePaymentMethod(tx, orgId, paymentMethodId);
      const before = await tx.get<{ default_payment_method_id: string | null }>('SELECT default_payment_method_id FROM billing_organizations WHERE id = ?', [orgId]);
      await tx.run('UPDATE billing_organizations SET default_payment_method_id = ? WHERE id = ?', [paymentMethodId, orgId]);
      if (before?.default_payment_method_id !== paymentMethodId) for (const listener of this.listeners) await listener.defaultChanged(tx, orgId, paymentMethodId);
    });
    // The provider's customer gets the same default, so invoices and dashboards there agree; best effort, billing's own record is the truth.
    await this.mirrorDefault(orgId, paymentMethodId);
    return requirePaymentMethod(this.deps.db, orgId, paymentMethodId);
  }

  /** Removes a card (detached at the provider too). Removing the default leaves the organization with none. */
  async remove(orgId: string, paymentMethodId: string): Promise<void> {
    await requirePaymentMethod(this.deps.db, orgId, paymentMethodId);
    try {
      await this.deps.provider.stripe().paymentMethods.detach(paymentMethodId);
    } catch (error) {
      // Already detached at the provider is what we want; anything else must not leave billing thinking the card is gone while the provider still holds it.
      if ((error as { code?: string }).code !== 'payment_method_unexpected_state') throw error;
    }
    await this.deps.db.transaction(async (tx) => {
      await lockOrganization(tx, orgId);
      await tx.run('UPDATE billing_payment_methods SET removed_at_ms = ? WHERE id = ? AND org_id = ? AND removed_at_ms IS NULL', [this.deps.clock.nowMs(), paymentMethodId, orgId]);
      const cleared = await tx.run('UPDATE billing_organizations SET default_payment_method_id = NULL WHERE id = ? AND default_payment_method_id = ?', [orgId, paymentMethodId]);
      if (cleared > 0) for (const listener of this.listeners) await listener.defaultChanged(tx, orgId, null);
    });
  }

  private async mirrorDefault(orgId: string, paymentMethodId: string): Promise<void> {
    try {
      const customer = await providerCustomerId(this.deps, orgId);
      await this.deps.provider.stripe().customers.update(customer, { invoice_settings: { default_payment_method: paymentMethodId } });
    } catch {
      // Billing charges the card it recorded as default, not the provider's; a failed mirror changes no payment.
    }
  }
}

/** The return URL with the verification's id, so the page knows which verification to finish when the browser comes back. */
function withAttempt(returnUrl: string, attemptId: string): string {
  const url = new URL(returnUrl);
  url.searchParams.set('card_attempt', attemptId);
  return url.toString();
}

async function insertPaymentMethod(
  tx: Tx,
  attempt: PaymentAttempt,
  card: Stripe.PaymentMethod.Card,
  holdMinor: number | null,
  hold: VerificationHold | null,
  nowMs: number,
): Promise<void> {
  await tx.run(
    `INSERT INTO billing_payment_methods (id, org_id, brand, last4, exp_month, exp_year, funding, country, fingerprint, verification_attempt_id, verification_hold_minor,
       verification_hold_kept, verification_hold_release_at_ms, added_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET removed_at_ms = NULL, verification_attempt_id = excluded.verification_attempt_id,
       verification_hold_minor = excluded.verification_hold_minor, verification_hold_kept = excluded.verification_hold_kept,
       verification_hold_release_at_ms = excluded.verification_hold_release_at_ms, added_at_ms = excluded.added_at_ms
     WHERE billing_payment_methods.org_id = excluded.org_id`,
    [attempt.paymentMethodId, attempt.orgId, card.brand, card.last4, card.exp_month, card.exp_year, card.funding, card.country ?? null, card.fingerprint ?? null,
      attempt.id, holdMinor, hold?.kept === true ? 1 : 0, hold?.releaseAtMs ?? null, nowMs],
  );
}

/**
 * The hold the provider's verification placed. Cardlane's acquirer names the
 * verification charge in `latest_attempt`; Stripe names a SetupAttempt there
 * and shows no amount — then the hold is unknown (null), not invented.
 */
interface VerificationHold {
  readonly chargeId: string | null;
  readonly amountMinor: number | null;
  /** Still held after the verification (Cardlane's `cardlane_verification_hold`); Stripe releases at once, so false when the provider does not say. */
  readonly kept: boolean;
  readonly releaseAtMs: number | null;
}

/**
 * Cancels a set-up whose challenge was abandoned; null when the provider
 * refuses because the set-up moved on meanwhile (the customer finished the
 * challenge at the last moment: `processing`, or already succeeded). Then
 * the attempt stays `processing` and the sweep reads the set-up again.
 */
async function cancelAbandonedSetup(stripe: Stripe, intentId: string): Promise<Stripe.SetupIntent | null> {
  try {
    return await stripe.setupIntents.cancel(intentId, { cancellation_reason: 'abandoned' });
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'setup_intent_unexpected_state') return null;
    throw error;
  }
}

async function verificationHold(stripe: Stripe, intent: Stripe.SetupIntent): Promise<VerificationHold> {
  const latest = typeof intent.latest_attempt === 'string' ? intent.latest_attempt : (intent.latest_attempt?.id ?? null);
  if (latest === null || !latest.startsWith('ch_')) return { chargeId: null, amountMinor: null, kept: false, releaseAtMs: null };
  try {
    const charge = await stripe.charges.retrieve(latest);
    const state = (charge as { cardlane_verification_hold?: { held?: unknown; release_at?: unknown } }).cardlane_verification_hold;
    const kept = state?.held === true;
    const releaseAt = typeof state?.release_at === 'number' && Number.isSafeInteger(state.release_at) ? state.release_at * 1000 : null;
    return { chargeId: charge.id, amountMinor: charge.amount, kept, releaseAtMs: kept ? releaseAt : null };
  } catch {
    return { chargeId: latest, amountMinor: null, kept: false, releaseAtMs: null };
  }
}
