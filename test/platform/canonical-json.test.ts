import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../../src/platform/canonical-json.ts';

test('canonical JSON sorts keys at every depth and drops undefined properties', () => {
  const a = canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined });
  const b = canonicalJson({ a: { c: 'x', d: [3, { y: null, z: true }] }, b: 1 });
  assert.equal(a, '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  assert.equal(a, b);
});

test('canonical JSON spells numbers and strings like JSON.stringify', () => {
  assert.equal(canonicalJson([-0, 1e21, 0.1, 'é\n"', '\u2028']), JSON.stringify([0, 1e21, 0.1, 'é\n"', '\u2028']));
  // Keys sort by UTF-16 code units, as RFC 8785 asks.
  assert.equal(canonicalJson({ '\u00e9': 1, z: 2, Z: 3, '10': 4, '9': 5 }), '{"10":4,"9":5,"Z":3,"z":2,"é":1}');
});

test('canonical JSON refuses values JSON cannot spell unambiguously', () => {
  const refused: unknown[] = [NaN, Infinity, 1n, () => 1, Symbol('s'), [undefined], new Date(0), new Map(), undefined];
  for (const value of refused) assert.throws(() => canonicalJson(value), TypeError, String(value));
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.throws(() => canonicalJson(deep), /deeper/);
  assert.equal(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 })), '{"a":2,"b":1}');
});
