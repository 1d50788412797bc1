import assert from 'node:assert/strict';
import type { StepFacts, StepId } from '../../src/demo/story/story-facts.ts';

/**
 * The story's ChatGPT Plus steps, checked the same way whether the story ran
 * in process or through `cardlane demo story --json`: the first payment is
 * customer-initiated and passes the merchant's scoped rule; four accounts,
 * not five (the fifth refused by the issuer with 57); the renewals are
 * merchant-initiated and each pays a new period.
 */
export function assertPlusSteps(facts: <Id extends StepId>(id: Id) => StepFacts[Id]): void {
  const subscribed = facts('plus_subscribed');
  assert.equal(subscribed.rule_exempts, 'metadata[product]=plus');
  assert.deepEqual([subscribed.price, subscribed.loaded], [2000, 4 * 2000 + 4 * 500 - 500]);
  assert.deepEqual([subscribed.plus.initiator, subscribed.plus.payment_status, subscribed.plus.status], ['customer', 'succeeded', 'active']);
  const accounts = facts('plus_accounts');
  assert.equal(accounts.accounts.length, 3);
  assert.ok(accounts.accounts.every((a) => a.initiator === 'customer' && a.payment_status === 'succeeded' && a.verification_hold === 500), JSON.stringify(accounts.accounts));
  assert.deepEqual([accounts.max_accounts_per_merchant, accounts.bound.accounts, accounts.bound.full], [4, 4, true]);
  assert.deepEqual([accounts.fifth.http_status, accounts.fifth.code, accounts.fifth.network_decline_code], [402, 'card_declined', '57']);
  assert.deepEqual([accounts.fifth.doctor.decided_by, accounts.fifth.doctor.iso_code, accounts.fifth.cardholder_doctor.reason], ['issuer', '57', 'merchant_account_limit']);
  assert.deepEqual(accounts.fifth.cardholder_doctor.issuer_checks?.failed, ['merchant_accounts'], 'the card had the money: only the accounts rule refused');
  assert.deepEqual([accounts.card_available, accounts.card_held], [500, 1500]);
  const renewed = facts('plus_renewed');
  assert.equal(renewed.verification_holds_released, 1500);
  assert.equal(renewed.loaded, 4 * 2000 - 2000);
  assert.equal(renewed.signed_in_again, true);
  assert.equal(renewed.renewals.length, 4);
  assert.ok(renewed.renewals.every((r) => r.initiator === 'merchant' && r.payment_status === 'succeeded' && r.status === 'active'), JSON.stringify(renewed.renewals));
  const firstEnds = [subscribed.plus, ...accounts.accounts].map((a) => a.current_period_end);
  assert.ok(renewed.renewals.every((r) => !firstEnds.includes(r.current_period_end)), 'each renewal paid a new period');
  assert.deepEqual([renewed.card_available, renewed.card_held], [0, 0]);
}
