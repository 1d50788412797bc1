import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCardholder } from '../../src/issuer/identity/cardholders.ts';
import { readSandboxInbox, SandboxSmsProvider } from '../../src/issuer/identity/sms-provider.ts';
import { listNotifications, Notifier } from '../../src/issuer/notifications/notifier.ts';
import { SandboxPayoutProvider } from '../../src/issuer/money/sandbox-payout.ts';
import { TopUpService } from '../../src/issuer/money/top-up.ts';
import { WithdrawalService } from '../../src/issuer/money/withdrawal.ts';
import { seededRandom } from '../../src/platform/ids.ts';
import { moneyFixture, type MoneyFixture } from '../support/money-fixture.ts';

describe('notifications of top-ups and withdrawals', () => {
  let f: MoneyFixture;
  before(async () => {
    f = await moneyFixture();
  });
  after(async () => {
    await f.cleanup();
  });

  test('a credited top-up, a paid and a failed withdrawal are notified, the failure also by SMS', async () => {
    const phone = '+8613700137000';
    const holder = await f.db.transaction((tx) => createCardholder(tx, { ids: f.ctx.ids, random: seededRandom(3) }, phone, f.clock.nowMs()));
    f.approveKyc(holder.id);
    const ctx = { ...f.ctx, notifier: new Notifier({ sms: new SandboxSmsProvider(f.ctx.ids) }) };
    const topUps = new TopUpService(ctx, f.alipay);
    const payouts = new SandboxPayoutProvider({ random: seededRandom(21) });
    const withdrawals = new WithdrawalService(ctx, payouts);

    const quote = await topUps.quote(holder.id, 200_00);
    const order = await topUps.createOrder(holder.id, quote.id);
    const notify = f.alipay.pay(order.id);
    assert.equal((await topUps.handleNotify(notify)).outcome, 'credited');
    // Alipay repeats its notify: still one notification.
    await topUps.handleNotify(notify);
    f.clock.advanceMs(1_000);
    await withdrawals.withdraw({ cardholderId: holder.id, amountUsdMinor: 1_000, requestId: 'wd-1' });
    f.clock.advanceMs(1_000);
    payouts.failNext();
    const failed = await withdrawals.withdraw({ cardholderId: holder.id, amountUsdMinor: 1_000, requestId: 'wd-2' });
    assert.equal(failed.status, 'failed');

    const feed = await listNotifications(f.db, holder.id);
    assert.deepEqual(
      feed.data.map((n) => [n.kind, n.amountMinor, n.currency, n.important]),
      [
        ['withdrawal_failed', 1_000, 'USD', true],
        ['withdrawal_paid', 1_000, 'USD', false],
        ['top_up', Number(order.usd_amount_minor), 'USD', false],
      ],
    );
    assert.equal(feed.unreadCount, 3);
    const inbox = await readSandboxInbox(f.db, phone);
    assert.equal(inbox.length, 1);
    assert.match(inbox[0]!.body, /提现/);
  });
});
