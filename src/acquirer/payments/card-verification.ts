import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import type { Merchant } from '../merchants/merchants.ts';
import { declineError, openAttempt, reverseAuthorization, sendAttempt, settleAttempt } from './card-attempt.ts';
import { CHARGE_COLUMNS, chargeFromRow, saveCharge, type Charge } from './charge-store.ts';
import { stripeDeclineForBlock } from './decline-mapping.ts';
import { paymentMethodObject, savePaymentMethodChecks, type PaymentMethod } from './payment-method-store.ts';

/**
 * Card verification, as Stripe does when a card is attached or set up for
 * later: an account-verification authorization (customer-initiated; it
 * checks the card, CVC and address), reversed at once. Its amount is the
 * merchant account's setting: 0 by default, a zero-amount verification that
 * holds nothing, as Stripe does; or a small verification hold (the seed's
 * "$5 when you add a card"), as acquirers configure per merchant account —
 * the cardholder sees the hold and its release, and a card that cannot cover
 * it is declined `insufficient_funds` and not saved. A card the issuer
 * declines is not saved — except a card that passes verification and
 * declines every real charge (Stripe's 4000000000000341), which is exactly
 * why the verification proves less than merchants hope.
 */
export async function verifyCard(
  deps: AcquirerDeps,
  cvcCache: CvcCache,
  spec: { merchant: Merchant; pm: PaymentMethod; customerId: string | null; setupIntentId: string | null; nowMs: number },
): Promise<Charge> {
  const attempt = {
    merchant: spec.merchant,
    pm: spec.pm,
    amountMinor: spec.merchant.cardVerificationAmountMinor,
    currency: spec.merchant.defaultCurrency,
    purpose: 'account_verification' as const,
    initiator: 'customer' as const,
    customerId: spec.customerId,
    paymentIntentId: null,
    setupIntentId: spec.setupIntentId,
    nowMs: spec.nowMs,
  };
  const { charge, block } = await deps.db.transaction((tx) => openAttempt(tx, deps, attempt));
  const pmExtra = { payment_method: paymentMethodObject(spec.pm) };
  if (block !== null) throw declineError(charge, stripeDeclineForBlock(block.declineCode), pmExtra);
  const result = await sendAttempt(deps, cvcCache, attempt, charge);
  const settled = settleAttempt(charge, spec.pm, result);
  // Saved with its authorization still open before the release is sent: if
  // the release cannot go through now, the sweep (releaseOpenVerifications)
  // finds the hold and sends it again, instead of the cardholder's money
  // staying held until the authorization expires.
  await deps.db.transaction(async (tx) => {
    await saveCharge(tx, settled.charge);
    await savePaymentMethodChecks(tx, spec.pm.id, settled.charge.checks ?? spec.pm.checks, spec.pm.checks);
  });
  const final: Charge = { ...settled.charge, authorizationOpen: false };
  if (settled.decline === null && result.postBlock === null) {
    await reverseAuthorization(deps, settled.charge, releaseMessageId(charge));
    await deps.db.transaction((tx) => saveCharge(tx, final));
  }
  if (settled.decline !== null) throw declineError(final, settled.decline, pmExtra);
  return final;
}

/** The release's message id: the same on every retry, so the issuer applies it once. */
function releaseMessageId(charge: Charge): string {
  return `${charge.networkId}.verified`;
}

/**
 * Releases verification holds whose release did not go through (the network
 * answered 91/96, or the process stopped in between): every approved
 * verification charge still open after `olderThanMs`. Re-sending the same
 * release is a repeat at the issuer, so several processes may sweep at once.
 */
export async function releaseOpenVerifications(deps: AcquirerDeps, nowMs: number, olderThanMs: number, limit = 100): Promise<number> {
  const rows = await deps.db.all<Parameters<typeof chargeFromRow>[0]>(
    `SELECT ${CHARGE_COLUMNS} FROM acquirer_charges
     WHERE purpose = 'account_verification' AND authorization_open = 1 AND status = 'succeeded' AND created_at_ms <= ? ORDER BY created_at_ms LIMIT ?`,
    [nowMs - olderThanMs, limit],
  );
  let released = 0;
  for (const charge of rows.map(chargeFromRow)) {
    try {
      await reverseAuthorization(deps, charge, releaseMessageId(charge));
    } catch {
      continue; // still unavailable: the next sweep tries again
    }
    await deps.db.run('UPDATE acquirer_charges SET authorization_open = 0 WHERE id = ? AND authorization_open = 1', [charge.id]);
    released += 1;
  }
  return released;
}
