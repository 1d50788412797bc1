import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.ts';
import { cryptoRandom, IdGenerator, seededRandom } from '../../src/platform/ids.ts';

describe('ids', () => {
  test('look like Stripe ids and sort by creation, even within one millisecond', () => {
    const clock = new ManualClock();
    const ids = new IdGenerator(clock, seededRandom(7));
    const made: string[] = [];
    for (let i = 0; i < 2000; i++) {
      made.push(ids.next('txn'));
      if (i % 500 === 0) clock.advanceMs(1);
    }
    for (const id of made) assert.match(id, /^txn_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.deepEqual([...made].sort(), made);
    assert.equal(new Set(made).size, made.length);
  });

  test('a seeded generator replays exactly; prefixes are checked', () => {
    const a = new IdGenerator(new ManualClock(0), seededRandom(42));
    const b = new IdGenerator(new ManualClock(0), seededRandom(42));
    assert.deepEqual([a.next('pi'), a.next('pi')], [b.next('pi'), b.next('pi')]);
    assert.throws(() => a.next('Bad-Prefix'));
  });

  test('the random part is the 80 bits in Crockford base32, most significant first', () => {
    const bytes = Uint8Array.from([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc]);
    assert.equal(new IdGenerator(new ManualClock(1_700_000_000_000), () => bytes).next('pi'), 'pi_01HF7YAT0004HMASW9NF6YZZPW');
    assert.equal(new IdGenerator(new ManualClock(0), () => new Uint8Array(10).fill(0xff)).next('pi'), 'pi_0000000000ZZZZZZZZZZZZZZZZ');
  });

  test('the crypto source hands out fresh bytes across its pool refills, each call its own copy', () => {
    const drawn = Array.from({ length: 3000 }, (_, i) => cryptoRandom(1 + (i % 16)));
    drawn.forEach((bytes, i) => assert.equal(bytes.length, 1 + (i % 16)));
    const sixteens = drawn.filter((bytes) => bytes.length === 16).map((bytes) => Buffer.from(bytes).toString('hex'));
    assert.equal(new Set(sixteens).size, sixteens.length);
    const first = Buffer.from(drawn[15]!);
    cryptoRandom(4096);
    assert.deepEqual(Buffer.from(drawn[15]!), first, 'a later draw must not change bytes already handed out');
    assert.equal(cryptoRandom(10_000).length, 10_000);
  });

  test('the manual clock only moves forward', () => {
    const clock = new ManualClock(1000);
    clock.advanceMs(5);
    assert.equal(clock.nowMs(), 1005);
    assert.throws(() => clock.advanceMs(-1));
    assert.throws(() => clock.setMs(10));
  });
});
