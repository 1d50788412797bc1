import { malformed, unencodable } from './iso8583-error.ts';

/**
 * Data element 126, Cardlane's private data: what the network's messages
 * carry that no standard element holds. A run of subelements, each a
 * two-character tag, its length in bytes as three digits, and its value in
 * UTF-8 (names and addresses are not always ASCII). Each tag appears at most
 * once, in any order; an unknown tag is refused, so nothing is silently
 * dropped. Which tags a message carries is up to its mapping
 * (request-fields.ts, response-fields.ts), which also refuses a tag that
 * does not belong in that message.
 *
 * A value that may be null is `N` for null or `S` followed by the text, so
 * null, absent and the empty string stay three different things.
 */

export const PRIVATE_TAGS = {
  ID: 'the message id (the sender\'s; an answer carries its request\'s)',
  OI: 'the original authorization\'s message id (follow-ups, their answers, and the 0120 that advises it)',
  ST: 'when the sender sent it (sentAtMs), decimal milliseconds',
  PU: 'purpose: P purchase, V account verification',
  IN: 'initiator: C customer (CIT), M merchant (MIT)',
  CV: 'CVV2, digits — in the 0100 only, never in an advice or a log',
  EC: 'expiry century, two digits (data element 14 has YYMM)',
  AQ: 'acquirer id, when it is not the digits data element 32 takes',
  MI: 'merchant id in full, when it does not fit data element 42 (15 printable ASCII)',
  MN: 'merchant name in full, when it does not fit data element 43\'s 25 characters',
  AV: 'AVS data: N not collected, Y collected (then A1 and A2)',
  A1: 'AVS address line 1 (nullable)',
  A2: 'AVS postal code (nullable)',
  CR: 'the merchant\'s customer reference (nullable)',
  SC: 'stored credential: the original authorization\'s id (nullable; absent when not sent)',
  AU: '3-D Secure result: N none, Y present (then TX, TV, TE); absent when not sent',
  TX: '3-D Secure transaction id',
  TV: '3-D Secure authentication value (CAVV)',
  TE: '3-D Secure electronic commerce indicator (ECI)',
  NM: 'cardholder name for account-name verification (nullable; absent when not asked)',
  FI: 'clearing: Y final (releases what remains held), N not final',
  RE: 'the answer\'s reason, a snake_case code refining data element 39',
  IA: 'the issuer\'s authorization record id (nullable)',
  DB: 'who decided: I issuer, N network',
  IS: 'the issuer the network routed to (nullable)',
  RI: 'in a 0120: the advised answer\'s id',
  RA: 'in a 0120: the advised answer\'s approved amount, 12 digits then the numeric currency',
  XF: 'the issuer failed to answer (it threw); the value says why. The answer then has only 11, 37, 39 (96) and ID',
} as const;

export type PrivateTag = keyof typeof PRIVATE_TAGS;

const MAX_VALUE_BYTES = 999;
const HEADER_BYTES = 5;
// ignoreBOM keeps a leading U+FEFF in the value instead of eating it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function packPrivateData(values: ReadonlyMap<PrivateTag, string>): Uint8Array {
  const parts: Buffer[] = [];
  for (const [tag, value] of values) {
    const bytes = Buffer.from(value, 'utf8');
    // A lone surrogate would come back as U+FFFD: the message would not be the one sent.
    if (bytes.toString('utf8') !== value) throw unencodable(`private data ${tag} is not well-formed Unicode`);
    if (bytes.length > MAX_VALUE_BYTES) throw unencodable(`private data ${tag} is ${bytes.length} bytes; a subelement holds at most ${MAX_VALUE_BYTES}`);
    parts.push(Buffer.from(`${tag}${String(bytes.length).padStart(3, '0')}`, 'ascii'), bytes);
  }
  return Buffer.concat(parts);
}

export function unpackPrivateData(bytes: Uint8Array): Map<PrivateTag, string> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Map<PrivateTag, string>();
  let offset = 0;
  while (offset < buffer.length) {
    if (offset + HEADER_BYTES > buffer.length) throw malformed('private data ends inside a subelement\'s tag or length');
    const tag = buffer.subarray(offset, offset + 2).toString('latin1');
    const lengthText = buffer.subarray(offset + 2, offset + HEADER_BYTES).toString('latin1');
    if (!Object.hasOwn(PRIVATE_TAGS, tag)) throw malformed('private data has a tag Cardlane does not define');
    if (!/^\d{3}$/.test(lengthText)) throw malformed(`private data ${tag} has a length that is not three digits`);
    if (values.has(tag as PrivateTag)) throw malformed(`private data ${tag} appears twice`);
    const length = Number(lengthText);
    offset += HEADER_BYTES;
    if (offset + length > buffer.length) throw malformed(`private data ${tag} is cut short`);
    let value: string;
    try {
      value = utf8.decode(buffer.subarray(offset, offset + length));
    } catch {
      throw malformed(`private data ${tag} is not UTF-8`);
    }
    values.set(tag as PrivateTag, value);
    offset += length;
  }
  return values;
}
