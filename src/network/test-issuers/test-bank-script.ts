import type { AuthorizationRequest, AvsResult, CheckResult, IsoResponseCode } from '../messages.ts';
import type { TestCard } from './test-cards.ts';

/**
 * The test bank's decision on an authorization: a pure function of the card's
 * scripted behaviour, the request and the time. Like Stripe's test cards, the
 * bank checks the expiry (a past one answers 54) and otherwise only what a
 * card's script says; a CVC or an address is "right" whatever it is, unless
 * the card is scripted to fail that check.
 *
 * AVS and CVC results describe the data, whatever the decision: a field the
 * merchant did not collect is `unchecked`. A failed address check does not
 * decline here — acting on it is the merchant's rule at its acquirer, as at
 * Stripe, where a failed postal code check declines only if Radar says so.
 */

export interface ScriptedDecision {
  readonly code: IsoResponseCode;
  readonly reason: string;
  readonly avs: AvsResult;
  readonly cvv2: CheckResult;
}

/** The first millisecond at which a card expiring `month`/`year` is expired (valid through the month, in UTC). */
export function expiredFromMs(expMonth: number, expYear: number): number {
  // Date.UTC takes a 0-based month, so expMonth names the month after expiry (12 rolls over).
  return Date.UTC(expYear, expMonth, 1);
}

/**
 * `verifiedAtMerchant`: whether this card was approved at the same merchant
 * before — set up, or paid authenticated (only consulted for the cards that
 * need it). `authenticated`: the request carries an authentication the
 * bank's access control server issued for this card and merchant; `invalid`
 * when it carries one the bank did not issue.
 */
export function decideTestAuthorization(
  card: TestCard | undefined,
  request: AuthorizationRequest,
  nowMs: number,
  verifiedAtMerchant: boolean,
  authenticated: 'absent' | 'valid' | 'invalid' = 'absent',
): ScriptedDecision {
  const cvcGiven = request.card.cvv2 !== null;
  const line1Given = request.avs?.line1 != null;
  const postalGiven = request.avs?.postalCode != null;
  const given = (isGiven: boolean, result: CheckResult): CheckResult => (isGiven ? result : 'unchecked');
  let avs: AvsResult = { line1: given(line1Given, 'pass'), postalCode: given(postalGiven, 'pass') };
  let cvv2: CheckResult = given(cvcGiven, 'pass');
  const answer = (code: IsoResponseCode, reason: string): ScriptedDecision => ({ code, reason, avs, cvv2 });

  if (!card) return { code: '14', reason: 'no_such_card', avs: { line1: 'unchecked', postalCode: 'unchecked' }, cvv2: 'unchecked' };

  switch (card.behaviour) {
    case 'postal_code_check_fails':
      avs = { ...avs, postalCode: given(postalGiven, 'fail') };
      break;
    case 'line1_check_fails':
      avs = { ...avs, line1: given(line1Given, 'fail') };
      break;
    case 'address_checks_fail':
      avs = { line1: given(line1Given, 'fail'), postalCode: given(postalGiven, 'fail') };
      break;
    case 'address_checks_unavailable':
      avs = { line1: given(line1Given, 'unavailable'), postalCode: given(postalGiven, 'unavailable') };
      break;
    case 'incorrect_cvc':
    case 'cvc_check_fails':
      cvv2 = given(cvcGiven, 'fail');
      break;
    default:
      break;
  }

  if (nowMs >= expiredFromMs(request.card.expMonth, request.card.expYear)) return answer('54', 'card_expired');

  const purchase = request.purpose === 'purchase';
  // A forged or reused authentication value is refused whatever the card (a CAVV the issuer cannot verify).
  if (authenticated === 'invalid') return answer('05', 'authentication_invalid');
  const withAuthentication = authenticated === 'valid';
  // Merchant-initiated payments under an authenticated set-up are exempt from SCA (not for the card that always asks).
  const exempt = request.initiator === 'merchant' && verifiedAtMerchant;
  switch (card.behaviour) {
    case 'generic_decline':
      return answer('05', 'generic_decline');
    case 'insufficient_funds':
      return answer('51', 'insufficient_funds');
    case 'lost_card':
      return answer('41', 'lost_card');
    case 'stolen_card':
      return answer('43', 'stolen_card');
    case 'expired_card':
      return answer('54', 'card_expired');
    case 'incorrect_cvc':
      return answer('N7', 'cvv2_mismatch');
    case 'processing_error':
      return answer('96', 'processing_error');
    case 'card_velocity_exceeded':
      return answer('65', 'card_velocity_exceeded');
    case 'decline_after_attach':
      return purchase ? answer('05', 'generic_decline') : answer('00', 'approved');
    case 'cvc_check_fails':
      return cvcGiven ? answer('N7', 'cvv2_mismatch') : answer('00', 'approved');
    // As at Stripe, a set-up (SetupIntent) of these cards needs authentication too; once authenticated it is approved —
    // except the card that declines after authenticating, which declines its set-up as well.
    case 'authentication_required':
    case 'authentication_required_3ds2':
      if (withAuthentication || exempt) return answer('00', 'approved');
      return answer('1A', 'authentication_required');
    case 'authentication_always':
      if (withAuthentication) return answer('00', 'approved');
      return answer('1A', 'authentication_required');
    case 'authentication_then_decline':
      return withAuthentication ? answer('05', 'generic_decline') : answer('1A', 'authentication_required');
    case 'authentication_then_insufficient_funds':
      // A set-up holds nothing (or the merchant's small verification hold): only a payment runs short of funds.
      if (withAuthentication) return purchase ? answer('51', 'insufficient_funds') : answer('00', 'approved');
      return answer('1A', 'authentication_required');
    case 'approve':
    case 'postal_code_check_fails':
    case 'line1_check_fails':
    case 'address_checks_fail':
    case 'address_checks_unavailable':
    case 'blocked_by_acquirer_risk':
      return answer('00', 'approved');
  }
}
