import type { Charge } from '../acquirer/index.ts';
import { merchantAllowed } from '../issuer/index.ts';
import type { AttemptFacts } from './attempt-facts.ts';
import type { Diagnosis } from './diagnose.ts';
import { mitBlockingRules } from './mit-blockers.ts';
import type { DoctorPorts } from './ports.ts';
import { amountToKeepOnCard, decideSeedRemedy, type IssuerOutlook, type SeedRemedyDecision } from './seed-remedy.ts';

/**
 * Gathers what the seed-remedy rule (seed-remedy.ts) decides on, from the
 * records a view may see: the merchant's own rules and its own earlier
 * charges of this card always; the card's state at Cardlane's issuer only
 * when `issuerSide` (the cardholder's and the operator's views) — a
 * merchant's answer must not depend on, and so leak, the cardholder's card.
 */

export interface SeedRemedyReport {
  readonly decision: SeedRemedyDecision;
  /** What to keep on the card, when recommended. */
  readonly keepOnCard: { readonly minor: number; readonly currency: string } | null;
  readonly mitBlockers: readonly string[];
  readonly issuer: IssuerOutlook;
}

/** Earlier charges of the card at the merchant looked at for the issuer's outlook, newest first. */
const HISTORY_LIMIT = 20;

export async function seedRemedyOf(
  ports: DoctorPorts,
  facts: AttemptFacts,
  diagnosis: Diagnosis,
  options: { readonly issuerSide: boolean; readonly rechargeMinimumMinor: number | null },
): Promise<SeedRemedyReport> {
  const rule = facts.rule === null ? null : { appliesTo: facts.rule.appliesTo, purpose: facts.rule.purpose };
  const attempt = { initiator: facts.initiator, purpose: facts.purpose };
  const quick = decideSeedRemedy({ decidedBy: diagnosis.decidedBy, attempt, rule, mitBlockers: [], issuer: { kind: 'accepts', evidence: 'approved_at_merchant' } });
  // Not a customer-initiated-only merchant rule: nothing else to look up.
  if (!quick.recommended) return { decision: quick, keepOnCard: null, mitBlockers: [], issuer: { kind: 'unknown' } };

  const keepMinor = amountToKeepOnCard({
    rechargeMinimumMinor: options.rechargeMinimumMinor,
    attemptAmountMinor: facts.amount.minor,
    verificationHoldMinor: facts.verificationHoldMinor,
  });
  const merchantId = facts.merchant.id!;
  const mitBlockers = mitBlockingRules(
    await ports.acquirer.activeRules(merchantId),
    { country: facts.card.country, funding: facts.card.funding, fingerprint: facts.card.fingerprint, checks: facts.paymentMethod?.checks ?? { address_line1_check: null, address_postal_code_check: null } },
    { amountMinor: options.rechargeMinimumMinor ?? facts.amount.minor, currency: facts.amount.currency },
  );
  const issuer = await issuerOutlook(ports, facts, options.issuerSide, options.rechargeMinimumMinor ?? facts.amount.minor);
  const decision = decideSeedRemedy({ decidedBy: diagnosis.decidedBy, attempt, rule, mitBlockers, issuer });
  return { decision, keepOnCard: decision.recommended ? { minor: keepMinor, currency: facts.amount.currency } : null, mitBlockers, issuer };
}

/**
 * Does this card's issuer accept a charge from this merchant? The merchant's
 * own records answer first: the newest issuer answer to this card at this
 * merchant (network stand-ins say nothing about the issuer; an
 * insufficient-funds decline says only that the card was short, which the
 * remedy's "keep enough on the card" addresses). On the issuer's side, the
 * card's present state can then still say no.
 */
async function issuerOutlook(ports: DoctorPorts, facts: AttemptFacts, issuerSide: boolean, chargeMinor: number): Promise<IssuerOutlook> {
  if (facts.card.fingerprint === null || facts.merchant.id === null) return { kind: 'unknown' };
  const history = await ports.acquirer.chargesOfCardAtMerchant(facts.merchant.id, facts.card.fingerprint, HISTORY_LIMIT);
  let evidence: Charge | null = null;
  for (const charge of history) {
    const code = charge.networkResponseCode;
    if (charge.id === facts.reference || code === null || code === '91' || code === '96') continue;
    if (code === '00') {
      evidence = charge;
      break;
    }
    if (charge.declineCode === 'insufficient_funds') continue;
    return { kind: 'declines', reason: charge.declineCode ?? 'declined' };
  }
  if (evidence === null) return { kind: 'unknown' };
  const accepts: IssuerOutlook = { kind: 'accepts', evidence: evidence.purpose === 'account_verification' ? 'verified_at_merchant' : 'approved_at_merchant' };
  if (!issuerSide) return accepts;

  const authorization = await ports.issuer.authorizationByRequest(evidence.networkId);
  if (authorization?.cardId == null) return accepts;
  const card = await ports.issuer.card(authorization.cardId);
  if (card === undefined) return accepts;
  if (card.status !== 'active') return { kind: 'declines', reason: card.status === 'frozen' ? 'card_frozen' : 'card_closed' };
  if ((await ports.issuer.kycStatus(card.cardholderId)) !== 'approved') return { kind: 'declines', reason: 'kyc_not_approved' };
  const allowed = merchantAllowed(card.controls, { mcc: facts.merchant.mcc ?? '', country: facts.merchant.country ?? '' });
  if (allowed !== 'ok') return { kind: 'declines', reason: allowed };
  const perPayment = card.controls.limits.perTransactionUsdMinor;
  if (perPayment !== null && facts.amount.currency === 'usd' && chargeMinor > perPayment) return { kind: 'declines', reason: 'limit_per_transaction_exceeded' };
  return accepts;
}
