import fc from 'fast-check';
import { ISO_RESPONSE_CODES, type AuthorizationRequest, type AuthorizationResponse, type FollowUpResponse, type IsoResponseCode, type Money } from '../../../src/network/messages.ts';
import type { LinkFrame, LinkMessage, Trace } from '../../../src/network/iso8583/codec.ts';
import { transmissionDateTime } from '../../../src/network/iso8583/element-values.ts';
import { knownCurrencies } from '../../../src/platform/money.ts';

/**
 * Generated issuer-link messages for the codec's properties: every field of
 * every request and answer, at its edges — absent, null and empty apart,
 * text in any script (astral planes included), amounts up to element 4's
 * twelve digits, ids up to 255 characters.
 */

const chars = (from: number, to: number) => fc.integer({ min: from, max: to }).map((c) => String.fromCharCode(c));
const digits = (min: number, max: number) => fc.string({ unit: chars(0x30, 0x39), minLength: min, maxLength: max });
/** A message id: visible ASCII, 1–255 (message-validation.ts). */
const messageId = fc.string({ unit: chars(0x21, 0x7e), minLength: 1, maxLength: 255 });
/** Any well-formed Unicode text (code points, astral ones included), short enough that a message's private data stays within its 9,999 bytes. */
const text = (maxLength = 120) => fc.string({ unit: 'binary', maxLength });
const asciiText = (maxLength: number) => fc.string({ unit: chars(0x20, 0x7e), maxLength });
/** fc.record, with plain objects (a record may have a null prototype by default, which is not what the codec returns). */
function record<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, constraints: { requiredKeys?: Array<keyof T> } = {}): fc.Arbitrary<T> {
  return fc.record(model, { ...constraints, noNullPrototype: true } as never) as unknown as fc.Arbitrary<T>;
}
const timeMs = fc.integer({ min: 0, max: 8_640_000_000_000_000 });

export const currencyCode = fc.constantFrom(...knownCurrencies().map((c) => c.code as string), 'XXX');
export const money: fc.Arbitrary<Money> = record({ minor: fc.integer({ min: 0, max: 999_999_999_999 }), currency: currencyCode });

export const authorizationRequest: fc.Arbitrary<AuthorizationRequest> = record(
  {
    type: fc.constant('authorization' as const),
    id: messageId,
    purpose: fc.constantFrom('purchase' as const, 'account_verification' as const),
    card: record({
      pan: digits(12, 19),
      expMonth: fc.integer({ min: 1, max: 12 }),
      expYear: fc.integer({ min: 1000, max: 9999 }),
      cvv2: fc.option(digits(3, 4), { nil: null }),
    }),
    amount: money,
    merchant: record({
      acquirerId: fc.oneof(digits(1, 11), text(), fc.constant('cardlane-acquirer')),
      merchantId: fc.oneof(asciiText(15), text(), messageId),
      name: fc.oneof(asciiText(25), text(100)),
      mcc: digits(4, 4),
      country: fc.string({ unit: chars(0x41, 0x5a), minLength: 2, maxLength: 2 }),
    }),
    entryMode: fc.constantFrom('ecommerce' as const, 'credential_on_file' as const),
    initiator: fc.constantFrom('customer' as const, 'merchant' as const),
    avs: fc.option(record({ line1: fc.option(text(), { nil: null }), postalCode: fc.option(text(), { nil: null }) }), { nil: null }),
    merchantCustomerRef: fc.option(text(), { nil: null }),
    storedCredentialOriginalId: fc.option(messageId, { nil: null }),
    authentication: fc.option(record({ transactionId: messageId, value: text(), eci: digits(2, 2) }), { nil: null }),
    cardholderName: fc.option(text(), { nil: null }),
    sentAtMs: timeMs,
  },
  // The last three may be left out (absent is not null: each round-trips as it was).
  { requiredKeys: ['type', 'id', 'purpose', 'card', 'amount', 'merchant', 'entryMode', 'initiator', 'avs', 'merchantCustomerRef', 'sentAtMs'] },
);

const checkResult = fc.constantFrom('pass' as const, 'fail' as const, 'unavailable' as const, 'unchecked' as const);
const responseCode = fc.constantFrom(...(Object.keys(ISO_RESPONSE_CODES) as IsoResponseCode[]));

export const authorizationResponse: fc.Arbitrary<AuthorizationResponse> = fc
  .record(
    {
      id: messageId,
      responseCode,
      approvalCode: fc.option(fc.string({ unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZabcxyz0123456789'), minLength: 6, maxLength: 6 }), { nil: null }),
      approvedAmount: money,
      cardholderBilling: money,
      avs: record({ line1: checkResult, postalCode: checkResult }),
      cvv2: checkResult,
      nameCheck: fc.constantFrom('match' as const, 'partial_match' as const, 'no_match' as const, 'unavailable' as const),
      reason: fc.oneof(fc.stringMatching(/^[a-z0-9_]{1,64}$/), text(60)),
      issuerAuthorizationId: fc.option(text(), { nil: null }),
      decidedBy: fc.constantFrom('issuer' as const, 'network' as const),
      issuer: fc.option(text(), { nil: null }),
    },
    { requiredKeys: ['id', 'responseCode', 'approvalCode', 'approvedAmount', 'avs', 'cvv2', 'reason', 'issuerAuthorizationId', 'decidedBy', 'issuer'] },
  )
  .map((r) => ({ type: 'authorization_response' as const, ...r, approved: r.responseCode === '00' }));

const followUpHead = { id: messageId, originalId: messageId, sentAtMs: timeMs };

export const followUpResponse: fc.Arbitrary<FollowUpResponse> = record({
  type: fc.constant('follow_up_response' as const),
  id: messageId,
  originalId: messageId,
  responseCode,
  reason: text(60),
  amount: money,
  decidedBy: fc.constantFrom('issuer' as const, 'network' as const),
});

export const linkMessage: fc.Arbitrary<LinkMessage> = fc.oneof(
  authorizationRequest.map((request) => ({ kind: 'authorization' as const, request })),
  record({ type: fc.constant('incremental_authorization' as const), ...followUpHead, amount: money }).map((request) => ({ kind: 'incremental_authorization' as const, request })),
  record({ type: fc.constant('reversal' as const), ...followUpHead, amount: fc.option(money, { nil: null }) }).map((request) => ({ kind: 'reversal' as const, request })),
  record({ type: fc.constant('clearing' as const), ...followUpHead, amount: money, final: fc.boolean() }).map((request) => ({ kind: 'clearing' as const, request })),
  record({ type: fc.constant('refund' as const), ...followUpHead, amount: money }).map((request) => ({ kind: 'refund' as const, request })),
  fc
    .record({ id: messageId, request: authorizationRequest, response: authorizationResponse })
    .map((advice) => ({ kind: 'advice' as const, advice: { type: 'advice' as const, ...advice } })),
  fc.constant({ kind: 'echo' as const }),
  authorizationResponse.map((response) => ({ kind: 'authorization_answer' as const, response })),
  record({ mti: fc.constantFrom('0410' as const, '0230' as const), response: followUpResponse }).map((a) => ({ kind: 'follow_up_answer' as const, ...a })),
  messageId.map((id) => ({ kind: 'advice_acknowledgement' as const, id })),
  fc.constant({ kind: 'echo_answer' as const }),
  fc
    .record({ mti: fc.constantFrom('0110' as const, '0130' as const, '0410' as const, '0230' as const), id: fc.oneof(messageId, fc.constant('')), reason: text(60) })
    .map((f) => ({ kind: 'failure' as const, ...f })),
);

export const trace: fc.Arbitrary<Trace> = record({
  transmittedAt: timeMs.map(transmissionDateTime),
  stan: digits(6, 6),
  rrn: fc.string({ unit: fc.constantFrom(...'ABCXYZ0123456789'), minLength: 12, maxLength: 12 }),
});

export const linkFrame: fc.Arbitrary<LinkFrame> = record({ trace, message: linkMessage });

/** What the receiver gets: everything sent, except the CVV2 an advice never carries. */
export function asReceived(frame: LinkFrame): LinkFrame {
  if (frame.message.kind !== 'advice') return frame;
  const { advice } = frame.message;
  return { ...frame, message: { kind: 'advice', advice: { ...advice, request: { ...advice.request, card: { ...advice.request.card, cvv2: null } } } } };
}
