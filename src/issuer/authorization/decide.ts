import type { AuthorizationRequest, AvsResult, CheckResult } from '../../network/messages.ts';
import { avsCheck, type AvsOutcome } from '../billing-address.ts';
import { verifyCvv2 } from '../card-secrets.ts';
import type { Card } from '../cards/cards.ts';
import { merchantAllowed } from '../cards/controls.ts';
import { isExpired } from '../expiry.ts';
import { checkName } from '../name-check.ts';
import type { Keyring } from '../keyring.ts';
import type { CarriedAuthentication } from '../authentication/authorization-check.ts';
import type { AuthenticationTrigger } from '../authentication/policy.ts';
import type { AuthorizationReason } from './reasons.ts';
import { tracksSpend } from './spend.ts';

/**
 * The decision itself: pure, no I/O, time passed in. Every check is
 * evaluated (so the record and the doctor see all of them, and AVS/CVV2
 * results are returned unless card testing is limited), then the first
 * failing check in this order decides:
 *
 *  0. card testing — the merchant is blocked for probing, or the card is
 *                 protected after wrong expiries/CVV2s (decline-limiter.ts),
 *                 and the request has no valid stored credential: one
 *                 generic answer, no AVS/CVV2 result, known card or not   05 declines_limited
 *  1. card      — the PAN belongs to a Cardlane card             14 card_not_found
 *  2. status    — closed                                          14 card_closed
 *                 frozen                                          62 card_frozen
 *  3. expiry    — the card is past its expiry                     54 card_expired
 *                 the expiry sent is not the card's               54 expiry_mismatch
 *  4. cvv2      — sent and wrong                                  N7 cvv2_mismatch
 *                 absent, and no stored credential named          N7 cvv2_required
 *                 absent, and the stored credential named is not
 *                 an approval of this card at this merchant with
 *                 its CVV2 matched                                05 stored_credential_invalid
 *                 (a card number alone must never pay: the stored-
 *                 credential framework lets a payment skip CVV2 only
 *                 where this merchant once proved it had the CVV2)
 *  5. avs       — a submitted field that does not match           05 avs_line1_mismatch /
 *                                                                    avs_postal_code_mismatch / avs_mismatch (both)
 *  6. kyc       — the cardholder's verification is not approved   62 kyc_not_approved
 *  7. currency  — USD, or a currency the issuer has a rate for    57 currency_not_supported
 *                 (before the limits and the balance, which are USD amounts:
 *                 a foreign amount is checked as billed in USD, fee included)
 *  8. mcc       — blocked or not allowed by the card's controls   57 mcc_blocked
 *  9. country   — merchant country blocked / not allowed          62 country_blocked
 * 10. limits    — per transaction, per UTC day, per UTC month     61 limit_per_{transaction,day,month}_exceeded
 *                 (purchases only; day/month count what is spent or still held:
 *                 approvals less releases, spend-release.ts)
 * 11. merchant accounts — a new merchant customer ref at a merchant
 *                 where the card already serves the maximum       57 merchant_account_limit
 *                 (null refs are not counted)
 * 12. balance   — available balance, open holds counted           51 insufficient_funds
 *                 (every amount > 0, verifications included: they hold)
 * 13. authentication — 3-D Secure (authentication/policy.ts): the
 *                 authentication carried is not one this issuer
 *                 issued for exactly this payment, or was used     05 authentication_invalid
 *                 none carried, and the program's policy asks for
 *                 it (customer-initiated only: merchant-initiated
 *                 payments are exempt)                            1A authentication_required
 *                 Last, so a payment that would be declined anyway
 *                 is declined for that reason, not sent to a challenge
 *                 the cardholder would pass for nothing.
 *
 * Malformed requests are refused before any of this (12/13), and repeats
 * (same id) are answered from the record before that. There is no "distinct
 * duplicate" rule (ISO 94): two messages with different ids are two
 * payments, even for the same amount at the same merchant, because
 * merchants legitimately charge the same amount twice (two seats, two
 * recharges) and only the id says it is the same attempt.
 */

export type CheckValue = 'pass' | 'fail' | 'skip';

export const CHECK_ORDER = [
  'card_testing',
  'card',
  'status',
  'expiry',
  'cvv2',
  'avs',
  'kyc',
  'currency',
  'mcc',
  'country',
  'limit_per_transaction',
  'limit_per_day',
  'limit_per_month',
  'merchant_accounts',
  'balance',
  'authentication',
] as const;
export type CheckName = (typeof CHECK_ORDER)[number];

/** What the engine knows about the card at the moment of the decision. */
export interface CardFacts {
  readonly card: Card;
  readonly kycStatus: string;
  /** Available USD cents: posted credits − posted debits − live holds (this batch's earlier holds included). */
  readonly availableUsdMinor: number;
  readonly spentTodayUsdMinor: number;
  readonly spentThisMonthUsdMinor: number;
  /** The customer refs already approved at this request's merchant. */
  readonly merchantRefs: ReadonlySet<string>;
  /** The stored credential the request names, as checked against the issuer's records (storedCredentialOf). */
  readonly storedCredential: StoredCredential;
  /** Wrong expiries/CVV2s tripped the card's limit (decline-limiter.ts). */
  readonly cardProtected: boolean;
  /**
   * The request's amount as billed in USD (foreign-exchange.ts: converted
   * at the issuer's rate, cross-border fee included), null when its
   * currency has no rate. Absent: USD pays as asked, nothing else is accepted.
   */
  readonly amountUsdMinor?: number | null;
  /** 3-D Secure: what the request carries, and why the program's policy asks for it (null: it does not). Absent: not asked, none carried. */
  readonly authentication?: AuthenticationFacts;
}

export interface AuthenticationFacts {
  readonly carried: CarriedAuthentication;
  readonly trigger: AuthenticationTrigger | null;
  /** The policy would have asked, but the payment is merchant-initiated (the SCA exemption). */
  readonly exemptMerchantInitiated: boolean;
}

/** `absent`: none named; `valid`: an approved, CVV2-matched authorization of this card at this merchant; else why not. */
export type StoredCredential = 'absent' | 'valid' | 'not_found' | 'not_approved' | 'not_cvv2_checked' | 'other_card' | 'other_merchant';

/** The record an authorization's stored credential names, as far as the check needs it. */
export interface StoredCredentialOrigin {
  readonly card_id: string | null;
  readonly acquirer_id: string;
  readonly merchant_id: string;
  readonly approved: number | boolean;
  readonly cvv2: string;
}

export function storedCredentialOf(request: AuthorizationRequest, cardId: string, origin: StoredCredentialOrigin | undefined): StoredCredential {
  if (request.storedCredentialOriginalId === undefined || request.storedCredentialOriginalId === null) return 'absent';
  if (origin === undefined) return 'not_found';
  if (origin.card_id !== cardId) return 'other_card';
  if (origin.acquirer_id !== request.merchant.acquirerId || origin.merchant_id !== request.merchant.merchantId) return 'other_merchant';
  if (!origin.approved) return 'not_approved';
  if (origin.cvv2 !== 'pass') return 'not_cvv2_checked';
  return 'valid';
}

export interface Decision {
  readonly reason: AuthorizationReason;
  readonly avs: AvsResult;
  readonly cvv2: CheckResult;
  /** Each check's result, plus the figures the balance and limit checks used. */
  readonly checks: Readonly<Record<string, CheckValue | number | string>>;
  /** True when this approval adds a new customer ref at the merchant. */
  readonly newMerchantRef: boolean;
}

const UNCHECKED_AVS: AvsResult = { line1: 'unchecked', postalCode: 'unchecked' };

/** `merchantBlocked`: the request's merchant tripped its card-testing limit (decline-limiter.ts). */
export function decideAuthorization(request: AuthorizationRequest, facts: CardFacts | undefined, nowMs: number, keyring: Keyring, merchantBlocked = false): Decision {
  if (facts === undefined) {
    // The same answer a known card gets while the merchant is blocked: a blocked prober learns nothing from 14.
    if (merchantBlocked) return { reason: 'declines_limited', avs: UNCHECKED_AVS, cvv2: 'unchecked', checks: { card_testing: 'fail', limited_by: 'merchant', card: 'fail' }, newMerchantRef: false };
    return { reason: 'card_not_found', avs: UNCHECKED_AVS, cvv2: 'unchecked', checks: { card: 'fail' }, newMerchantRef: false };
  }
  const { card } = facts;
  // Methods of one object rather than closures: this runs for every authorization.
  const sheet = new CheckSheet();
  const checks = sheet.checks;

  const storedCredentialValid = facts.storedCredential === 'valid';
  if (storedCredentialValid || (!merchantBlocked && !facts.cardProtected)) sheet.pass('card_testing');
  else {
    sheet.fail('card_testing', 'declines_limited');
    checks.limited_by = merchantBlocked ? 'merchant' : 'card';
  }
  if (facts.storedCredential !== 'absent') checks.stored_credential = facts.storedCredential;

  if (card.status === 'closed') sheet.fail('status', 'card_closed');
  else if (card.status === 'frozen') sheet.fail('status', 'card_frozen');
  else sheet.pass('status');

  if (isExpired(card.expMonth, card.expYear, nowMs)) sheet.fail('expiry', 'card_expired');
  else if (request.card.expMonth !== card.expMonth || request.card.expYear !== card.expYear) sheet.fail('expiry', 'expiry_mismatch');
  else sheet.pass('expiry');

  // CVV2 is checked against the card's own expiry: that is what it was derived with.
  let cvv2: CheckResult = 'unchecked';
  if (request.card.cvv2 !== null) {
    cvv2 = verifyCvv2(keyring, request.card.pan, card.expMonth, card.expYear, request.card.cvv2) ? 'pass' : 'fail';
    if (cvv2 === 'fail') sheet.fail('cvv2', 'cvv2_mismatch');
    else sheet.pass('cvv2');
  } else if (storedCredentialValid) {
    // Checked by the approval that stored the credential, at this merchant.
    sheet.skip('cvv2');
  } else if (facts.authentication?.carried === 'valid_cvv2_checked') {
    // Matched on the authorization this issuer answered 1A for this very payment (the acquirer has no CVC to send
    // again: it is used once). It stands as this payment's result, so the approval can store the credential.
    cvv2 = 'pass';
    sheet.pass('cvv2');
    checks.cvv2_checked_by = 'authentication';
  } else {
    sheet.fail('cvv2', facts.storedCredential === 'absent' ? 'cvv2_required' : 'stored_credential_invalid');
  }

  const avs = avsOf(card, request);
  if (avs.line1 === 'fail' && avs.postalCode === 'fail') sheet.fail('avs', 'avs_mismatch');
  else if (avs.line1 === 'fail') sheet.fail('avs', 'avs_line1_mismatch');
  else if (avs.postalCode === 'fail') sheet.fail('avs', 'avs_postal_code_mismatch');
  else if (avs.line1 === 'unchecked' && avs.postalCode === 'unchecked') sheet.skip('avs');
  else sheet.pass('avs');

  // Account-name verification (Visa ANI): answered from the card's name, never declined on — the merchant decides what a mismatch is worth.
  if (typeof request.cardholderName === 'string') checks.name_check = checkName(card.cardholderName, request.cardholderName);

  if (facts.kycStatus === 'approved') sheet.pass('kyc');
  else sheet.fail('kyc', 'kyc_not_approved');

  const billedUsd = facts.amountUsdMinor !== undefined ? facts.amountUsdMinor : request.amount.currency === 'USD' ? request.amount.minor : null;
  const usd = billedUsd !== null;
  if (usd) sheet.pass('currency');
  else sheet.fail('currency', 'currency_not_supported');

  // The controls module owns the rule; asked twice so that both results are known.
  if (merchantAllowed(card.controls, request.merchant) === 'mcc_blocked') sheet.fail('mcc', 'mcc_blocked');
  else sheet.pass('mcc');
  if (merchantAllowed({ ...card.controls, mccAllow: [], mccBlock: [] }, request.merchant) === 'country_blocked') sheet.fail('country', 'country_blocked');
  else sheet.pass('country');

  const amount = billedUsd ?? 0;
  const limits = card.controls.limits;
  if (request.purpose !== 'purchase' || !usd) {
    sheet.skip('limit_per_transaction');
    sheet.skip('limit_per_day');
    sheet.skip('limit_per_month');
  } else {
    sheet.limit('limit_per_transaction', limits.perTransactionUsdMinor, amount, 'limit_per_transaction_exceeded');
    sheet.limit('limit_per_day', limits.perDayUsdMinor, facts.spentTodayUsdMinor + amount, 'limit_per_day_exceeded');
    sheet.limit('limit_per_month', limits.perMonthUsdMinor, facts.spentThisMonthUsdMinor + amount, 'limit_per_month_exceeded');
    // Spend is only counted while the card has a day or month limit (spend.ts): without one the figures would read 0 and mislead.
    if (tracksSpend(limits)) {
      checks.spent_today_usd_minor = facts.spentTodayUsdMinor;
      checks.spent_this_month_usd_minor = facts.spentThisMonthUsdMinor;
    }
  }

  let newMerchantRef = false;
  const ref = request.merchantCustomerRef;
  if (ref === null) {
    sheet.skip('merchant_accounts');
  } else if (facts.merchantRefs.has(ref)) {
    sheet.pass('merchant_accounts');
  } else if (facts.merchantRefs.size >= card.controls.maxAccountsPerMerchant) {
    sheet.fail('merchant_accounts', 'merchant_account_limit');
  } else {
    sheet.pass('merchant_accounts');
    newMerchantRef = true;
  }
  checks.merchant_accounts_known = facts.merchantRefs.size;

  if (amount === 0 || !usd) {
    sheet.skip('balance');
  } else if (facts.availableUsdMinor >= amount) {
    sheet.pass('balance');
  } else {
    sheet.fail('balance', 'insufficient_funds');
  }
  checks.available_usd_minor = facts.availableUsdMinor;

  const authentication = facts.authentication;
  if (authentication === undefined || (authentication.carried === 'absent' && authentication.trigger === null)) {
    sheet.skip('authentication');
    if (authentication?.exemptMerchantInitiated) checks.authentication_exemption = 'merchant_initiated';
  } else if (authentication.carried === 'invalid') {
    sheet.fail('authentication', 'authentication_invalid');
  } else if (authentication.carried === 'valid' || authentication.carried === 'valid_cvv2_checked') {
    sheet.pass('authentication');
  } else {
    sheet.fail('authentication', 'authentication_required');
    checks.authentication_trigger = authentication.trigger!;
  }

  const reason = sheet.decision();
  // A limited answer says nothing about the card data: the checks stay in the record (never shown to merchants), not in the answer.
  if (reason === 'declines_limited') return { reason, avs: UNCHECKED_AVS, cvv2: 'unchecked', checks, newMerchantRef: false };
  return { reason, avs, cvv2, checks, newMerchantRef: reason === 'approved' && newMerchantRef };
}

/** Each check's result, and the first failure in CHECK_ORDER. */
class CheckSheet {
  readonly checks: Record<string, CheckValue | number | string> = { card: 'pass' };
  readonly #failures = new Map<CheckName, AuthorizationReason>();

  pass(name: CheckName): void {
    this.checks[name] = 'pass';
  }

  skip(name: CheckName): void {
    this.checks[name] = 'skip';
  }

  fail(name: CheckName, reason: AuthorizationReason): void {
    this.checks[name] = 'fail';
    if (!this.#failures.has(name)) this.#failures.set(name, reason);
  }

  limit(name: CheckName, limit: number | null, total: number, reason: AuthorizationReason): void {
    if (limit === null) this.skip(name);
    else if (total > limit) this.fail(name, reason);
    else this.pass(name);
  }

  decision(): AuthorizationReason {
    if (this.#failures.size === 0) return 'approved';
    for (const name of CHECK_ORDER) {
      const failed = this.#failures.get(name);
      if (failed !== undefined) return failed;
    }
    throw new Error('a failed check is missing from CHECK_ORDER');
  }
}


// AVS normalizes both addresses with Unicode-aware rules, a good part of a
// decision's cost; the same address pairs recur (every card of the program
// shares its billing address, a merchant's customers send theirs each
// time), so results are memoized, bounded. Addresses are not card data.
const AVS_MEMO_MAX = 4_096;
const avsMemo = new Map<string, AvsResult>();

function avsOf(card: Card, request: AuthorizationRequest): AvsResult {
  if (request.avs === null) return UNCHECKED_AVS;
  const a = card.billingAddress;
  const key = [request.avs.line1, request.avs.postalCode, a.line1, a.line2, a.postal_code, a.country].join('\u0001');
  let result = avsMemo.get(key);
  if (result === undefined) {
    const checked = avsCheck(a, { line1: request.avs.line1, postal_code: request.avs.postalCode });
    result = { line1: avsResult(checked.address_line1), postalCode: avsResult(checked.postal_code) };
    if (avsMemo.size >= AVS_MEMO_MAX) avsMemo.clear();
    avsMemo.set(key, result);
  }
  return result;
}

function avsResult(outcome: AvsOutcome | null): CheckResult {
  return outcome === null ? 'unchecked' : outcome;
}

/** What an incremental authorization is decided on. */
export interface IncrementFacts {
  readonly card: Card;
  readonly kycStatus: string;
  readonly availableUsdMinor: number;
  readonly spentTodayUsdMinor: number;
  readonly spentThisMonthUsdMinor: number;
  /** The authorization's approved total so far (original + earlier increments). */
  readonly approvedUsdMinor: number;
  readonly merchant: { readonly mcc: string; readonly country: string };
}

/**
 * An increase of an approved purchase: the checks of a new authorization
 * that can have changed since it (card state, expiry, KYC, controls,
 * limits, balance), in the same order. The card data, AVS and the merchant
 * account were checked by the original and are not sent again. The
 * per-transaction limit applies to the new total; the day and month limits
 * count the increase in the period it is approved in.
 */
export function decideIncrement(amountUsdMinor: number, facts: IncrementFacts, nowMs: number): { reason: AuthorizationReason; checks: Record<string, CheckValue | number> } {
  const { card } = facts;
  const limits = card.controls.limits;
  const results: Array<[CheckName, AuthorizationReason | null]> = [
    ['status', card.status === 'closed' ? 'card_closed' : card.status === 'frozen' ? 'card_frozen' : null],
    ['expiry', isExpired(card.expMonth, card.expYear, nowMs) ? 'card_expired' : null],
    ['kyc', facts.kycStatus === 'approved' ? null : 'kyc_not_approved'],
    ['mcc', merchantAllowed(card.controls, facts.merchant) === 'mcc_blocked' ? 'mcc_blocked' : null],
    ['country', merchantAllowed({ ...card.controls, mccAllow: [], mccBlock: [] }, facts.merchant) === 'country_blocked' ? 'country_blocked' : null],
    ['limit_per_transaction', over(limits.perTransactionUsdMinor, facts.approvedUsdMinor + amountUsdMinor) ? 'limit_per_transaction_exceeded' : null],
    ['limit_per_day', over(limits.perDayUsdMinor, facts.spentTodayUsdMinor + amountUsdMinor) ? 'limit_per_day_exceeded' : null],
    ['limit_per_month', over(limits.perMonthUsdMinor, facts.spentThisMonthUsdMinor + amountUsdMinor) ? 'limit_per_month_exceeded' : null],
    ['balance', facts.availableUsdMinor >= amountUsdMinor ? null : 'insufficient_funds'],
  ];
  const checks: Record<string, CheckValue | number> = { available_usd_minor: facts.availableUsdMinor, ...(tracksSpend(limits) ? { spent_today_usd_minor: facts.spentTodayUsdMinor } : {}) };
  let reason: AuthorizationReason = 'approved';
  for (const [name, failed] of results) {
    checks[name] = failed === null ? 'pass' : 'fail';
    if (failed !== null && reason === 'approved') reason = failed;
  }
  return { reason, checks };
}

function over(limit: number | null, total: number): boolean {
  return limit !== null && total > limit;
}
