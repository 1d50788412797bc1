import assert from 'node:assert/strict';
import { test } from 'node:test';
import Stripe from 'stripe';
import { outcomeOfIntent, outcomeOfUnfinishedSetup } from '../../src/billing/payments/provider-outcome.ts';

// What billing makes of a provider's intent that did not succeed at once. A
// Stripe-compatible provider may answer `requires_action` (the bank wants
// 3-D Secure) or `processing`; Cardlane's acquirer answers neither for card
// verifications, so these are read from intents as Stripe shapes them. No
// call is made: none of these answers names a charge to read.

const stripe = new Stripe('sk_test_unused', { host: '127.0.0.1', port: 9, protocol: 'http', maxNetworkRetries: 0, telemetry: false });

const setup = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'seti_1', object: 'setup_intent', status, last_setup_error: null, ...extra }) as unknown as Stripe.SetupIntent;
const payment = (status: string, extra: Record<string, unknown> = {}) =>
  ({ id: 'pi_1', object: 'payment_intent', status, amount_received: 0, latest_charge: null, last_payment_error: null, ...extra }) as unknown as Stripe.PaymentIntent;

test('a card verification that cannot change by asking again fails for good, as a hard authentication_required', async () => {
  for (const status of ['requires_confirmation', 'requires_payment_method', 'canceled']) {
    const outcome = await outcomeOfUnfinishedSetup(stripe, setup(status));
    assert.equal(outcome.kind, 'failed', status);
    assert.ok(outcome.kind === 'failed' && outcome.failureClass === 'hard' && outcome.failure.decline_code === 'authentication_required' && outcome.intentId === 'seti_1', status);
  }
  const declined = await outcomeOfUnfinishedSetup(stripe, setup('requires_payment_method', { last_setup_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } }));
  assert.ok(declined.kind === 'failed' && declined.failure.decline_code === 'insufficient_funds' && declined.failureClass === 'soft');
});

test('a verification or payment still processing is unknown, and names its intent so it is read again rather than created again', async () => {
  // requires_action: the customer is on the bank's 3-D Secure page; the billing page finishes the verification when they come back.
  assert.deepEqual(await outcomeOfUnfinishedSetup(stripe, setup('requires_action')), {
    kind: 'unknown',
    reason: "card verification seti_1 waits for the customer's 3-D Secure challenge",
    intentId: 'seti_1',
  });
  assert.deepEqual(await outcomeOfUnfinishedSetup(stripe, setup('processing')), { kind: 'unknown', reason: 'card verification seti_1 is still processing', intentId: 'seti_1' });
  assert.deepEqual(await outcomeOfIntent(stripe, payment('processing')), { kind: 'unknown', reason: 'payment pi_1 is still processing', intentId: 'pi_1' });
});

test('a payment that needs the customer (requires_action) is a failed, hard authentication_required: nothing was taken, and an automatic charge must not retry it', async () => {
  const outcome = await outcomeOfIntent(stripe, payment('requires_action'));
  assert.ok(outcome.kind === 'failed' && outcome.failureClass === 'hard' && outcome.failure.decline_code === 'authentication_required' && outcome.intentId === 'pi_1');
});
