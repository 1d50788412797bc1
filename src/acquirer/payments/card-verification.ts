import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import type { Merchant } from '../merchants/merchants.ts';
import { holdReleaseAtMs } from '../merchants/verification-hold-release.ts';
import type { AuthenticationData } from '../../network/messages.ts';
import type { Tx } from '../../platform/db/database.ts';
import { declineError, openAttempt, reverseAuthorization, sendAttempt, settleAttempt, type AttemptSpec, type OpenedAttempt } from './card-attempt.ts';
import { CHARGE_COLUMNS, chargeFromRow, saveCharge, type Charge } from './charge-store.ts';
import { stripeDeclineForBlock, type StripeDecline } from './decline-mapping.ts';
import { paymentMethodObject, savePaymentMethodChecks, type PaymentMethod } from './payment-method-store.ts';

/**
 * Card verification, as Stripe does when a card is attached or set up for
 * later: an account-verification authorization (customer-initiated; it
 * checks the card, CVC and address), reversed at once — or, for a merchant
 * account whose `verification_hold_release` keeps holds, at the time it
 * says (merchants/verification-hold-release.ts). Its amount is the
 * merchant account's setting: 0 by default, a zero-amount verification that
 * holds nothing, as Stripe does; or a small verification hold (the seed's
 * "$5 when you add a card"), as acquirers configure per merchant account —
 * the cardholder sees the hold and its release, and a card that cannot cover
 * it is declined `insufficient_funds` and not saved. A card the issuer
 * declines is not saved — except a card that passes verification and
 * declines every real charge (Stripe's 4000000000000341), which is exactly
 * why the verification proves less than merchants hope.
 */
export async function verifyCard(deps: AcquirerDeps, cvcCache: CvcCache, spec: VerificationSpec): Promise<Charge> {
  const opened = await deps.db.transaction((tx) => openVerification(tx, deps, spec));
  return completeVerification(deps, cvcCache, spec, opened);
}

/** A verification's attempt recorded (`pending`, or failed if the rules block it) in the caller's transaction: a set-up records it as its attempt in the same one. */
export function openVerification(tx: Tx, deps: AcquirerDeps, spec: VerificationSpec): Promise<OpenedAttempt> {
  return openAttempt(tx, deps, verificationAttempt(spec));
}

/**
 * Sends an opened verification and settles it (verifyCard). An attempt
 * resumed after a crash (`activeRules` absent) is sent again with its own
 * network id if it was still pending — a repeat at the issuer, so one
 * authorization however often it is sent — and answers as it was settled
 * otherwise (an approval's release, if it was left undone, is the sweep's:
 * its `hold_release_at_ms` was saved with it).
 */
export async function completeVerification(deps: AcquirerDeps, cvcCache: CvcCache, spec: VerificationSpec, opened: Pick<OpenedAttempt, 'charge' | 'block'> & { activeRules?: OpenedAttempt['activeRules'] }): Promise<Charge> {
  const { charge, block, activeRules } = opened;
  const attempt = verificationAttempt(spec);
  const pmExtra = { payment_method: paymentMethodObject(spec.pm) };
  if (block !== null) throw declineError(charge, stripeDeclineForBlock(block.declineCode), pmExtra);
  if (charge.status === 'succeeded') return charge;
  if (charge.status === 'failed') throw declineError(charge, recordedDecline(charge), pmExtra);
  const result = await sendAttempt(deps, cvcCache, attempt, charge, activeRules);
  const settled = settleAttempt(charge, spec.pm, result);
  // Saved with its authorization still open before the release is sent: if
  // the release cannot go through now, the sweep (releaseOpenVerifications)
  // finds the hold and sends it again, instead of the cardholder's money
  // staying held until the authorization expires. A merchant that keeps its
  // holds (verification_hold_release) gets its approved hold recorded with
  // its release time in the same transaction; the background task releases
  // it then (releaseDueVerificationHolds) — or never, and the issuer lets it lapse.
  const approved = settled.decline === null && result.postBlock === null;
  const release = spec.merchant.verificationHoldRelease;
  const kept = approved && settled.charge.authorizationOpen && release.kind !== 'immediately';
  await deps.db.transaction(async (tx) => {
    await saveCharge(tx, settled.charge);
    await savePaymentMethodChecks(tx, spec.pm.id, settled.charge.checks ?? spec.pm.checks, spec.pm.checks);
    if (settled.charge.authorizationOpen) {
      await tx.run('UPDATE acquirer_charges SET hold_release_at_ms = ? WHERE id = ?', [kept ? holdReleaseAtMs(release, spec.nowMs) : spec.nowMs, charge.id]);
    }
  });
  if (kept) return settled.charge;
  const final: Charge = { ...settled.charge, authorizationOpen: false };
  if (approved) {
    await reverseAuthorization(deps, settled.charge, releaseMessageId(charge));
    await deps.db.transaction((tx) => saveCharge(tx, final));
  }
  if (settled.decline !== null) throw declineError(final, settled.decline, pmExtra);
  return final;
}

/** What a card verification is for; `authentication`: the 3-D Secure result a retry carries (a set-up the issuer asked to authenticate). */
export interface VerificationSpec {
  readonly merchant: Merchant;
  readonly pm: PaymentMethod;
  readonly customerId: string | null;
  readonly setupIntentId: string | null;
  readonly nowMs: number;
  readonly authentication?: AuthenticationData | null;
}

/** The verification's attempt: customer-initiated, for the merchant's verification amount (0 or its small hold). */
export function verificationAttempt(spec: VerificationSpec): AttemptSpec {
  return {
    merchant: spec.merchant,
    pm: spec.pm,
    amountMinor: spec.merchant.cardVerificationAmountMinor,
    currency: spec.merchant.defaultCurrency,
    purpose: 'account_verification',
    initiator: 'customer',
    customerId: spec.customerId,
    paymentIntentId: null,
    setupIntentId: spec.setupIntentId,
    nowMs: spec.nowMs,
    authentication: spec.authentication ?? null,
  };
}

/** The release's message id: the same on every retry, so the issuer applies it once. */
function releaseMessageId(charge: Charge): string {
  return `${charge.networkId}.verified`;
}

/**
 * Releases verification holds whose release did not go through (the network
 * answered 91/96, or the process stopped in between): every approved
 * verification charge still open `olderThanMs` after its release was due
 * (holds a merchant keeps included, late). Re-sending the same release is a
 * repeat at the issuer, so several processes may sweep at once.
 */
export async function releaseOpenVerifications(deps: AcquirerDeps, nowMs: number, olderThanMs: number, limit = 100): Promise<number> {
  return releaseHoldsDueBy(deps, nowMs - olderThanMs, limit);
}

/**
 * Releases the holds merchants kept (`verification_hold_release:
 * after_hours:N`) whose time has come: the `acquirer.release-verification-holds`
 * task. Exactly once at the issuer (each release carries its hold's one
 * message id, so a repeat — another process, a retry after a crash between
 * the reversal and the update — changes nothing there), and the hold is
 * marked released only after the issuer took the release.
 */
export async function releaseDueVerificationHolds(deps: AcquirerDeps, nowMs: number, limit = 100): Promise<number> {
  return releaseHoldsDueBy(deps, nowMs, limit);
}

async function releaseHoldsDueBy(deps: AcquirerDeps, dueByMs: number, limit: number): Promise<number> {
  const rows = await deps.db.all<Parameters<typeof chargeFromRow>[0]>(
    `SELECT ${CHARGE_COLUMNS} FROM acquirer_charges
     WHERE purpose = 'account_verification' AND authorization_open = 1 AND status = 'succeeded' AND hold_release_at_ms <= ? ORDER BY hold_release_at_ms, id LIMIT ?`,
    [dueByMs, limit],
  );
  let released = 0;
  for (const charge of rows.map(chargeFromRow)) {
    if (await releaseHold(deps, charge)) released += 1;
  }
  return released;
}

/**
 * A verification that must not stand (its set-up was canceled, or finished
 * by another confirm, while it was out): its hold is made due now and
 * released at once — or, if the network cannot take the release now, by the
 * sweep (releaseOpenVerifications), which finds it due.
 */
export async function releaseVerificationNow(deps: AcquirerDeps, charge: Charge, nowMs: number): Promise<void> {
  if (!charge.authorizationOpen) return;
  await deps.db.run('UPDATE acquirer_charges SET hold_release_at_ms = ? WHERE id = ? AND authorization_open = 1', [nowMs, charge.id]);
  await releaseHold(deps, charge);
}

/** Sends a hold's one release and marks it released once the issuer took it; false when the network could not take it now. */
async function releaseHold(deps: AcquirerDeps, charge: Charge): Promise<boolean> {
  try {
    await reverseAuthorization(deps, charge, releaseMessageId(charge));
  } catch {
    return false; // still unavailable: the next sweep tries again
  }
  await deps.db.run('UPDATE acquirer_charges SET authorization_open = 0 WHERE id = ? AND authorization_open = 1', [charge.id]);
  return true;
}

/** The decline a settled (failed) verification recorded, as it was first given to the client. */
function recordedDecline(charge: Charge): StripeDecline {
  return {
    code: (charge.failureCode ?? 'card_declined') as StripeDecline['code'],
    declineCode: charge.declineCode ?? 'generic_decline',
    message: charge.failureMessage ?? 'Your card was declined.',
    adviceCode: (charge.outcome?.advice_code as StripeDecline['adviceCode'] | null | undefined) ?? 'try_again_later',
  };
}
