import type { Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { AcquirerError } from '../errors.ts';
import { outcomePending } from '../stripe/recovery.ts';
import type { AuthenticationData, AuthorizationPurpose, AuthorizationResponse, CheckResult, Initiator } from '../../network/messages.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { openPan, type CvcCache } from '../cards/vault.ts';
import type { Merchant } from '../merchants/merchants.ts';
import { evaluatePostAuthorization, evaluatePreAuthorizationWithRules, type RiskBlock, type RiskInput } from '../risk/evaluate.ts';
import { insertCharge, type Charge, type ChargeOutcome, type ChargeThreeDSecure } from './charge-store.ts';
import { stripeDeclineFor, stripeDeclineForBlock, type StripeDecline } from './decline-mapping.ts';
import { rememberStoredCredential, type CardChecks, type PaymentMethod } from './payment-method-store.ts';
import { isHighestRiskCard } from '../risk/highest-risk.ts';
import type { RiskRule } from '../risk/rule-types.ts';

/**
 * One authorization attempt, in the three steps every payment call takes
 * (record intent → call the network → record the outcome; the network is
 * never called inside a database transaction):
 *
 * 1. `openAttempt` (in the caller's transaction): the merchant's risk rules
 *    run first; a block is recorded as a failed charge that never reached
 *    the network (the seed's case: the issuer sees nothing). Otherwise a
 *    `pending` charge is recorded with the network message id it will use.
 * 2. `sendAttempt` (no transaction): the authorization goes out with that
 *    id — sending it again after a crash is a repeat, answered the same way
 *    without a second hold. An approval that the post-authorization rules
 *    (AVS/CVC policy) reject is reversed at once. Without a CVC it goes as
 *    a stored credential naming the card's first CVC-checked approval at
 *    this merchant; an approval with the CVC matched becomes that first
 *    approval if the card has none yet.
 * 3. `settleAttempt` (pure): the charge as it now stands, for the caller to
 *    save with the intent it belongs to.
 */

export interface AttemptSpec {
  readonly merchant: Merchant;
  readonly pm: PaymentMethod;
  readonly amountMinor: number;
  readonly currency: string;
  readonly purpose: AuthorizationPurpose;
  readonly initiator: Initiator;
  readonly customerId: string | null;
  readonly paymentIntentId: string | null;
  readonly setupIntentId: string | null;
  readonly nowMs: number;
  /** The payment intent's metadata and description, for risk rules scoped by them; absent for a card verification. */
  readonly payment?: { readonly metadata: Readonly<Record<string, string>>; readonly description: string | null };
  /** The 3-D Secure result the authorization carries (the retry after a challenge), absent otherwise. */
  readonly authentication?: AuthenticationData | null;
  /** How the issuer authenticated the cardholder for `authentication`: without a challenge, or with one. */
  readonly authenticationFlow?: 'frictionless' | 'challenge';
}

export interface AttemptResult {
  readonly response: AuthorizationResponse;
  readonly postBlock: RiskBlock | null;
  /** Whether the authorization carried a CVC (one collected from the customer now, used once). */
  readonly cvcSent: boolean;
}


/** The attempt's charge, the block if the rules refused it, and the rules read (for `sendAttempt`'s post-authorization checks). */
export interface OpenedAttempt {
  readonly charge: Charge;
  readonly block: RiskBlock | null;
  readonly activeRules: readonly RiskRule[] | null;
}

export async function openAttempt(tx: Tx, deps: AcquirerDeps, spec: AttemptSpec): Promise<OpenedAttempt> {
  const id = deps.ids.next('ch');
  const pan = openPan(deps.vaultKey, spec.pm.panSealed);
  const { decision, activeRules } = await evaluatePreAuthorizationWithRules(tx, riskInput(spec, id, pan));
  const block = decision.action === 'block' ? decision.block : null;
  const base: Charge = {
    id,
    merchantId: spec.merchant.id,
    paymentIntentId: spec.paymentIntentId,
    setupIntentId: spec.setupIntentId,
    purpose: spec.purpose,
    amountMinor: spec.amountMinor,
    currency: spec.currency,
    customerId: spec.customerId,
    paymentMethodId: spec.pm.id,
    initiator: spec.initiator,
    networkId: id,
    status: 'pending',
    authorized: false,
    amountAuthorizedMinor: 0,
    amountCapturedMinor: 0,
    amountRefundedMinor: 0,
    authorizationOpen: false,
    outcome: null,
    checks: null,
    failureCode: null,
    failureMessage: null,
    declineCode: null,
    networkResponseCode: null,
    issuerAuthorizationId: null,
    blockedByRule: null,
    createdAtMs: spec.nowMs,
    capturedAtMs: null,
    threeDSecure: threeDSecureOf(spec),
  };
  const charge = block === null ? base : blockedCharge(base, block, 'not_sent_to_network');
  await insertCharge(tx, charge);
  return { charge, block, activeRules };
}

/** What the charge shows of the 3-D Secure result its authorization carries (Stripe's `three_d_secure`); null without one. */
function threeDSecureOf(spec: AttemptSpec): ChargeThreeDSecure | null {
  const authentication = spec.authentication ?? null;
  if (authentication === null) return null;
  // ECI 06 (Visa) / 01 (Mastercard): the issuer acknowledged an attempt rather than authenticating; 05 / 02 are full authentication.
  const attempted = authentication.eci === '06' || authentication.eci === '01';
  return {
    authentication_flow: spec.authenticationFlow ?? null,
    electronic_commerce_indicator: authentication.eci,
    exemption_indicator: null,
    exemption_indicator_applied: false,
    result: attempted ? 'attempt_acknowledged' : 'authenticated',
    result_reason: null,
    transaction_id: authentication.transactionId,
    version: '2.2.0',
  };
}

/**
 * `activeRules`: the rules `openAttempt` read, so one attempt is judged by
 * one version of them, read once (absent: read again, as when resuming an
 * attempt an earlier request opened).
 */
export async function sendAttempt(deps: AcquirerDeps, cvcCache: CvcCache, spec: AttemptSpec, charge: Charge, activeRules?: readonly RiskRule[] | null): Promise<AttemptResult> {
  const pan = openPan(deps.vaultKey, spec.pm.panSealed);
  // A CVC is only ever collected from a customer who is present; it is used once.
  const cvv2 = spec.initiator === 'customer' ? cvcCache.take(spec.pm.id, spec.nowMs) : null;
  const address = spec.pm.billingDetails.address;
  const response = await deps.network.authorize({
    type: 'authorization',
    id: charge.networkId,
    purpose: spec.purpose,
    card: { pan, expMonth: spec.pm.expMonth, expYear: spec.pm.expYear, cvv2 },
    amount: { minor: spec.amountMinor, currency: spec.currency.toUpperCase() },
    merchant: {
      acquirerId: deps.acquirerId,
      merchantId: spec.merchant.id,
      name: spec.merchant.statementDescriptor,
      mcc: spec.merchant.mcc,
      country: spec.merchant.country,
    },
    // Typed in now (with its CVC) or a stored credential: a saved card charged again has no CVC, whoever starts the payment.
    entryMode: cvv2 === null ? 'credential_on_file' : 'ecommerce',
    initiator: spec.initiator,
    avs: address.line1 === null && address.postal_code === null ? null : { line1: address.line1, postalCode: address.postal_code },
    merchantCustomerRef: spec.customerId,
    // Without a CVC the issuer needs proof that this merchant once had it for this card (Visa's original transaction id).
    storedCredentialOriginalId: cvv2 === null ? (spec.pm.storedCredentialNetworkId ?? null) : null,
    // Account-name verification: the name the customer gave, for the issuer to compare with the card's.
    ...(spec.pm.billingDetails.name ? { cardholderName: spec.pm.billingDetails.name } : {}),
    ...(spec.authentication ? { authentication: spec.authentication } : {}),
    sentAtMs: deps.clock.nowMs(),
  });
  const cvcSent = cvv2 !== null;
  if (!response.approved) return { response, postBlock: null, cvcSent };
  // A customer-present approval with the CVC matched is what later payments without a CVC may point to — also the
  // retry after 3-D Secure, whose CVC (used once) went with the first attempt and which the issuer answers as matched.
  if ((cvv2 !== null || (spec.authentication ?? null) !== null) && response.cvv2 === 'pass') await rememberStoredCredential(deps.db, spec.pm.id, charge.networkId);
  const post = await evaluatePostAuthorization(deps.db, {
    ...riskInput(spec, charge.id, pan),
    avs: response.avs,
    cvc: response.cvv2,
    ...(response.nameCheck !== undefined ? { nameCheck: response.nameCheck } : {}),
  }, activeRules);
  if (post.action === 'allow') return { response, postBlock: null, cvcSent };
  await reverseAuthorization(deps, charge, `${charge.networkId}.risk-reversal`);
  return { response, postBlock: post.block, cvcSent };
}

/** The charge after the network's answer (and any post-authorization block). */
export function settleAttempt(charge: Charge, pm: PaymentMethod, result: AttemptResult): { charge: Charge; decline: StripeDecline | null } {
  const { response } = result;
  const checks = checksFrom(pm, response);
  const common = { ...charge, checks, networkResponseCode: response.responseCode, issuerAuthorizationId: response.issuerAuthorizationId };
  if (result.postBlock !== null) {
    const blocked = blockedCharge(common, result.postBlock, 'reversed_after_approval');
    return { charge: blocked, decline: stripeDeclineForBlock(result.postBlock.declineCode) };
  }
  if (response.approved) {
    const outcome: ChargeOutcome = {
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      seller_message: 'Payment complete.',
      type: 'authorized',
      network_decline_code: null,
      advice_code: null,
      network_advice_code: null,
    };
    return {
      charge: { ...common, status: 'succeeded', authorized: true, amountAuthorizedMinor: response.approvedAmount.minor, authorizationOpen: charge.purpose === 'purchase' || response.approvedAmount.minor > 0, outcome },
      decline: null,
    };
  }
  const decline = declineOf(result);
  const outcome: ChargeOutcome = {
    network_status: 'declined_by_network',
    reason: decline.declineCode,
    risk_level: 'normal',
    seller_message: response.decidedBy === 'network' ? 'The card network declined this payment in the issuer\'s stead.' : 'The bank did not return any further details with this decline.',
    type: 'issuer_declined',
    network_decline_code: response.responseCode,
    advice_code: decline.adviceCode,
    network_advice_code: null,
  };
  return {
    charge: { ...common, status: 'failed', outcome, failureCode: decline.code, failureMessage: decline.message, declineCode: decline.declineCode },
    decline,
  };
}

/**
 * The decline to tell the merchant. "Your card's security code is incorrect"
 * is false when no security code was sent: the issuer wanted one (a saved
 * card with no earlier approval at this merchant, or an attempt resumed
 * after a crash, which lost the code it had: it is used once and never
 * stored). The code stays `incorrect_cvc` — collect it again — with words that say so.
 */
function declineOf(result: AttemptResult): StripeDecline {
  const decline = stripeDeclineFor(result.response);
  if (result.cvcSent || decline.code !== 'incorrect_cvc') return decline;
  return {
    ...decline,
    message: "The card's issuer requires the card's security code, and this attempt had none (it is used once and never stored). Confirm again with the security code.",
  };
}

function blockedCharge(charge: Charge, block: RiskBlock, networkStatus: 'not_sent_to_network' | 'reversed_after_approval'): Charge {
  const decline = stripeDeclineForBlock(block.declineCode);
  const outcome: ChargeOutcome = {
    network_status: networkStatus,
    reason: block.ruleId === null ? 'highest_risk_level' : 'rule',
    risk_level: block.ruleId === null ? 'highest' : 'normal',
    seller_message: block.ruleId === null ? 'Cardlane blocked this payment as too risky.' : `Blocked by your rule: ${block.ruleDescription}`,
    type: 'blocked',
    rule: { id: block.ruleId, action: 'block', predicate: block.predicate, description: block.ruleDescription },
    network_decline_code: null,
    advice_code: decline.adviceCode,
    network_advice_code: null,
  };
  return {
    ...charge,
    status: 'failed',
    authorized: false,
    authorizationOpen: false,
    outcome,
    failureCode: decline.code,
    failureMessage: decline.message,
    declineCode: decline.declineCode,
    blockedByRule: block.ruleId ?? `builtin:${block.reason}`,
  };
}

function checksFrom(pm: PaymentMethod, response: AuthorizationResponse): CardChecks {
  const given = pm.billingDetails.address;
  const pick = (provided: boolean, result: CheckResult): CheckResult | null => (provided ? result : null);
  return {
    address_line1_check: pick(given.line1 !== null, response.avs.line1),
    address_postal_code_check: pick(given.postal_code !== null, response.avs.postalCode),
    cvc_check: response.cvv2 === 'unchecked' ? pm.checks.cvc_check : response.cvv2,
    ...(response.nameCheck !== undefined ? { name_check: response.nameCheck } : {}),
  };
}

function riskInput(spec: AttemptSpec, paymentId: string, pan: string): RiskInput {
  return {
    merchantId: spec.merchant.id,
    paymentId: spec.paymentIntentId ?? spec.setupIntentId ?? paymentId,
    amount: { minor: spec.amountMinor, currency: spec.currency.toUpperCase() },
    card: { brand: spec.pm.brand, country: spec.pm.country ?? 'ZZ', funding: spec.pm.funding, fingerprint: spec.pm.fingerprint, last4: spec.pm.last4 },
    initiator: spec.initiator,
    purpose: spec.purpose,
    customerId: spec.customerId,
    ...(spec.payment === undefined ? {} : { payment: spec.payment }),
    highestRisk: isHighestRiskCard(pan),
    nowMs: spec.nowMs,
  };
}

/** Releases whatever the issuer still holds for `charge`. Refused reversals (already closed) are fine: nothing is held. */
export async function reverseAuthorization(deps: AcquirerDeps, charge: Charge, messageId: string): Promise<void> {
  const answer = await deps.network.reverse({ type: 'reversal', id: messageId, originalId: charge.networkId, amount: null, sentAtMs: deps.clock.nowMs() });
  if (answer.responseCode === '91' || answer.responseCode === '96') {
    // Whether the issuer released it is not known: no answer to save; the same request again resends the same reversal.
    throw outcomePending(new AcquirerError('processing_error', 'The card network could not release the authorization; retry the request.'));
  }
}

/** The card error a client receives for a failed attempt, with Stripe's extra fields. */
export function declineError(charge: Charge, decline: StripeDecline, extra: Record<string, unknown>): AppError {
  return new AcquirerError(decline.code, decline.message, {
    declineCode: decline.declineCode,
    extra: {
      charge: charge.id,
      advice_code: decline.adviceCode,
      ...(charge.networkResponseCode !== null && charge.networkResponseCode !== '00' ? { network_decline_code: charge.networkResponseCode } : {}),
      doc_url: `https://docs.stripe.com/error-codes/${decline.code.replace(/_/g, '-')}`,
      ...extra,
    },
  });
}
