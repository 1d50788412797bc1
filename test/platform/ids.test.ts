import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';

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

  test('the manual clock only moves forward', () => {
    const clock = new ManualClock(1000);
    clock.advanceMs(5);
    assert.equal(clock.nowMs(), 1005);
    assert.throws(() => clock.advanceMs(-1));
    assert.throws(() => clock.setMs(10));
  });
});
