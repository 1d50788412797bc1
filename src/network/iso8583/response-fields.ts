import {
  isIsoResponseCode,
  type AuthorizationResponse,
  type CheckResult,
  type DecidedBy,
  type FollowUpResponse,
  type IsoResponseCode,
  type Money,
  type NameCheckResult,
} from '../messages.ts';
import { currencyAlpha, currencyNumber } from './currency-numbers.ts';
import { amountOf, amountText, codeTable } from './element-values.ts';
import { malformed, unencodable } from './iso8583-error.ts';
import type { MessageReader, MessageWriter } from './message-parts.ts';
import { readAmount, writeAmount } from './request-fields.ts';

/**
 * Where each field of the network's answers travels. Element 39 is the
 * response code and decides `approved` (00, and only 00, approves: an answer
 * that says otherwise cannot be sent); 38 the approval code, present when the
 * issuer gave one; 4/49 the amount approved or moved; 6/51 the cardholder
 * billing amount and currency, present when the issuer converted.
 *
 * Element 44, additional response data, holds the check results in
 * Cardlane's positions: 1 AVS address line, 2 AVS postal code, 3 CVV2 —
 * each M match, N no match, U unavailable, P not processed — and 4, only
 * when a name was checked, the name check: M match, P partial match,
 * N no match, U unavailable.
 *
 * The answer's id, reason, issuer record, who decided and the issuer's name
 * are private data (ID, RE, IA, DB, IS).
 */

const CHECKS = codeTable<CheckResult>('data element 44 (check result)', { pass: 'M', fail: 'N', unavailable: 'U', unchecked: 'P' });
const NAME_CHECKS = codeTable<NameCheckResult>('data element 44 (name check)', { match: 'M', partial_match: 'P', no_match: 'N', unavailable: 'U' });
const DECIDERS = codeTable<DecidedBy>('private data DB (decided by)', { issuer: 'I', network: 'N' });

/** An authorization answer's elements but its id; `advice`: in a 0120, where 4/49 are the request's and the approved amount travels in RA. */
export function writeAuthorizationAnswer(out: MessageWriter, r: AuthorizationResponse, place: 'answer' | 'advice'): void {
  writeResponseCode(out, r.responseCode);
  if (r.approved !== (r.responseCode === '00')) throw unencodable('an answer is approved exactly when data element 39 is 00');
  if (r.approvalCode !== null) out.field(38, r.approvalCode);
  if (place === 'answer') writeAmount(out, r.approvedAmount);
  else out.tag('RA', `${amountText(r.approvedAmount.minor, 'the approved amount')}${currencyNumber(r.approvedAmount.currency)}`);
  if (r.cardholderBilling !== undefined) {
    out.field(6, amountText(r.cardholderBilling.minor, 'the cardholder billing amount')).field(51, currencyNumber(r.cardholderBilling.currency));
  }
  const checks = CHECKS.encode(r.avs.line1) + CHECKS.encode(r.avs.postalCode) + CHECKS.encode(r.cvv2);
  out.field(44, r.nameCheck === undefined ? checks : checks + NAME_CHECKS.encode(r.nameCheck));
  out.tag('RE', r.reason).nullableTag('IA', r.issuerAuthorizationId).tag('DB', DECIDERS.encode(r.decidedBy)).nullableTag('IS', r.issuer);
}

export function readAuthorizationAnswer(m: MessageReader, id: string, place: 'answer' | 'advice'): AuthorizationResponse {
  const responseCode = readResponseCode(m);
  const approvalCode = m.optionalField(38) ?? null;
  let approvedAmount: Money;
  if (place === 'answer') approvedAmount = readAmount(m);
  else {
    const text = m.tag('RA');
    if (!/^\d{15}$/.test(text)) throw malformed('private data RA is not 12 digits of amount and 3 of currency');
    approvedAmount = { minor: amountOf(text.slice(0, 12)), currency: currencyAlpha(text.slice(12), 126) };
  }
  const billingMinor = m.optionalField(6);
  const billingCurrency = m.optionalField(51);
  if ((billingMinor === undefined) !== (billingCurrency === undefined)) throw malformed('data elements 6 and 51 come together or not at all');
  const checks = m.field(44);
  if (checks.length !== 3 && checks.length !== 4) throw malformed('data element 44 must hold 3 or 4 check results');
  const nameCheck = checks.length === 4 ? NAME_CHECKS.decode(checks[3]!) : undefined;
  return {
    type: 'authorization_response',
    id,
    responseCode,
    approved: responseCode === '00',
    approvalCode,
    approvedAmount,
    ...(billingMinor === undefined ? {} : { cardholderBilling: { minor: amountOf(billingMinor), currency: currencyAlpha(billingCurrency!, 51) } }),
    avs: { line1: CHECKS.decode(checks[0]!), postalCode: CHECKS.decode(checks[1]!) },
    cvv2: CHECKS.decode(checks[2]!),
    ...(nameCheck === undefined ? {} : { nameCheck }),
    reason: m.tag('RE'),
    issuerAuthorizationId: m.nullableTag('IA'),
    decidedBy: DECIDERS.decode(m.tag('DB')),
    issuer: m.nullableTag('IS'),
  };
}

/** 0410 and 0230: what a reversal, clearing or refund did. */
export function writeFollowUpAnswer(out: MessageWriter, r: FollowUpResponse): void {
  writeResponseCode(out, r.responseCode);
  writeAmount(out, r.amount);
  out.tag('ID', r.id).tag('OI', r.originalId).tag('RE', r.reason).tag('DB', DECIDERS.encode(r.decidedBy));
}

export function readFollowUpAnswer(m: MessageReader): FollowUpResponse {
  const responseCode = readResponseCode(m);
  const amount = readAmount(m);
  return {
    type: 'follow_up_response',
    id: m.tag('ID'),
    originalId: m.tag('OI'),
    responseCode,
    reason: m.tag('RE'),
    amount,
    decidedBy: DECIDERS.decode(m.tag('DB')),
  };
}

export function writeResponseCode(out: MessageWriter, code: IsoResponseCode): void {
  if (!isIsoResponseCode(code)) throw unencodable('the response code is not one of ISO_RESPONSE_CODES');
  out.field(39, code);
}

export function readResponseCode(m: MessageReader): IsoResponseCode {
  const code = m.field(39);
  if (!isIsoResponseCode(code)) throw malformed('data element 39 is not a response code Cardlane knows');
  return code;
}
