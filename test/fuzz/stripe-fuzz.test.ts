import { test } from 'node:test';
import { fuzzOperations } from './support/run-fuzz.ts';

// The Stripe-compatible acquirer under /v1: form-encoded bodies whose
// parameters come from the acquirer's endpoint table, Stripe's error object.
test('fuzz /v1 (Stripe-compatible acquirer): no 5xx, no hang, every 4xx a stable JSON error that changes nothing', { timeout: 600_000 }, async (t) => {
  await fuzzOperations(t, (operation) => operation.template.startsWith('/v1/'));
});
