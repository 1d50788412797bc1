import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { unauthenticated, unencodable } from './iso8583-error.ts';

/**
 * Message authentication on the issuer link. A refund (0220, processing
 * code 200000) moves money from the network's settlement account to a
 * card, so the issuer must execute only what the network sent: every
 * message, both ways, carries a MAC where ISO 8583:1987 puts it — the last
 * data element, 64 when the message has only a primary bitmap, 128 when a
 * secondary bitmap is present.
 *
 * The MAC is HMAC-SHA256 under the link key over every byte before it (the
 * MTI, the bitmaps with the MAC's bit set, all other elements), cut to its
 * first 8 bytes — the size of element 64/128 (b 64) — and sent as 16
 * uppercase hex characters, because everything else in the codec is ASCII.
 * A forger guesses 64 bits, and every wrong guess costs a connection.
 *
 * It is checked before the message is parsed: the MAC has a fixed length
 * and comes last, so the bitmap alone says where it is, and bytes from a
 * peer without the key never reach the decoder. The comparison takes the
 * same time wherever the bytes differ.
 *
 * It does not stop a replay of a message copied off the wire (that needs
 * root on this machine, or the path between two machines): a replay
 * repeats the message's id, which an issuer answers once, changing nothing.
 */

export const LINK_KEY_BYTES = 32;
/** The MAC on the wire: 8 bytes as hex. */
export const MAC_CHARS = 16;
const MAC_BYTES = 8;
const MTI_CHARS = 4;
const BITMAP_CHARS = 16;
const HEX_DIGITS = '0123456789ABCDEF';

/** The link key as Node keeps a secret key: its bytes do not show in a log line or an inspected object. */
export type LinkKey = KeyObject;

/** The link key from its 32 bytes; anything else is refused, so no link runs unauthenticated by mistake. */
export function linkKeyOf(bytes: Uint8Array | undefined, who: string): LinkKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== LINK_KEY_BYTES) {
    throw new RangeError(`${who} needs the issuer link's key (${LINK_KEY_BYTES} bytes): the link authenticates every message`);
  }
  return createSecretKey(bytes);
}

/** `message` (as the codec packs it, without a MAC) with its MAC: the bit set in the bitmap and the element appended. */
export function sealMessage(key: LinkKey, message: Uint8Array): Buffer {
  const sealed = Buffer.alloc(message.length + MAC_CHARS);
  sealed.set(message);
  const at = macBitAt(sealed);
  const digit = at === null ? -1 : hexValue(sealed[at]!);
  // The codec packs every message with uppercase hex bitmaps and never sets 64 or 128 itself.
  if (at === null || digit < 0 || (digit & 1) === 1) throw unencodable('only a packed message without a MAC can be sealed');
  sealed[at] = HEX_DIGITS.charCodeAt(digit | 1);
  macOf(key, sealed.subarray(0, message.length)).copy(sealed, message.length);
  return sealed;
}

/**
 * The message without its MAC, as the codec reads it (the bit cleared, the
 * element removed), when the MAC is there and right; else an
 * Iso8583Error `unauthenticated`. Its text never holds the message's bytes.
 */
export function openMessage(key: LinkKey, sealed: Uint8Array): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const at = macBitAt(bytes);
  const element = at !== null && at >= MTI_CHARS + BITMAP_CHARS ? 128 : 64;
  const digit = at === null ? -1 : hexValue(bytes[at]!);
  if (at === null || digit < 0 || (digit & 1) === 0 || bytes.length < at + 1 + MAC_CHARS) {
    throw unauthenticated(`the message carries no MAC (data element ${element})`);
  }
  const end = bytes.length - MAC_CHARS;
  if (!timingSafeEqual(macOf(key, bytes.subarray(0, end)), bytes.subarray(end))) {
    throw unauthenticated(`the MAC (data element ${element}) does not match the message`);
  }
  const message = Buffer.from(bytes.subarray(0, end));
  message[at] = HEX_DIGITS.charCodeAt(digit & ~1);
  return message;
}

/**
 * Where the MAC's bit is: the last hex digit of the secondary bitmap when
 * bit 1 announces one (bit 128), else the primary's (bit 64). Null when the
 * bytes are too short to hold the bitmaps.
 */
function macBitAt(bytes: Uint8Array): number | null {
  if (bytes.length < MTI_CHARS + BITMAP_CHARS) return null;
  const first = hexValue(bytes[MTI_CHARS]!);
  if (first < 0) return null;
  const bitmaps = (first & 0x8) === 0 ? 1 : 2;
  if (bytes.length < MTI_CHARS + bitmaps * BITMAP_CHARS) return null;
  return MTI_CHARS + bitmaps * BITMAP_CHARS - 1;
}

function macOf(key: LinkKey, bytes: Uint8Array): Buffer {
  const mac = createHmac('sha256', key).update(bytes).digest().subarray(0, MAC_BYTES);
  return Buffer.from(mac.toString('hex').toUpperCase(), 'ascii');
}

/** An uppercase hex digit's value (the codec's bitmaps are uppercase), else -1. */
function hexValue(byte: number): number {
  return HEX_DIGITS.indexOf(String.fromCharCode(byte));
}
