import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KycGate } from '../../src/issuer/money/context.ts';
import { SandboxPayoutProvider } from '../../src/issuer/money/sandbox-payout.ts';
import { WithdrawalService } from '../../src/issuer/money/withdrawal.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { assertAppError, moneyFixture, type MoneyFixture } from '../support/money-fixture.ts';

/**
 * A withdrawal service whose KYC gate (the first thing a new withdrawal
 * does after looking for one with its request id) waits until `parties`
 * requests are in it, or 300 ms: on PostgreSQL every racer has then looked
 * and found nothing before any of them goes on — the race, for certain. On
 * SQLite transactions run one at a time, so each waits alone and goes on.
 */
function racingService(f: MoneyFixture, parties: number, seed: number): WithdrawalService {
  let arrived = 0;
  let open: () => void = () => undefined;
  const allIn = new Promise<void>((resolve) => (open = resolve));
  const kycGate: KycGate = async (sql, cardholderId) => {
    if (++arrived >= parties) open();
    await Promise.race([allIn, new Promise((resolve) => setTimeout(resolve, 300))]);
    await f.ctx.kycGate(sql, cardholderId);
  };
  return new WithdrawalService({ ...f.ctx, ids: new IdGenerator(f.clock, seededRandom(seed)), kycGate }, new SandboxPayoutProvider({ random: seededRandom(seed) }));
}

/**
 * A withdrawal's request id (the HTTP Idempotency-Key) names one
 * withdrawal:
 *
 * - reused with another amount, it is refused `idempotency_key_reused`
 *   (400, as every other issuer and acquirer endpoint answers a key reused
 *   with other parameters) before anything happens — before, the service
 *   returned the first withdrawal as if it were the one asked for, and
 *   asked the payout provider again for a pending one;
 * - sent by several requests at once, it makes one withdrawal that they all
 *   answer — before, on PostgreSQL, the losers hit the unique index and
 *   answered 500.
 */
describe('withdrawal idempotency', () => {
  let f: MoneyFixture;
  before(async () => {
    f = await moneyFixture();
  });
  after(async () => {
    await f.assertAudit();
    await f.cleanup();
  });

  async function funded(ch: string): Promise<void> {
    f.approveKyc(ch);
    await f.topUp(ch, 100_000); // $137.50
  }
  const rows = async (ch: string) => Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_withdrawals WHERE cardholder_id = ?', [ch]))!.n);

  test('the same key with another amount is refused idempotency_key_reused, and nothing moves', async () => {
    await funded('ch_idem_amount');
    const first = await f.withdrawals.withdraw({ cardholderId: 'ch_idem_amount', amountUsdMinor: 5_000, requestId: 'wd-1' });
    assert.equal(first.status, 'paid');
    await assertAppError(f.withdrawals.withdraw({ cardholderId: 'ch_idem_amount', amountUsdMinor: 6_000, requestId: 'wd-1' }), 'idempotency_key_reused');
    assert.equal(await f.available('ch_idem_amount'), 8_750);
    assert.equal(await rows('ch_idem_amount'), 1);
    const again = await f.withdrawals.withdraw({ cardholderId: 'ch_idem_amount', amountUsdMinor: 5_000, requestId: 'wd-1' });
    assert.equal(again.id, first.id, 'the same key and amount is still the same withdrawal');
  });

  test('a key reused with another amount while the first is still pending does not ask the provider again', async () => {
    await funded('ch_idem_pending');
    f.payouts.dropNext();
    const first = await f.withdrawals.withdraw({ cardholderId: 'ch_idem_pending', amountUsdMinor: 5_000, requestId: 'wd-1' });
    assert.equal(first.status, 'pending');
    const calls = f.payouts.payouts().filter((p) => p.payoutId === first.id).length;
    await assertAppError(f.withdrawals.withdraw({ cardholderId: 'ch_idem_pending', amountUsdMinor: 5_001, requestId: 'wd-1' }), 'idempotency_key_reused');
    assert.equal(f.payouts.payouts().filter((p) => p.payoutId === first.id).length, calls);
    await f.withdrawals.resolvePending();
  });

  test('race: four concurrent requests with one key make one withdrawal, and all of them answer it', async () => {
    await funded('ch_idem_race');
    const service = racingService(f, 4, 901);
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => service.withdraw({ cardholderId: 'ch_idem_race', amountUsdMinor: 5_000, requestId: 'wd-race' })),
    );
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failures, []);
    const ids = new Set(results.map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id));
    assert.equal(ids.size, 1);
    assert.equal(await rows('ch_idem_race'), 1);
    assert.equal(await f.available('ch_idem_race'), 8_750, 'taken once');
    await service.resolvePending();
    assert.equal((await service.get('ch_idem_race', [...ids][0]!))!.status, 'paid');
  });

  test('race: one key, different amounts at once — one withdrawal, the others refused idempotency_key_reused (never a 500)', async () => {
    await funded('ch_idem_race2');
    const amounts = [5_000, 6_000, 5_000, 7_000];
    const service = racingService(f, amounts.length, 902);
    const results = await Promise.allSettled(amounts.map((amountUsdMinor) => service.withdraw({ cardholderId: 'ch_idem_race2', amountUsdMinor, requestId: 'wd-race' })));
    assert.equal(await rows('ch_idem_race2'), 1);
    const row = (await f.db.get<{ amount_usd_minor: number }>('SELECT amount_usd_minor FROM issuer_withdrawals WHERE cardholder_id = ?', ['ch_idem_race2']))!;
    results.forEach((result, i) => {
      if (amounts[i] === Number(row.amount_usd_minor)) assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
      else assert.equal((result as PromiseRejectedResult).reason?.code, 'idempotency_key_reused', String((result as PromiseRejectedResult).reason));
    });
    assert.equal(await f.available('ch_idem_race2'), 13_750 - Number(row.amount_usd_minor));
    await service.resolvePending();
  });
});
