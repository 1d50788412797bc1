import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeLinkFrame, encodeLinkFrame } from '../../../src/network/iso8583/codec.ts';
import { Iso8583Error } from '../../../src/network/iso8583/iso8583-error.ts';
import { packIsoMessage } from '../../../src/network/iso8583/iso-message.ts';
import { Iso8583IssuerClient } from '../../../src/network/iso8583/issuer-client.ts';
import { Iso8583IssuerServer } from '../../../src/network/iso8583/issuer-server.ts';
import { linkKeyOf, MAC_CHARS, openMessage, sealMessage } from '../../../src/network/iso8583/message-mac.ts';
import { ManualClock } from '../../../src/platform/clock.ts';
import { RecordingIssuer } from '../network-fixture.ts';
import { asReceived, linkFrame } from './link-arbitraries.ts';

// The issuer link's MAC (src/network/iso8583/message-mac.ts): element 128 (or 64 without a secondary bitmap) is
// HMAC-SHA256 under the link key over every byte before it, its first 8 bytes as 16 uppercase hex characters;
// a message whose MAC is missing, made under another key, or that changed anywhere after sealing is refused.

const KEY_BYTES = randomBytes(32);
const KEY = linkKeyOf(KEY_BYTES, 'test');

const isUnauthenticated = (error: unknown) => error instanceof Iso8583Error && error.kind === 'unauthenticated';

/** The MAC as docs/iso8583-link.md defines it, computed here on its own. */
const documentedMac = (key: Uint8Array, before: Uint8Array) => createHmac('sha256', key).update(before).digest().subarray(0, 8).toString('hex').toUpperCase();

/** The data element numbers a packed message's bitmaps name. */
function bitsOf(message: Buffer): number[] {
  const primary = BigInt(`0x${message.toString('latin1', 4, 20)}`);
  const bits = [...Array(64).keys()].filter((i) => (primary >> BigInt(63 - i)) & 1n).map((i) => i + 1);
  if (!bits.includes(1)) return bits;
  const secondary = BigInt(`0x${message.toString('latin1', 20, 36)}`);
  return [...bits, ...[...Array(64).keys()].filter((i) => (secondary >> BigInt(63 - i)) & 1n).map((i) => i + 65)];
}

test('every message is sealed with its MAC last, in element 128 (64 without a secondary bitmap), as documented; it opens back to the message', () => {
  fc.assert(
    fc.property(linkFrame, (frame) => {
      const message = encodeLinkFrame(frame);
      const sealed = sealMessage(KEY, message);
      const bits = bitsOf(sealed);
      const macElement = bits.includes(1) ? 128 : 64;
      assert.equal(bits.at(-1), macElement, 'the MAC is the last element');
      assert.deepEqual(bits.slice(0, -1), bitsOf(message), 'and the only one added');
      assert.match(sealed.toString('latin1', sealed.length - MAC_CHARS), /^[0-9A-F]{16}$/);
      assert.equal(sealed.toString('latin1', sealed.length - MAC_CHARS), documentedMac(KEY_BYTES, sealed.subarray(0, sealed.length - MAC_CHARS)));
      assert.deepEqual(openMessage(KEY, sealed), message);
      assert.deepStrictEqual(decodeLinkFrame(openMessage(KEY, sealed)), asReceived(frame));
    }),
    { numRuns: 300 },
  );
  // A message with only a primary bitmap carries it in 64.
  const short = packIsoMessage({ mti: '0800', fields: new Map([[7, '1125120000'], [11, '000001']]) });
  const sealed = sealMessage(KEY, short);
  assert.deepEqual(bitsOf(sealed), [7, 11, 64]);
  assert.equal(sealed.toString('latin1', short.length), documentedMac(KEY_BYTES, sealed.subarray(0, short.length)));
  assert.deepEqual(openMessage(KEY, sealed), short);
});

test('any single-byte change to a sealed message fails verification; so does any prefix of it', () => {
  fc.assert(
    fc.property(linkFrame, fc.nat(), fc.integer({ min: 1, max: 255 }), (frame, at, delta) => {
      const sealed = sealMessage(KEY, encodeLinkFrame(frame));
      const changed = Buffer.from(sealed);
      const i = at % changed.length;
      changed[i] = (changed[i]! + delta) % 256;
      assert.throws(() => openMessage(KEY, changed), isUnauthenticated, `byte ${i} of ${changed.length}`);
    }),
    { numRuns: 2_000 },
  );
  fc.assert(
    fc.property(linkFrame, fc.nat(), (frame, cut) => {
      const sealed = sealMessage(KEY, encodeLinkFrame(frame));
      assert.throws(() => openMessage(KEY, sealed.subarray(0, cut % sealed.length)), isUnauthenticated);
    }),
    { numRuns: 300 },
  );
});

test('a message without a MAC, or sealed under another key, or with another message’s MAC, is refused', () => {
  fc.assert(
    fc.property(linkFrame, linkFrame, (frame, other) => {
      const message = encodeLinkFrame(frame);
      assert.throws(() => openMessage(KEY, message), (error: unknown) => isUnauthenticated(error) && /carries no MAC \(data element (64|128)\)/.test((error as Error).message));
      assert.throws(() => openMessage(KEY, sealMessage(linkKeyOf(randomBytes(32), 'other'), message)), /MAC \(data element (64|128)\) does not match/);
      // A MAC lifted from another message does not fit this one.
      const sealed = sealMessage(KEY, message);
      const otherSealed = sealMessage(KEY, encodeLinkFrame(other));
      if (otherSealed.subarray(-MAC_CHARS).equals(sealed.subarray(-MAC_CHARS))) return;
      const spliced = Buffer.concat([sealed.subarray(0, -MAC_CHARS), otherSealed.subarray(-MAC_CHARS)]);
      assert.throws(() => openMessage(KEY, spliced), isUnauthenticated);
    }),
    { numRuns: 200 },
  );
  // Bytes that are no message at all are refused as unauthenticated, before anything reads them.
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => assert.throws(() => openMessage(KEY, bytes), isUnauthenticated)), { numRuns: 1_000 });
});

test('neither end of the link can be built without its 32-byte key: there is no unauthenticated link', () => {
  const issuer = new RecordingIssuer('remote-bank');
  const clock = new ManualClock(0);
  for (const key of [undefined, Buffer.alloc(0), randomBytes(16), randomBytes(33)]) {
    assert.throws(() => new Iso8583IssuerServer({ issuer, key: key as Buffer }), /Iso8583IssuerServer needs the issuer link's key \(32 bytes\)/);
    assert.throws(() => new Iso8583IssuerClient({ name: 'remote-bank', host: '127.0.0.1', port: 1, clock, key: key as Buffer }), /Iso8583IssuerClient needs the issuer link's key/);
  }
  // The key is held as a KeyObject: its bytes do not show when the object is logged.
  assert.equal(JSON.stringify(KEY).includes(KEY_BYTES.toString('hex')), false);
});
