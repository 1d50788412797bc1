import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { saveBudget } from '../../src/billing/budgets/budgets.ts';
import { addMember } from '../../src/billing/members/members.ts';
import { recordUsage } from '../../src/billing/metering.ts';
import { NotificationOutbox, notify } from '../../src/billing/notifications/notification-outbox.ts';
import { ownerAddress, readSandboxMailbox, SandboxMailer } from '../../src/billing/notifications/sandbox-mailbox.ts';
import { ECHO_MODEL } from '../../src/billing/price-book.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

// Budget and auto-recharge letters go to the organization's people — its owners, then the other members of its
// billing page — at their own addresses, captured by the sandbox mailbox; the stand-in address only when it has none.

let f: BillingFixture;
beforeEach(async () => {
  f = await billingFixture();
});
afterEach(async () => {
  await f.assertAudit();
  await f.cleanup();
});

const deliver = () => new NotificationOutbox(f, new SandboxMailer(f.deps.ids)).deliverPending();
const member = (orgId: string, email: string, role: 'owner' | 'member') =>
  f.db.transaction((tx) => addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId, email, role }));

test("a budget alert and an auto-recharge letter are addressed to the owners' and members' own addresses", async () => {
  const { orgId } = await f.newOrg('Addressed');
  await member(orgId, 'Finance@Example.com', 'member');
  await member(orgId, 'ada@example.com', 'owner');
  await member(orgId, 'grace@example.org', 'owner');
  await f.grant(orgId, 10_000);
  await saveBudget(f.db, f.clock, orgId, { monthlyBudgetMinor: 100, alertThresholds: [50] });
  // 50 cents of usage: cardlane-echo-1 costs one cent per 5,000 input tokens.
  assert.equal((await recordUsage(f.db, f.deps, { orgId, usageEventId: 'r-1', model: ECHO_MODEL, inputTokens: 50 * 5_000, outputTokens: 0 })).result, 'recorded');
  await f.db.transaction((tx) =>
    notify(tx, f.deps, { orgId, kind: 'auto_recharge.paused', dedupKey: `auto_recharge.paused:${orgId}:1`, subject: 'Auto-recharge paused', body: 'Paused.' }),
  );
  await deliver();
  const letters = await readSandboxMailbox(f.db, orgId, 10);
  assert.deepEqual(letters.map((l) => l.kind).sort(), ['auto_recharge.paused', 'budget.alert']);
  for (const letter of letters) {
    assert.equal(letter.to, 'ada@example.com, grace@example.org, finance@example.com', letter.kind);
    assert.doesNotMatch(letter.to, /sandbox\.invalid/);
  }
});

test('an organization with no members yet keeps the stand-in address', async () => {
  const { orgId } = await f.newOrg('Nobody yet');
  await f.db.transaction((tx) => notify(tx, f.deps, { orgId, kind: 'budget.alert', dedupKey: `budget:${orgId}:x`, subject: 'Budget', body: 'Budget.' }));
  await deliver();
  assert.deepEqual((await readSandboxMailbox(f.db, orgId, 10)).map((l) => l.to), [ownerAddress(orgId)]);
});
