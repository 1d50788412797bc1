import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatementCache } from '../../src/platform/db/statement-cache.ts';

test('the cache holds at most its capacity', () => {
  const cache = new StatementCache<string, number>(3);
  for (let i = 0; i < 10; i++) cache.set(`s${i}`, i);
  assert.deepEqual(['s6', 's7', 's8', 's9'].map((key) => cache.get(key)), [undefined, 7, 8, 9]);
});

test('a statement in use survives a stream of one-off statements', () => {
  const cache = new StatementCache<string, number>(3);
  cache.set('hot', 0);
  for (let i = 1; i <= 20; i++) {
    assert.equal(cache.get('hot'), 0);
    cache.set(`one-off ${i}`, i);
  }
  assert.equal(cache.get('hot'), 0);
  assert.equal(cache.get('one-off 20'), 20);
});

test('when every entry was used, the oldest goes', () => {
  const cache = new StatementCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.get('a');
  cache.get('b');
  cache.set('c', 3);
  assert.deepEqual([cache.get('a'), cache.get('b'), cache.get('c')], [undefined, 2, 3]);
});
