import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerOrBasicToken, bearerToken } from '../../src/platform/identity/authorization-header.ts';

const basic = (userAndPassword: string) => `Basic ${Buffer.from(userAndPassword, 'utf8').toString('base64')}`;

test('bearerToken: the token of "Bearer <token>", any case, surrounding space allowed; nothing else', () => {
  assert.equal(bearerToken('Bearer op_abc'), 'op_abc');
  assert.equal(bearerToken('bearer   sess-cl-xyz  '), 'sess-cl-xyz');
  for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc', basic('sk_test_1:'), ['Bearer a']]) {
    assert.equal(bearerToken(header as string | undefined), undefined, JSON.stringify(header));
  }
});

test('bearerOrBasicToken: Bearer, or Basic with the token as the user name', () => {
  assert.equal(bearerOrBasicToken('Bearer sk_test_1'), 'sk_test_1');
  assert.equal(bearerOrBasicToken(basic('sk_test_1:')), 'sk_test_1');
  assert.equal(bearerOrBasicToken(basic('sk_test_1:ignored')), 'sk_test_1');
  assert.equal(bearerOrBasicToken(basic(':password')), undefined, 'an empty user name is no credential');
  assert.equal(bearerOrBasicToken('Basic not base64!'), undefined);
  assert.equal(bearerOrBasicToken(undefined), undefined);
  assert.equal(bearerOrBasicToken('Digest abc'), undefined);
});
