import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openAiErrors } from '../../src/billing/openai-errors.ts';

// The hard limit's 429 says when the budget resets as people read a date (budgets run by UTC
// months), not as `2027-01-01T00:00:00.000Z` — seen walking the README's "Budgets and alerts".

test('the budget refusal names the reset as a UTC date and time', () => {
  const { status, body } = openAiErrors.budgetExceeded('$0.04', '2027-01-01T00:00:00.000Z');
  assert.equal(status, 429);
  assert.equal(body.error.code, 'billing_hard_limit_reached');
  assert.match(body.error.message, /It resets on 1 January 2027 at 00:00 UTC;/);
  assert.doesNotMatch(body.error.message, /T00:00:00/);
});
