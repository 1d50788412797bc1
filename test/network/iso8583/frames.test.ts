import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameError, FrameReader, frameOf } from '../../../src/network/iso8583/frames.ts';

// The issuer link's framing: a 2-byte big-endian length, then the message. However TCP cuts the stream into
// chunks, the reader gives back the frames as they were sent; a frame over the limit is refused from its header.

test('frames come back whole and in order, however the stream is cut', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 64 })), (payloads, cuts) => {
      const stream = Buffer.concat(payloads.map((p) => frameOf(p, 300)));
      const reader = new FrameReader(300);
      const got: Buffer[] = [];
      let at = 0;
      for (const size of [...cuts, stream.length]) {
        got.push(...reader.push(stream.subarray(at, at + size)));
        at += size;
        if (at >= stream.length) break;
      }
      assert.deepEqual(got.map((b) => [...b]), payloads.map((p) => [...p]));
      assert.equal(reader.pendingBytes, 0);
    }),
  );
});

test('a header over the limit is refused before its bytes arrive; so is an empty frame, and sending one', () => {
  assert.throws(() => new FrameReader(300).push(Buffer.from([0x01, 0x2d])), (e: unknown) => e instanceof FrameError && /a frame of 301 bytes \(at most 300\)/.test((e as Error).message));
  assert.throws(() => new FrameReader(300).push(Buffer.from([0x00, 0x00])), FrameError);
  assert.throws(() => frameOf(Buffer.alloc(301), 300), /1 to 300 bytes, not 301/);
  assert.throws(() => new FrameReader(70_000), RangeError);
  // Half a header waits for the other half.
  const reader = new FrameReader(300);
  assert.deepEqual(reader.push(Buffer.from([0x00])), []);
  assert.deepEqual(reader.push(Buffer.from([0x01, 0x41])).map(String), ['A']);
});
