import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeLinkFrame, encodeLinkFrame, MAX_MESSAGE_BYTES, type LinkFrame } from '../../../src/network/iso8583/codec.ts';
import { hasCurrencyNumber } from '../../../src/network/iso8583/currency-numbers.ts';
import { Iso8583Error } from '../../../src/network/iso8583/iso8583-error.ts';
import { packIsoMessage, unpackIsoMessage } from '../../../src/network/iso8583/iso-message.ts';
import { unpackPrivateData } from '../../../src/network/iso8583/private-data.ts';
import type { AuthorizationRequest, AuthorizationResponse } from '../../../src/network/messages.ts';
import { knownCurrencies } from '../../../src/platform/money.ts';
import { asReceived, authorizationRequest, linkFrame } from './link-arbitraries.ts';

// The issuer link's codec (src/network/iso8583/): every message the network sends an issuer, and every answer,
// comes back from the wire exactly as it went (the CVV2 of an advice aside: it is never sent there), and bytes
// that are not such a message are refused with an Iso8583Error — never another exception, never a hang.

const TRACE = { transmittedAt: '1125120000', stan: '000042', rrn: '632912000042' };
const START_MS = Date.UTC(2026, 10, 25, 12, 0, 0);

const AUTHORIZATION: AuthorizationRequest = {
  type: 'authorization',
  id: 'pi_123:attempt_1',
  purpose: 'purchase',
  card: { pan: '4242424242424242', expMonth: 3, expYear: 2030, cvv2: '737' },
  amount: { minor: 1_999, currency: 'USD' },
  merchant: { acquirerId: 'cardlane-acquirer', merchantId: 'acct_1QxY', name: 'OPENAI *CHATGPT', mcc: '5734', country: 'US' },
  entryMode: 'ecommerce',
  initiator: 'customer',
  avs: { line1: '548 Market St', postalCode: '94104' },
  merchantCustomerRef: 'cus_9',
  sentAtMs: START_MS,
};

const APPROVED: AuthorizationResponse = {
  type: 'authorization_response',
  id: AUTHORIZATION.id,
  responseCode: '00',
  approved: true,
  approvalCode: 'A1B2C3',
  approvedAmount: { minor: 1_999, currency: 'USD' },
  cardholderBilling: { minor: 15_000, currency: 'CNY' },
  avs: { line1: 'pass', postalCode: 'fail' },
  cvv2: 'pass',
  reason: 'approved',
  issuerAuthorizationId: 'iauth_1',
  decidedBy: 'issuer',
  issuer: 'cardlane',
};

const wire = (frame: LinkFrame) => {
  const iso = unpackIsoMessage(encodeLinkFrame(frame));
  const data = iso.fields.get(126);
  return { mti: iso.mti, fields: iso.fields, tags: data instanceof Uint8Array ? unpackPrivateData(data) : new Map() };
};

test('decode(encode(m)) is m for every generated request and answer (an advice arrives without its CVV2)', () => {
  fc.assert(
    fc.property(linkFrame, (frame) => {
      assert.deepStrictEqual(decodeLinkFrame(encodeLinkFrame(frame)), asReceived(frame));
    }),
    { numRuns: 1_500 },
  );
});

test('an authorization on the wire: its standard data elements, and what only private data (126) carries', () => {
  const { mti, fields, tags } = wire({ trace: TRACE, message: { kind: 'authorization', request: AUTHORIZATION } });
  assert.equal(mti, '0100');
  assert.deepEqual(
    [2, 3, 4, 7, 11, 12, 13, 14, 18, 22, 37, 42, 43, 49].map((n) => fields.get(n)),
    ['4242424242424242', '000000', '000000001999', '1125120000', '000042', '120000', '1125', '3003', '5734', '812', '632912000042', 'acct_1QxY      ', `OPENAI *CHATGPT${' '.repeat(10)}${' '.repeat(13)}US`, '840'],
  );
  assert.equal(fields.has(32), false, 'a named acquirer is not digits: it travels in AQ');
  assert.deepEqual(Object.fromEntries(tags), {
    ID: 'pi_123:attempt_1', ST: String(START_MS), EC: '20', AQ: 'cardlane-acquirer', PU: 'P', IN: 'C', CV: '737', AV: 'Y', A1: 'S548 Market St', A2: 'S94104', CR: 'Scus_9',
  });
  // The answer: 39, 38, 4/49 approved, 6/51 billing, 44 check results (address M, postal N, CVV2 M).
  const answer = wire({ trace: TRACE, message: { kind: 'authorization_answer', response: APPROVED } });
  assert.equal(answer.mti, '0110');
  assert.deepEqual([39, 38, 4, 49, 6, 51, 44].map((n) => answer.fields.get(n)), ['00', 'A1B2C3', '000000001999', '840', '000000015000', '156', 'MNM']);
});

test('follow-ups: incremental 0100 with element 90, reversal 0400 (no amount when full), clearing 0220/000000, refund 0220/200000', () => {
  const head = { id: 'm2', originalId: AUTHORIZATION.id, sentAtMs: START_MS };
  const usd = { minor: 500, currency: 'USD' };
  const cases: Array<[LinkFrame['message'], string, string, boolean]> = [
    [{ kind: 'incremental_authorization', request: { type: 'incremental_authorization', ...head, amount: usd } }, '0100', '000000', true],
    [{ kind: 'reversal', request: { type: 'reversal', ...head, amount: null } }, '0400', '000000', false],
    [{ kind: 'reversal', request: { type: 'reversal', ...head, amount: usd } }, '0400', '000000', true],
    [{ kind: 'clearing', request: { type: 'clearing', ...head, amount: usd, final: true } }, '0220', '000000', true],
    [{ kind: 'refund', request: { type: 'refund', ...head, amount: usd } }, '0220', '200000', true],
  ];
  for (const [message, mti, processingCode, hasAmount] of cases) {
    const { fields, tags, ...rest } = wire({ trace: TRACE, message });
    assert.deepEqual([rest.mti, fields.get(3), fields.get(90)?.slice(0, 4), fields.has(4), fields.has(2)], [mti, processingCode, '0100', hasAmount, false], message.kind);
    assert.equal(tags.get('OI'), AUTHORIZATION.id);
    assert.deepStrictEqual(decodeLinkFrame(encodeLinkFrame({ trace: TRACE, message })).message, message);
  }
});

test('CVV2 travels in the authorization only: never in the advice that repeats it', () => {
  const standIn = { ...APPROVED, responseCode: '91' as const, approved: false, approvalCode: null, approvedAmount: { minor: 0, currency: 'USD' } };
  const advice = { type: 'advice' as const, id: 'adv_1', request: AUTHORIZATION, response: standIn };
  const bytes = encodeLinkFrame({ trace: TRACE, message: { kind: 'advice', advice } });
  const { mti, fields, tags } = wire({ trace: TRACE, message: { kind: 'advice', advice } });
  assert.equal(mti, '0120');
  assert.equal(tags.has('CV'), false);
  assert.equal(bytes.includes('737'), false);
  // An advice that arrives with one is refused, not read.
  const withCvv2 = new Map(fields);
  withCvv2.set(126, Buffer.concat([fields.get(126) as Uint8Array, Buffer.from('CV003737')]));
  assert.throws(() => decodeLinkFrame(packIsoMessage({ mti, fields: withCvv2 })), /private data CV does not belong in a 0120/);
});

test('every currency the acquirer accepts has an ISO 4217 numeric code', () => {
  assert.deepEqual(knownCurrencies().filter((c) => !hasCurrencyNumber(c.code)).map((c) => c.code), []);
});

test('a message the wire cannot carry is refused when encoding, with the reason and never the value', () => {
  const cases: Array<[AuthorizationRequest, RegExp]> = [
    [{ ...AUTHORIZATION, amount: { minor: 1_000_000_000_000, currency: 'USD' } }, /amount must be a whole number of minor units from 0 to 999999999999/],
    [{ ...AUTHORIZATION, amount: { minor: 1.5, currency: 'USD' } }, /whole number of minor units/],
    [{ ...AUTHORIZATION, amount: { minor: 100, currency: 'ZZZ' } }, /no ISO 4217 numeric code/],
    [{ ...AUTHORIZATION, card: { ...AUTHORIZATION.card, pan: '4242x42424242424' } }, /data element 2 \(primary account number\) allows digits only/],
    [{ ...AUTHORIZATION, card: { ...AUTHORIZATION.card, pan: '42424242424242424242' } }, /data element 2 .* holds at most 19, not 20/],
    [{ ...AUTHORIZATION, card: { ...AUTHORIZATION.card, cvv2: '12' } }, /CVV2 must be 3 or 4 digits/],
    [{ ...AUTHORIZATION, merchant: { ...AUTHORIZATION.merchant, mcc: '573' } }, /data element 18 .* exactly 4 long, not 3/],
    [{ ...AUTHORIZATION, merchantCustomerRef: 'cus_\ud800' }, /CR is not well-formed Unicode/],
    [{ ...AUTHORIZATION, merchantCustomerRef: 'x'.repeat(999) }, /CR is 1000 bytes; a subelement holds at most 999/],
  ];
  for (const [request, reason] of cases) {
    assert.throws(
      () => encodeLinkFrame({ trace: TRACE, message: { kind: 'authorization', request } }),
      (error: unknown) => error instanceof Iso8583Error && error.kind === 'unencodable' && reason.test(error.message) && !error.message.includes('4242'),
      String(reason),
    );
  }
  assert.throws(() => encodeLinkFrame({ trace: TRACE, message: { kind: 'authorization_answer', response: { ...APPROVED, approved: false } } }), /approved exactly when data element 39 is 00/);
});

// --- malformed input ---------------------------------------------------------

const GOOD = encodeLinkFrame({ trace: TRACE, message: { kind: 'authorization', request: AUTHORIZATION } });
const text = GOOD.toString('latin1');
const bitmapEnd = 4 + 16;

/** `GOOD` with its element `number` replaced by raw text (its length prefix included, for a variable one). */
function withRawElement(number: number, raw: string): Buffer {
  const iso = unpackIsoMessage(GOOD);
  // The elements alone: the packed message without its MTI and bitmaps (two of them when an element above 64 is there).
  const elements = (keep: (n: number) => boolean) => {
    const fields = new Map([...iso.fields].filter(([n]) => keep(n)));
    return packIsoMessage({ mti: '0100', fields }).subarray([...fields.keys()].some((n) => n > 64) ? 4 + 32 : 4 + 16);
  };
  const header = GOOD.subarray(0, 4 + 32);
  return Buffer.concat([header, elements((n) => n < number), Buffer.from(raw, 'latin1'), elements((n) => n > number)]);
}

test('malformed messages are refused with a clear Iso8583Error', () => {
  const bitmap = text.slice(4, bitmapEnd);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /ends inside the message type indicator/],
    ['MTI not digits', Buffer.from(`01X0${text.slice(4)}`, 'latin1'), /message type indicator is not four digits/],
    ['an MTI the link does not carry', Buffer.from(`0200${text.slice(4)}`, 'latin1'), /message type is not one the issuer link carries/],
    ['bitmap not hex', Buffer.from(`0100${'G'.repeat(16)}${text.slice(bitmapEnd)}`, 'latin1'), /primary bitmap is not 16 uppercase hex digits/],
    ['bitmap lower case', Buffer.from(`0100${bitmap.toLowerCase()}${text.slice(bitmapEnd)}`, 'latin1'), /primary bitmap is not 16 uppercase hex/],
    ['bitmap names an undefined element (5)', Buffer.from(`0100${(BigInt(`0x${bitmap}`) | (1n << 59n)).toString(16).toUpperCase()}${text.slice(bitmapEnd)}`, 'latin1'), /names data element 5, which is not defined/],
    ['secondary bitmap announced, empty', Buffer.from(`0100C000000000000000${'0'.repeat(16)}164242424242424242`, 'latin1'), /secondary bitmap that is empty/],
    ['tertiary bitmap (bit 65)', Buffer.from(`01008000000000000000800000000000000412345`, 'latin1'), /bit 65/],
    ['PAN with a letter', withRawElement(2, '164242424242424A42'), /data element 2 .* has characters outside digits/],
    ['PAN length over 19', withRawElement(2, `20${'4'.repeat(20)}`), /data element 2 .* says it is 20 long; it holds at most 19/],
    ['length prefix not digits', withRawElement(2, `1a${'4'.repeat(16)}`), /length of data element 2 is not digits/],
    ['amount with a space', withRawElement(4, '00000000 999'), /data element 4 .* characters outside digits/],
    ['field 43 with a control character', withRawElement(43, `OPENAI\u0001${' '.repeat(31)}US`), /data element 43 .* outside printable ASCII/],
    ['truncated in the middle', GOOD.subarray(0, GOOD.length - 7), /private data .* cut short|ends inside data element 126/],
    ['a byte left over', Buffer.concat([GOOD, Buffer.from('0')]), /1 bytes follow the last data element/],
    ['oversized', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x30), /at most 12288 are read/],
  ];
  for (const [name, bytes, reason] of cases) {
    assert.throws(() => decodeLinkFrame(bytes), (error: unknown) => error instanceof Iso8583Error && error.kind === 'malformed' && reason.test(error.message), `${name}: expected ${reason}`);
  }
});

test('malformed in meaning: a missing element, one that does not belong, bad private data, unknown codes', () => {
  const iso = unpackIsoMessage(GOOD);
  const tags = unpackPrivateData(iso.fields.get(126) as Uint8Array);
  const withFields = (change: (fields: Map<number, string | Uint8Array>) => void, mti = '0100') => {
    const fields = new Map(iso.fields);
    change(fields);
    return packIsoMessage({ mti, fields });
  };
  const rawTags = (entries: Array<[string, string | Buffer]>) => Buffer.concat(entries.map(([tag, value]) => Buffer.concat([Buffer.from(`${tag}${String(Buffer.byteLength(value)).padStart(3, '0')}`), Buffer.from(value)])));
  const withTags = (change: (entries: Array<[string, string | Buffer]>) => Array<[string, string | Buffer]>) => withFields((f) => f.set(126, rawTags(change([...tags]))));
  const cases: Array<[string, Buffer, RegExp]> = [
    ['no PAN', withFields((f) => f.delete(2)), /a 0100 needs data element 2/],
    ['an element a 0100 does not take (39)', withFields((f) => f.set(39, '00')), /data element 39 does not belong in a 0100/],
    ['unknown currency number', withFields((f) => f.set(49, '001')), /data element 49 names a currency Cardlane does not know/],
    ['entry mode not defined', withFields((f) => f.set(22, '051')), /data element 22 \(entry mode\) has a code Cardlane does not define/],
    ['expiry month 13', withFields((f) => f.set(14, '3013')), /data element 14 has no month/],
    ['transmission time not a date', withFields((f) => f.set(7, '1332250000')), /data element 7 is not a date and time/],
    ['local time disagrees with ST', withFields((f) => f.set(12, '120001')), /12 and 13 disagree with private data ST/],
    ['refund processing code on an authorization', withFields((f) => f.set(3, '200000')), /processing code must be 000000/],
    ['unknown tag', withTags((e) => [...e, ['ZZ', 'x']]), /a tag Cardlane does not define/],
    ['tag twice', withTags((e) => [...e, ['PU', 'P']]), /private data PU appears twice/],
    ['tag length not digits', withFields((f) => f.set(126, Buffer.from('ID0x1abc'))), /ID has a length that is not three digits/],
    ['tag cut short', withFields((f) => f.set(126, Buffer.from('ID050abc'))), /private data ID is cut short/],
    ['tag not UTF-8', withTags((e) => e.map(([t, v]) => [t, t === 'CR' ? Buffer.from([0x53, 0xff, 0xfe]) : v])), /private data CR is not UTF-8/],
    ['nullable neither N nor S', withTags((e) => e.map(([t, v]) => [t, t === 'CR' ? 'X' : v])), /CR is neither N nor S/],
    ['CVV2 not digits', withTags((e) => e.map(([t, v]) => [t, t === 'CV' ? '7a7' : v])), /private data CV is not 3 or 4 digits/],
    ['no id', withTags((e) => e.filter(([t]) => t !== 'ID')), /a 0100 needs private data ID/],
    ['acquirer twice', withFields((f) => f.set(32, '12345')), /acquirer must be in data element 32 or private data AQ, one of them/],
    ['unknown response code', packIsoMessage({ mti: '0130', fields: new Map<number, string | Uint8Array>([[7, '1125120000'], [11, '000001'], [37, '632912000001'], [39, 'Q9'], [126, rawTags([['ID', 'a']])]]) }), /data element 39 is not a response code/],
  ];
  for (const [name, bytes, reason] of cases) {
    assert.throws(() => decodeLinkFrame(bytes), (error: unknown) => error instanceof Iso8583Error && error.kind === 'malformed' && reason.test(error.message), `${name}: expected ${reason}`);
  }
});

test('any prefix of a message is refused; any bytes, and any message with a byte changed, decode or throw an Iso8583Error — nothing else', () => {
  const onlyIso8583Errors = (bytes: Uint8Array) => {
    try {
      decodeLinkFrame(bytes);
    } catch (error) {
      if (!(error instanceof Iso8583Error)) throw error;
    }
  };
  fc.assert(
    fc.property(linkFrame, fc.nat(), (frame, cut) => {
      const bytes = encodeLinkFrame(frame);
      const prefix = bytes.subarray(0, cut % bytes.length);
      assert.throws(() => decodeLinkFrame(prefix), Iso8583Error);
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), onlyIso8583Errors), { numRuns: 2_000 });
  fc.assert(
    fc.property(linkFrame, fc.nat(), fc.integer({ min: 0, max: 255 }), (frame, at, byte) => {
      const bytes = Buffer.from(encodeLinkFrame(frame));
      bytes[at % bytes.length] = byte;
      onlyIso8583Errors(bytes);
    }),
    { numRuns: 2_000 },
  );
  // A long run of one length digit cannot make the reader loop or allocate: the first bad length ends it.
  const started = performance.now();
  onlyIso8583Errors(Buffer.from(`0100${'F'.repeat(16)}${'9'.repeat(MAX_MESSAGE_BYTES - 20)}`, 'latin1'));
  assert.ok(performance.now() - started < 1_000);
});

test('an authorization generated at its edges round-trips on its own (the field most messages carry)', () => {
  fc.assert(
    fc.property(authorizationRequest, (request) => {
      const frame: LinkFrame = { trace: TRACE, message: { kind: 'authorization', request } };
      assert.deepStrictEqual(decodeLinkFrame(encodeLinkFrame(frame)), frame);
    }),
    { numRuns: 500 },
  );
});
