import assert from 'node:assert/strict';
import { AppError } from '../../src/platform/errors.ts';
import { IssuerError } from '../../src/issuer/errors.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { AlipaySandbox, type AlipayNotifyFields } from '../../src/issuer/money/alipay-sandbox.ts';
import type { KycGate, MoneyContext } from '../../src/issuer/money/context.ts';
import { ensureIssuerAccounts, walletAccountId } from '../../src/issuer/money/ledger-accounts.ts';
import { SandboxPayoutProvider } from '../../src/issuer/money/sandbox-payout.ts';
import { TopUpService, type TopUpOrder } from '../../src/issuer/money/top-up.ts';
import { WithdrawalService } from '../../src/issuer/money/withdrawal.ts';
import { ledgerFixture, type LedgerFixture } from './ledger-fixture.ts';

export interface MoneyFixture extends LedgerFixture {
  readonly ctx: MoneyContext;
  readonly alipay: AlipaySandbox;
  readonly payouts: SandboxPayoutProvider;
  readonly topUps: TopUpService;
  readonly withdrawals: WithdrawalService;
  /** Cardholder ids the KYC gate was asked about, in order. */
  readonly gateCalls: string[];
  approveKyc(cardholderId: string): void;
  /** Wallet credits posted − debits posted − debits pending (0 if no wallet yet). */
  available(cardholderId: string): Promise<number>;
  /** quote → order → the payer pays; returns the order and the (undelivered) paid notify. */
  orderAndPay(cardholderId: string, cnyMinor: number): Promise<{ order: TopUpOrder; notify: AlipayNotifyFields }>;
  /** The whole top-up, notify delivered once. */
  topUp(cardholderId: string, cnyMinor: number): Promise<TopUpOrder>;
}

/**
 * The KYC gate here is a test double backed by a set of approved ids; it
 * records every call so tests can see the gate was consulted.
 */
export async function moneyFixture(): Promise<MoneyFixture> {
  const f = await ledgerFixture();
  const approved = new Set<string>();
  const gateCalls: string[] = [];
  const kycGate: KycGate = async (_sql, cardholderId) => {
    gateCalls.push(cardholderId);
    if (!approved.has(cardholderId)) throw new IssuerError('kyc_required');
  };
  const ctx: MoneyContext = { db: f.db, ledger: f.ledger, clock: f.clock, ids: new IdGenerator(f.clock, seededRandom(7)), kycGate };
  await ensureIssuerAccounts(f.ledger, f.db);
  const alipay = new AlipaySandbox({ clock: f.clock, random: seededRandom(11) });
  const payouts = new SandboxPayoutProvider({ random: seededRandom(13) });
  const topUps = new TopUpService(ctx, alipay);
  const withdrawals = new WithdrawalService(ctx, payouts);
  const fixture: MoneyFixture = {
    ...f,
    ctx,
    alipay,
    payouts,
    topUps,
    withdrawals,
    gateCalls,
    approveKyc: (id) => void approved.add(id),
    async available(cardholderId) {
      return (await f.ledger.getBalance(f.db, walletAccountId(cardholderId)))?.available ?? 0;
    },
    async orderAndPay(cardholderId, cnyMinor) {
      const quote = await topUps.quote(cardholderId, cnyMinor);
      const order = await topUps.createOrder(cardholderId, quote.id);
      return { order, notify: alipay.pay(order.id) };
    },
    async topUp(cardholderId, cnyMinor) {
      const { notify } = await fixture.orderAndPay(cardholderId, cnyMinor);
      const result = await topUps.handleNotify(notify);
      assert.equal(result.outcome, 'credited');
      return result.order!;
    },
  };
  return fixture;
}

export async function assertAppError(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected AppError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}
