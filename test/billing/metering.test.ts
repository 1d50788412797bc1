import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { creditBalance, grantCredits, orgCreditsAccount } from '../../src/billing/billing-ledger.ts';
import { canAffordMinimum, readUsage, recordUsage } from '../../src/billing/metering.ts';
import {
  addOrganizationApiKey,
  listOrganizationApiKeys,
  organizationForApiKey,
  ORG_API_KEY_PATTERN,
  revokeOrganizationApiKey,
} from '../../src/billing/organizations.ts';
import { DEFAULT_PRICE_BOOK, ECHO_MODEL, priceUsage } from '../../src/billing/price-book.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

let f: BillingFixture;
beforeEach(async () => {
  f = await billingFixture();
});
afterEach(async () => {
  await f.assertAudit();
  await f.cleanup();
});

const balanceOf = async (orgId: string) => (await creditBalance(f.db, orgId))?.available_minor;

test('an organization starts with zero credits and one key; keys authenticate until revoked', async () => {
  const { orgId, apiKey, apiKeyId } = await f.newOrg('Ada Labs');
  assert.match(orgId, /^org_/);
  assert.match(apiKey, ORG_API_KEY_PATTERN);
  assert.equal(await balanceOf(orgId), 0);
  assert.equal(await canAffordMinimum(f.db, orgId), false);
  assert.equal((await organizationForApiKey(f.db, apiKey))?.id, orgId);
  const second = await f.db.transaction((tx) => addOrganizationApiKey(tx, f.deps, orgId));
  const keys = await listOrganizationApiKeys(f.db, orgId);
  assert.deepEqual(keys.map((k) => k.last4).sort(), [apiKey.slice(-4), second.apiKey.slice(-4)].sort());
  const stored = await f.db.all<{ key_hash: string }>('SELECT key_hash FROM billing_api_keys');
  assert.ok(stored.every((row) => row.key_hash.length === 64 && row.key_hash !== apiKey), 'only hashes are stored');
  assert.equal(await revokeOrganizationApiKey(f.db, f.clock.nowMs(), orgId, apiKeyId), 'revoked');
  assert.equal(await revokeOrganizationApiKey(f.db, f.clock.nowMs(), orgId, apiKeyId), 'already_revoked');
  assert.equal(await revokeOrganizationApiKey(f.db, f.clock.nowMs(), 'org_other', second.id), 'not_found');
  assert.equal(await organizationForApiKey(f.db, apiKey), null);
  assert.equal((await organizationForApiKey(f.db, second.apiKey))?.id, orgId);
  assert.equal(await organizationForApiKey(f.db, 'sk-cl-not-a-key'), null);
  assert.equal(await creditBalance(f.db, 'org_unknown'), null);
});

test('grants are idempotent per transfer id and add to the balance', async () => {
  const { orgId } = await f.newOrg();
  const grant = { orgId, amountMinor: 500, reason: 'test', transferId: 'grant-1' };
  assert.equal((await grantCredits(f.db, f.deps, grant)).result, 'ok');
  assert.equal((await grantCredits(f.db, f.deps, grant)).result, 'exists');
  assert.equal((await grantCredits(f.db, f.deps, { ...grant, amountMinor: 600 })).result, 'exists_with_different_amount');
  assert.equal((await grantCredits(f.db, f.deps, { ...grant, orgId: 'org_nobody', transferId: 'grant-2' })).result, 'credit_account_not_found');
  assert.equal(await balanceOf(orgId), 500);
});

test('usage is priced, debited and recorded; a replay answers the first result; other fields are refused', async () => {
  const { orgId } = await f.newOrg();
  await f.grant(orgId, 1_000);
  const usage = { orgId, usageEventId: 'evt-1', model: ECHO_MODEL, inputTokens: 1_000_000, outputTokens: 250_000 };
  const expected = priceUsage(DEFAULT_PRICE_BOOK, usage)!.amount_minor;
  assert.equal(expected, 400);
  const first = await recordUsage(f.db, f.deps, usage);
  assert.equal(first.result, 'recorded');
  assert.equal(await balanceOf(orgId), 600);
  f.clock.advanceMs(1_000);
  const replay = await recordUsage(f.db, f.deps, usage);
  assert.equal(replay.result, 'replayed');
  assert.deepEqual(replay.result === 'replayed' && replay.usage, first.result === 'recorded' && first.usage);
  assert.equal(await balanceOf(orgId), 600, 'a replay is not charged again');
  for (const other of [{ inputTokens: 1 }, { outputTokens: 1 }, { model: 'other-model' }]) {
    assert.equal((await recordUsage(f.db, f.deps, { ...usage, ...other })).result, 'usage_event_conflict');
  }
  // The same event id in another organization is another event.
  const other = await f.newOrg('Other');
  await f.grant(other.orgId, 1_000);
  assert.equal((await recordUsage(f.db, f.deps, { ...usage, orgId: other.orgId })).result, 'recorded');
  assert.equal(await balanceOf(other.orgId), 600);
  assert.equal(await balanceOf(orgId), 600);
});

test('refusals record nothing: unaffordable, unknown model, unknown organization, invalid input', async () => {
  const { orgId } = await f.newOrg();
  await f.grant(orgId, 3);
  const usage = { orgId, usageEventId: 'big', model: ECHO_MODEL, inputTokens: 10_000, outputTokens: 10_000 }; // 10¢
  assert.equal((await recordUsage(f.db, f.deps, usage)).result, 'insufficient_quota');
  assert.equal(await readUsage(f.db, orgId, 'big'), null, 'no usage row');
  assert.equal(await balanceOf(orgId), 3);
  assert.equal((await recordUsage(f.db, f.deps, { ...usage, model: 'nope' })).result, 'model_not_found');
  assert.equal((await recordUsage(f.db, f.deps, { ...usage, orgId: 'org_nobody' })).result, 'organization_not_found');
  assert.equal((await recordUsage(f.db, f.deps, { ...usage, usageEventId: 'has spaces' })).result, 'invalid_usage');
  assert.equal((await recordUsage(f.db, f.deps, { ...usage, inputTokens: -1 })).result, 'invalid_usage');
  // The refused id can be used once the balance covers it.
  await f.grant(orgId, 7);
  assert.equal((await recordUsage(f.db, f.deps, usage)).result, 'recorded');
  assert.equal(await balanceOf(orgId), 0);
  const [account] = await f.ledger.lookupAccounts(f.db, [orgCreditsAccount(orgId)]);
  assert.equal(account!.debits_posted, 10);
});

test('under concurrency no organization goes below zero: credits for exactly 10 requests, 40 at once, 10 succeed', async () => {
  const { orgId } = await f.newOrg();
  const perRequest = priceUsage(DEFAULT_PRICE_BOOK, { model: ECHO_MODEL, inputTokens: 5_000, outputTokens: 1_250 })!.amount_minor;
  assert.equal(perRequest, 2);
  await f.grant(orgId, perRequest * 10);
  const outcomes = await Promise.all(
    Array.from({ length: 40 }, (_, i) => recordUsage(f.db, f.deps, { orgId, usageEventId: `c-${i}`, model: ECHO_MODEL, inputTokens: 5_000, outputTokens: 1_250 })),
  );
  const counts = outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.result]: (acc[o.result] ?? 0) + 1 }), {});
  assert.deepEqual(counts, { recorded: 10, insufficient_quota: 30 });
  assert.equal(await balanceOf(orgId), 0);
  const rows = await f.db.get<{ n: number | string; total: number | string }>('SELECT COUNT(*) AS n, SUM(amount_minor) AS total FROM billing_usage_events WHERE org_id = ?', [orgId]);
  assert.deepEqual([Number(rows!.n), Number(rows!.total)], [10, 20]);
});

test('concurrent replays of one usage event are charged once', async () => {
  const { orgId } = await f.newOrg();
  await f.grant(orgId, 100);
  const usage = { orgId, usageEventId: 'same', model: ECHO_MODEL, inputTokens: 5_000, outputTokens: 0 };
  const outcomes = await Promise.all(Array.from({ length: 8 }, () => recordUsage(f.db, f.deps, usage)));
  assert.deepEqual(outcomes.map((o) => o.result).sort(), ['recorded', ...Array(7).fill('replayed')].sort());
  assert.equal(await balanceOf(orgId), 99);
});
