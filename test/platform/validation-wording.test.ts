import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHttpError } from '../../src/platform/http/error-mapper.ts';

// A schema check's failure is said in words a person reads, not ajv's ("must NOT have fewer than 1
// characters", "must be equal to one of the allowed values" without the values). Seen on
// POST /acquirer/v1/merchants {"name":""} and GET /doctor/v1/traces/…?lang=fr.

function failing(keyword: string, params: Record<string, unknown>, message: string, instancePath = '/name') {
  return { validation: [{ keyword, instancePath, params, message }], validationContext: 'body', statusCode: 400 };
}

test('length and choice failures are worded for people, naming the limit or the choices', () => {
  const cases: Array<[ReturnType<typeof failing>, string]> = [
    [failing('minLength', { limit: 1 }, 'must NOT have fewer than 1 characters'), 'Invalid name: must not be empty.'],
    [failing('minLength', { limit: 13 }, 'must NOT have fewer than 13 characters'), 'Invalid name: must be at least 13 characters long.'],
    [failing('maxLength', { limit: 100 }, 'must NOT have more than 100 characters'), 'Invalid name: must be at most 100 characters long.'],
    [failing('enum', { allowedValues: ['en', 'zh-CN'] }, 'must be equal to one of the allowed values', '/lang'), 'Invalid lang: must be one of en, zh-CN.'],
    [failing('minItems', { limit: 1 }, 'must NOT have fewer than 1 items', '/items'), 'Invalid items: must not be empty.'],
    [failing('maxItems', { limit: 3 }, 'must NOT have more than 3 items', '/items'), 'Invalid items: must have at most 3 items.'],
  ];
  for (const [error, message] of cases) {
    const mapped = toHttpError(error);
    assert.equal(mapped.status, 400);
    assert.equal(mapped.body.error.code, 'parameter_invalid');
    assert.equal(mapped.body.error.message, message);
    assert.doesNotMatch(mapped.body.error.message, /NOT|allowed values/);
  }
});

test('other failures keep what ajv says (it names the limit)', () => {
  assert.equal(toHttpError(failing('minimum', { limit: 1, comparison: '>=' }, 'must be >= 1', '/amount')).body.error.message, 'Invalid amount: must be >= 1.');
});
