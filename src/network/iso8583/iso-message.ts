import { DATA_ELEMENTS, type DataElement } from './data-elements.ts';
import { malformed, unencodable } from './iso8583-error.ts';

/**
 * An ISO 8583 message as bytes: a four-digit MTI, the primary bitmap (and
 * the secondary one when an element above 64 is present) as uppercase hex,
 * then the present data elements in order, each in its format from
 * data-elements.ts. ASCII throughout, except the private element's bytes.
 *
 * Strict both ways: a value that does not fit its element is refused when
 * packing, and unpacking refuses anything that is not exactly such a
 * message — a bitmap that is not hex or names an element Cardlane does not
 * define, a secondary bitmap with nothing in it, a tertiary bitmap (bit 65),
 * a length prefix that is not digits or passes the element's maximum,
 * characters outside the element's format, bytes missing or left over.
 */

export interface IsoMessage {
  readonly mti: string;
  /** Element number → its value: text for n, an and ans (without the length prefix), bytes for b. */
  readonly fields: ReadonlyMap<number, string | Uint8Array>;
}

const MTI_PATTERN = /^\d{4}$/;
const BITMAP_HEX_CHARS = 16;
const CHARSETS: Record<'n' | 'an' | 'ans', RegExp> = {
  n: /^[0-9]*$/,
  an: /^[0-9A-Za-z]*$/,
  ans: /^[\x20-\x7e]*$/,
};

export function packIsoMessage(message: IsoMessage): Buffer {
  if (!MTI_PATTERN.test(message.mti)) throw unencodable('the message type indicator must be four digits');
  const numbers = [...message.fields.keys()].sort((a, b) => a - b);
  const secondary = numbers.some((n) => n > 64);
  const bitmap = Buffer.alloc(secondary ? 16 : 8);
  if (secondary) bitmap[0]! |= 0x80;
  const parts: Buffer[] = [];
  for (const number of numbers) {
    const spec = DATA_ELEMENTS.get(number);
    if (!spec || number === 1 || number === 65) throw unencodable(`data element ${number} is not defined`);
    bitmap[(number - 1) >> 3]! |= 0x80 >> ((number - 1) & 7);
    parts.push(packElement(spec, message.fields.get(number)!));
  }
  const hex = bitmap.toString('hex').toUpperCase();
  return Buffer.concat([Buffer.from(message.mti + hex, 'ascii'), ...parts]);
}

function packElement(spec: DataElement, value: string | Uint8Array): Buffer {
  let body: Buffer;
  if (spec.format === 'b') {
    if (!(value instanceof Uint8Array)) throw unencodable(`data element ${spec.number} holds bytes`);
    body = Buffer.from(value);
  } else {
    if (typeof value !== 'string') throw unencodable(`data element ${spec.number} holds text`);
    if (!CHARSETS[spec.format].test(value)) throw unencodable(`data element ${spec.number} (${spec.name}) allows ${describeFormat(spec.format)} only`);
    body = Buffer.from(value, 'ascii');
  }
  if (spec.prefixDigits === 0) {
    if (body.length !== spec.length) throw unencodable(`data element ${spec.number} (${spec.name}) must be exactly ${spec.length} long, not ${body.length}`);
    return body;
  }
  if (body.length > spec.length) throw unencodable(`data element ${spec.number} (${spec.name}) holds at most ${spec.length}, not ${body.length}`);
  return Buffer.concat([Buffer.from(String(body.length).padStart(spec.prefixDigits, '0'), 'ascii'), body]);
}

export function unpackIsoMessage(bytes: Uint8Array): IsoMessage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  const take = (count: number, what: string): Buffer => {
    if (offset + count > buffer.length) throw malformed(`the message ends inside ${what}`);
    const slice = buffer.subarray(offset, offset + count);
    offset += count;
    return slice;
  };
  const mti = take(4, 'the message type indicator').toString('latin1');
  if (!MTI_PATTERN.test(mti)) throw malformed('the message type indicator is not four digits');
  const present = bitsOf(take(BITMAP_HEX_CHARS, 'the primary bitmap'), 'primary');
  if (present.includes(1)) {
    const secondary = bitsOf(take(BITMAP_HEX_CHARS, 'the secondary bitmap'), 'secondary').map((bit) => bit + 64);
    if (secondary.length === 0) throw malformed('the primary bitmap announces a secondary bitmap that is empty');
    if (secondary.includes(65)) throw malformed('bit 65 (a tertiary bitmap) is not supported');
    present.push(...secondary);
  }
  const fields = new Map<number, string | Uint8Array>();
  for (const number of present) {
    if (number === 1) continue;
    const spec = DATA_ELEMENTS.get(number);
    if (!spec) throw malformed(`the bitmap names data element ${number}, which is not defined`);
    let length = spec.length;
    if (spec.prefixDigits > 0) {
      const prefix = take(spec.prefixDigits, `the length of data element ${number}`).toString('latin1');
      if (!/^\d+$/.test(prefix)) throw malformed(`the length of data element ${number} is not digits`);
      length = Number(prefix);
      if (length > spec.length) throw malformed(`data element ${number} (${spec.name}) says it is ${length} long; it holds at most ${spec.length}`);
    }
    const body = take(length, `data element ${number}`);
    if (spec.format === 'b') {
      fields.set(number, Uint8Array.from(body));
      continue;
    }
    const text = body.toString('latin1');
    if (!CHARSETS[spec.format].test(text)) throw malformed(`data element ${number} (${spec.name}) has characters outside ${describeFormat(spec.format)}`);
    fields.set(number, text);
  }
  if (offset !== buffer.length) throw malformed(`${buffer.length - offset} bytes follow the last data element`);
  return { mti, fields };
}

/** The bit numbers (1-based) set in a bitmap of 16 uppercase hex characters. */
function bitsOf(hex: Buffer, which: string): number[] {
  const text = hex.toString('latin1');
  if (!/^[0-9A-F]{16}$/.test(text)) throw malformed(`the ${which} bitmap is not 16 uppercase hex digits`);
  const bits: number[] = [];
  const bytes = Buffer.from(text, 'hex');
  for (let bit = 0; bit < 64; bit++) if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) bits.push(bit + 1);
  return bits;
}

function describeFormat(format: 'n' | 'an' | 'ans'): string {
  return format === 'n' ? 'digits' : format === 'an' ? 'letters and digits' : 'printable ASCII';
}
