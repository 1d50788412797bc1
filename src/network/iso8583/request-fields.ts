import type {
  AuthorizationPurpose,
  AuthorizationRequest,
  ClearingRequest,
  EntryMode,
  IncrementalAuthorizationRequest,
  Initiator,
  Money,
  RefundRequest,
  ReversalRequest,
} from '../messages.ts';
import { currencyAlpha, currencyNumber } from './currency-numbers.ts';
import {
  amountOf,
  amountText,
  codeTable,
  fitsFixedText,
  fixedText,
  localDate,
  localTime,
  millisecondsOf,
  millisecondsText,
} from './element-values.ts';
import { malformed, unencodable } from './iso8583-error.ts';
import type { MessageReader, MessageWriter } from './message-parts.ts';

/**
 * Where each field of the network's requests (messages.ts) travels: the
 * standard data element when one holds it exactly, private data (element
 * 126, private-data.ts) otherwise. The message id of a request is written by
 * the caller (ID, or OI in the 0120 that advises it).
 *
 * Processing code (3): 000000 purchase — also for an account verification,
 * whose purpose travels in PU — and 200000 refund. A follow-up names its
 * authorization in element 90, original data elements: the original MTI
 * 0100 and zeros where ISO puts the original's STAN, time and institutions
 * (the network keeps none of them; OI names the original).
 */

export const PROCESSING_PURCHASE = '000000';
export const PROCESSING_REFUND = '200000';
const ORIGINAL_DATA = `0100${'0'.repeat(38)}`;
const ORIGINAL_DATA_PATTERN = /^0100\d{38}$/;
const CVV2_PATTERN = /^\d{3,4}$/;
const ACQUIRER_DIGITS = /^\d{1,11}$/;
const NAME_WIDTH = 25;
const CITY_WIDTH = 13;
const MERCHANT_ID_WIDTH = 15;

/** Element 22: PAN entry mode (Visa's 81 e-commerce, 10 credential on file) and 2, the terminal takes no PIN. */
const ENTRY_MODES = codeTable<EntryMode>('data element 22 (entry mode)', { ecommerce: '812', credential_on_file: '102' });
const PURPOSES = codeTable<AuthorizationPurpose>('private data PU (purpose)', { purchase: 'P', account_verification: 'V' });
const INITIATORS = codeTable<Initiator>('private data IN (initiator)', { customer: 'C', merchant: 'M' });

export function writeAuthorization(out: MessageWriter, r: AuthorizationRequest, options: { readonly cvv2: boolean }): void {
  const { card, merchant } = r;
  out.field(2, card.pan).field(3, PROCESSING_PURCHASE);
  writeAmount(out, r.amount);
  out.tag('ST', millisecondsText(r.sentAtMs, 'sentAtMs'));
  out.field(12, localTime(r.sentAtMs)).field(13, localDate(r.sentAtMs));
  if (!Number.isSafeInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12) throw unencodable('the expiry month must be 1 to 12');
  if (!Number.isSafeInteger(card.expYear) || card.expYear < 1000 || card.expYear > 9999) throw unencodable('the expiry year must have four digits');
  out.field(14, `${String(card.expYear % 100).padStart(2, '0')}${String(card.expMonth).padStart(2, '0')}`);
  out.tag('EC', String(Math.floor(card.expYear / 100)));
  out.field(18, merchant.mcc).field(22, ENTRY_MODES.encode(r.entryMode));

  if (ACQUIRER_DIGITS.test(merchant.acquirerId)) out.field(32, merchant.acquirerId);
  else out.tag('AQ', merchant.acquirerId);
  out.field(42, fixedText(merchant.merchantId, MERCHANT_ID_WIDTH));
  if (!fitsFixedText(merchant.merchantId, MERCHANT_ID_WIDTH)) out.tag('MI', merchant.merchantId);
  // Element 43: name (25), city (13; a card-not-present merchant has none here), country (ISO 3166 alpha-2).
  if (!/^[A-Z]{2}$/.test(merchant.country)) throw unencodable('the merchant country must be two capital letters');
  out.field(43, `${fixedText(merchant.name, NAME_WIDTH)}${' '.repeat(CITY_WIDTH)}${merchant.country}`);
  if (!fitsFixedText(merchant.name, NAME_WIDTH)) out.tag('MN', merchant.name);

  out.tag('PU', PURPOSES.encode(r.purpose)).tag('IN', INITIATORS.encode(r.initiator));
  // CVV2 goes to the issuer in the authorization and nowhere else (not in the advice that repeats the request).
  if (options.cvv2 && card.cvv2 !== null) {
    if (!CVV2_PATTERN.test(card.cvv2)) throw unencodable('CVV2 must be 3 or 4 digits');
    out.tag('CV', card.cvv2);
  }
  if (r.avs === null) out.tag('AV', 'N');
  else out.tag('AV', 'Y').nullableTag('A1', r.avs.line1).nullableTag('A2', r.avs.postalCode);
  out.nullableTag('CR', r.merchantCustomerRef);
  out.optionalNullableTag('SC', r.storedCredentialOriginalId);
  if (r.authentication === null) out.tag('AU', 'N');
  else if (r.authentication !== undefined) {
    out.tag('AU', 'Y').tag('TX', r.authentication.transactionId).tag('TV', r.authentication.value).tag('TE', r.authentication.eci);
  }
  out.optionalNullableTag('NM', r.cardholderName);
}

export function readAuthorization(m: MessageReader, id: string, options: { readonly cvv2: boolean }): AuthorizationRequest {
  const pan = m.field(2);
  if (m.field(3) !== PROCESSING_PURCHASE) throw malformed(`an authorization's processing code must be ${PROCESSING_PURCHASE}`);
  const amount = readAmount(m);
  const sentAtMs = millisecondsOf(m.tag('ST'), 'ST');
  if (m.field(12) !== localTime(sentAtMs) || m.field(13) !== localDate(sentAtMs)) throw malformed('data elements 12 and 13 disagree with private data ST');
  const expiry = m.field(14);
  const expMonth = Number(expiry.slice(2));
  if (expMonth < 1 || expMonth > 12) throw malformed('data element 14 has no month 01 to 12');
  const century = m.tag('EC');
  if (!/^[1-9]\d$/.test(century)) throw malformed('private data EC is not a century of two digits');
  const expYear = Number(century) * 100 + Number(expiry.slice(0, 2));
  const mcc = m.field(18);
  const entryMode = ENTRY_MODES.decode(m.field(22));

  const acquirerDigits = m.optionalField(32);
  const acquirerText = m.optionalTag('AQ');
  if ((acquirerDigits === undefined) === (acquirerText === undefined)) throw malformed('the acquirer must be in data element 32 or private data AQ, one of them');
  const acceptorId = m.field(42);
  const merchantId = m.optionalTag('MI') ?? acceptorId.trimEnd();
  const location = m.field(43);
  const name = m.optionalTag('MN') ?? location.slice(0, NAME_WIDTH).trimEnd();
  const country = location.slice(NAME_WIDTH + CITY_WIDTH);
  if (!/^[A-Z]{2}$/.test(country)) throw malformed('data element 43 ends without a two-letter country');

  const purpose = PURPOSES.decode(m.tag('PU'));
  const initiator = INITIATORS.decode(m.tag('IN'));
  const cvv2 = options.cvv2 ? (m.optionalTag('CV') ?? null) : null;
  if (cvv2 !== null && !CVV2_PATTERN.test(cvv2)) throw malformed('private data CV is not 3 or 4 digits');
  const avsGiven = m.tag('AV');
  if (avsGiven !== 'Y' && avsGiven !== 'N') throw malformed('private data AV is neither Y nor N');
  const avs = avsGiven === 'Y' ? { line1: m.nullableTag('A1'), postalCode: m.nullableTag('A2') } : null;
  const merchantCustomerRef = m.nullableTag('CR');
  const storedCredentialOriginalId = m.optionalNullableTag('SC');
  const authenticationGiven = m.optionalTag('AU');
  if (authenticationGiven !== undefined && authenticationGiven !== 'Y' && authenticationGiven !== 'N') throw malformed('private data AU is neither Y nor N');
  const authentication =
    authenticationGiven === 'Y' ? { transactionId: m.tag('TX'), value: m.tag('TV'), eci: m.tag('TE') } : authenticationGiven === 'N' ? null : undefined;
  const cardholderName = m.optionalNullableTag('NM');

  return {
    type: 'authorization',
    id,
    purpose,
    card: { pan, expMonth, expYear, cvv2 },
    amount,
    merchant: { acquirerId: acquirerDigits ?? acquirerText!, merchantId, name, mcc, country },
    entryMode,
    initiator,
    avs,
    merchantCustomerRef,
    ...(storedCredentialOriginalId === undefined ? {} : { storedCredentialOriginalId }),
    ...(authentication === undefined ? {} : { authentication }),
    ...(cardholderName === undefined ? {} : { cardholderName }),
    sentAtMs,
  };
}

/** 0100 with element 90: raises the authorization OI by the amount in 4/49 (the increase, not the new total). */
export function writeIncrement(out: MessageWriter, r: IncrementalAuthorizationRequest): void {
  writeFollowUpHead(out, r, PROCESSING_PURCHASE);
  writeAmount(out, r.amount);
}

export function readIncrement(m: MessageReader): IncrementalAuthorizationRequest {
  const head = readFollowUpHead(m, PROCESSING_PURCHASE, 'an incremental authorization');
  return { type: 'incremental_authorization', id: head.id, originalId: head.originalId, amount: readAmount(m), sentAtMs: head.sentAtMs };
}

/** 0400: a full reversal has no amount (the issuer releases whatever is still held); a partial one has it in 4/49. */
export function writeReversal(out: MessageWriter, r: ReversalRequest): void {
  writeFollowUpHead(out, r, PROCESSING_PURCHASE);
  if (r.amount !== null) writeAmount(out, r.amount);
}

export function readReversal(m: MessageReader): ReversalRequest {
  const head = readFollowUpHead(m, PROCESSING_PURCHASE, 'a reversal');
  const amount = m.has(4) || m.has(49) ? readAmount(m) : null;
  return { type: 'reversal', id: head.id, originalId: head.originalId, amount, sentAtMs: head.sentAtMs };
}

/** 0220 with processing code 000000: a clearing (completion) of the amount in 4/49; FI says whether it is the last. */
export function writeClearing(out: MessageWriter, r: ClearingRequest): void {
  writeFollowUpHead(out, r, PROCESSING_PURCHASE);
  writeAmount(out, r.amount);
  out.tag('FI', r.final ? 'Y' : 'N');
}

export function readClearing(m: MessageReader): ClearingRequest {
  const head = readFollowUpHead(m, PROCESSING_PURCHASE, 'a clearing');
  const amount = readAmount(m);
  const final = m.tag('FI');
  if (final !== 'Y' && final !== 'N') throw malformed('private data FI is neither Y nor N');
  return { type: 'clearing', id: head.id, originalId: head.originalId, amount, final: final === 'Y', sentAtMs: head.sentAtMs };
}

/** 0220 with processing code 200000: a refund (credit) of the amount in 4/49. */
export function writeRefund(out: MessageWriter, r: RefundRequest): void {
  writeFollowUpHead(out, r, PROCESSING_REFUND);
  writeAmount(out, r.amount);
}

export function readRefund(m: MessageReader): RefundRequest {
  const head = readFollowUpHead(m, PROCESSING_REFUND, 'a refund');
  return { type: 'refund', id: head.id, originalId: head.originalId, amount: readAmount(m), sentAtMs: head.sentAtMs };
}

/** The processing code (3) of a 0220, which says whether it is a clearing or a refund. */
export function processingCodeOf(m: MessageReader): string {
  return m.field(3);
}

export function writeAmount(out: MessageWriter, amount: Money): void {
  out.field(4, amountText(amount.minor, 'the amount')).field(49, currencyNumber(amount.currency));
}

export function readAmount(m: MessageReader): Money {
  return { minor: amountOf(m.field(4)), currency: currencyAlpha(m.field(49), 49) };
}

function writeFollowUpHead(out: MessageWriter, r: { readonly id: string; readonly originalId: string; readonly sentAtMs: number }, processingCode: string): void {
  out.field(3, processingCode).field(90, ORIGINAL_DATA);
  out.tag('ID', r.id).tag('OI', r.originalId).tag('ST', millisecondsText(r.sentAtMs, 'sentAtMs'));
}

function readFollowUpHead(m: MessageReader, processingCode: string, what: string): { id: string; originalId: string; sentAtMs: number } {
  if (m.field(3) !== processingCode) throw malformed(`${what}'s processing code must be ${processingCode}`);
  if (!ORIGINAL_DATA_PATTERN.test(m.field(90))) throw malformed('data element 90 must name an original 0100');
  return { id: m.tag('ID'), originalId: m.tag('OI'), sentAtMs: millisecondsOf(m.tag('ST'), 'ST') };
}
