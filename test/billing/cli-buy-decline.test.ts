import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { runCli } from '../../src/cli/program.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// `cardlane billing buy` as the README has a customer run it. A declined purchase says why and what
// to do in English and Chinese (billing's explanation) and where the whole trace is — not only
// "Your card was declined. (card_declined, card_not_supported)"; an amount out of range is said in
// dollars, as the command takes it, not "a whole number of cents from 500 to 100000".

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await b.cards.assertConsistent();
  await b.close();
});

async function cli(apiKey: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
  const code = await runCli(['node', 'cardlane', 'billing', '--url', b.billingUrl, '--key', apiKey, ...args], io);
  return { code, stdout, stderr };
}

test('a declined purchase is explained in both languages and points at the doctor', async () => {
  const { apiKey } = await b.newOrg();
  const { pmId } = await b.cardlaneCard(3_000);
  assert.equal((await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId })).status, 201);

  const declined = await cli(apiKey, ['buy', '10.00', '--card', pmId]);
  assert.equal(declined.code, 1, declined.stderr);
  const attempt = /cardlane doctor (bpa_\w+)/.exec(declined.stderr);
  assert.ok(attempt, declined.stderr);
  assert.match(declined.stderr, /Your card was declined: this card cannot be used for this payment\. Use another card\./);
  assert.match(declined.stderr, /卡被拒绝：这张卡不能用于这笔付款。请换一张卡。/);
  assert.match(declined.stderr, /\(card_declined, card_not_supported\)/, 'the codes stay, for scripts and support');
  const listed = await b.api(apiKey, 'GET', '/payments?limit=1');
  assert.equal(listed.body.data[0].id, attempt[1]);
});

test('an amount out of range is said in dollars', async () => {
  const { apiKey } = await b.orgWithDefaultCard();
  for (const amount of ['4.99', '1000.01']) {
    const refused = await cli(apiKey, ['buy', amount]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /A credit purchase is from \$5\.00 to \$1,000\.00 \(500 to 100000 cents\)\. \(purchase_amount_out_of_range\)/);
  }
});

test("the organization's mail is dated in this machine's time zone, as its payments are", async () => {
  const { SandboxMailer } = await import('../../src/billing/notifications/sandbox-mailbox.ts');
  const { notify } = await import('../../src/billing/notifications/notification-outbox.ts');
  const { orgId, apiKey } = await b.newOrg();
  const sentMs = Date.parse('2026-12-07T10:05:14.725Z');
  await b.f.db.transaction(async (tx) => {
    const { id } = await notify(tx, { ids: b.f.deps.ids, clock: b.f.clock }, { orgId, kind: 'budget.alert', dedupKey: 'cli-test-1', subject: 'Budget alert', body: 'body' });
    await new SandboxMailer(b.f.deps.ids).send(tx, { notificationId: id, orgId, to: 'owner@example.com', subject: 'Budget alert', body: 'body', nowMs: sentMs });
  });
  const zone = process.env.TZ;
  process.env.TZ = 'Asia/Shanghai';
  try {
    const mail = await cli(apiKey, ['notifications']);
    assert.equal(mail.code, 0, mail.stderr);
    assert.match(mail.stdout, /^2026-12-07 18:05 GMT\+8 {2}to owner@example\.com\n {2}Budget alert\n/);
    assert.doesNotMatch(mail.stdout, /2026-12-07T10:05/);
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
});
