import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkName } from '../../src/issuer/name-check.ts';

test('name checks: match / partial_match / no_match after normalizing case, accents and spacing, words in any order', () => {
  const cases: Array<[string, string, string]> = [
    ['LI LEI', 'Li Lei', 'match'],
    ['LI LEI', '  lei   LI ', 'match'],
    ['JOSE ALVAREZ', 'José Álvarez', 'match'],
    ['MARY-JANE O\'NEIL', 'Mary Jane O Neil', 'match'],
    ['LI LEI', 'Li Wei', 'partial_match'],
    ['LI LEI', 'Lei', 'partial_match'],
    ['LI LEI', 'L. Li', 'partial_match'],
    ['LI LEI', 'L L', 'partial_match'],
    ['LI LEI', 'Zhang San', 'no_match'],
    ['LI LEI', '', 'no_match'],
    ['', 'Li Lei', 'unavailable'],
  ];
  for (const [card, given, expected] of cases) assert.equal(checkName(card, given), expected, `${card} vs ${given}`);
});
