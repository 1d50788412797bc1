import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.ts';
import { cryptoRandom, IdGenerator, seededRandom } from '../../src/platform/ids.ts';

/** The value of Crockford base32 digits. */
function crockfordValue(digits: string): bigint {
  return [...digits].reduce((value, digit) => value * 32n + BigInt('0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(digit)), 0n);
}

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

  test('two ids of one millisecond are a random step apart, not one: holding an id does not give the next', () => {
    const ids = new IdGenerator(new ManualClock(1_700_000_000_000), cryptoRandom);
    const randomPart = (id: string) => id.slice(-16);
    const steps = new Set<string>();
    let previous = ids.next('ch');
    for (let i = 0; i < 200; i++) {
      const next = ids.next('ch');
      assert.ok(next > previous);
      steps.add(`${randomPart(previous)}→${randomPart(next)}`);
      // The last digit of a +1 step is the previous one's plus one (or a carry): with random steps that happens ~1 in 32.
      previous = next;
    }
    const made = Array.from({ length: 200 }, () => ids.next('ch'));
    const plusOne = made.slice(1).filter((id, i) => crockfordValue(id.slice(-16)) - crockfordValue(made[i]!.slice(-16)) === 1n).length;
    assert.equal(plusOne, 0, 'no id is the previous id plus one');
    const gaps = made.slice(1).map((id, i) => crockfordValue(id.slice(-16)) - crockfordValue(made[i]!.slice(-16)));
    assert.ok(gaps.every((gap) => gap >= 1n && gap <= 2n ** 40n));
    assert.ok(new Set(gaps).size > 190, 'the steps differ');
  });

  test('when a millisecond\'s 80 bits run out, ids go on in the next millisecond, still in order', () => {
    let draws = 0;
    // The first draw is the top of the range; every later draw is a full step.
    const ids = new IdGenerator(new ManualClock(5), (count) => new Uint8Array(count).fill(draws++ === 0 ? 0xff : 0x80));
    const first = ids.next('pi');
    const second = ids.next('pi');
    assert.ok(second > first, `${second} sorts after ${first}`);
    assert.equal(second.slice(3, 13), '0000000006', 'the next millisecond');
    assert.ok(ids.next('pi') > second);
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
