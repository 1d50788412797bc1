import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { seededRandom } from '../../src/platform/ids.ts';
import { INVITE_CODE_ALPHABET, isInviteCode, newInviteCode, normalizeInviteCode } from '../../src/issuer/invite-code.ts';

test('codes are 8 Crockford base32 characters, without I, L, O or U, and normalize to themselves', () => {
  assert.equal(INVITE_CODE_ALPHABET.length, 32);
  assert.doesNotMatch(INVITE_CODE_ALPHABET, /[ILOU]/);
  fc.assert(
    fc.property(fc.integer(), (seed) => {
      const code = newInviteCode(seededRandom(seed));
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
      assert.ok(isInviteCode(code));
      assert.deepEqual(normalizeInviteCode(code), { ok: true, code });
      assert.deepEqual(normalizeInviteCode(` ${code.toLowerCase().slice(0, 4)}-${code.toLowerCase().slice(4)} `), { ok: true, code });
    }),
  );
});

test('all 32 symbols appear in every position', () => {
  const random = seededRandom(3);
  const seen = Array.from({ length: 8 }, () => new Set<string>());
  for (let i = 0; i < 3000; i++) [...newInviteCode(random)].forEach((char, position) => seen[position]!.add(char));
  for (const set of seen) assert.equal(set.size, 32);
});

const accepted: ReadonlyArray<readonly [input: string, code: string]> = [
  ['7KQ2M9XD', '7KQ2M9XD'],
  ['7kq2m9xd', '7KQ2M9XD'],
  ['  7KQ2-M9XD\n', '7KQ2M9XD'],
  ['7KQ2 M9XD', '7KQ2M9XD'],
  ['OOIL1234', '00111234'], // look-alikes read as digits
  ['７ＫＱ２Ｍ９ＸＤ', '7KQ2M9XD'], // full-width
];

const refused = ['', '   ', '7KQ2M9X', '7KQ2M9XDD', '7KQ2M9XU', '7KQ2_M9XD', '7KQ2M9X!', 'é7KQ2M9X', 'x'.repeat(100)];

test('normalizeInviteCode, table-driven', () => {
  for (const [input, code] of accepted) assert.deepEqual(normalizeInviteCode(input), { ok: true, code }, input);
  for (const input of refused) {
    const result = normalizeInviteCode(input);
    assert.ok(!result.ok, input);
    assert.equal(result.code, 'invite_code_invalid');
    assert.match(result.message, /8 letters and digits/);
  }
});
