import type { Ledger } from '../ledger/index.ts';
import type { Runtime } from '../platform/module.ts';
import { requireKycApproved } from './identity/cardholders.ts';
import { AlipaySandbox } from './money/alipay-sandbox.ts';
import type { KycGate, MoneyContext } from './money/context.ts';
import { SandboxPayoutProvider } from './money/sandbox-payout.ts';
import { TopUpService } from './money/top-up.ts';
import { WithdrawalService } from './money/withdrawal.ts';
import type { Notifier } from './notifications/notifier.ts';

/** The issuer's money wiring with its sandbox providers: what its routes and background tasks share. */
export interface IssuerServices {
  readonly money: MoneyContext;
  readonly alipay: AlipaySandbox;
  readonly payouts: SandboxPayoutProvider;
  readonly topUps: TopUpService;
  readonly withdrawals: WithdrawalService;
}

/** Identity's KYC check in the shape money asks for (the two slices do not import each other). */
export const kycGate: KycGate = async (sql, cardholderId) => void (await requireKycApproved(sql, cardholderId));

/**
 * Built once by the issuer's module: the routes and the background tasks
 * must share the sandbox, whose trades live in memory — a refund retried by
 * a task has to reach the same simulated Alipay the payer paid.
 */
export function createIssuerServices(runtime: Runtime, ledger: Ledger, alipaySandboxKeyPem: string, notifier?: Notifier): IssuerServices {
  const { db, clock, ids, random } = runtime;
  const money: MoneyContext = { db, ledger, clock, ids, kycGate, ...(notifier ? { notifier } : {}) };
  const alipay = new AlipaySandbox({ clock, random, privateKeyPem: alipaySandboxKeyPem });
  const payouts = new SandboxPayoutProvider({ random });
  return {
    money,
    alipay,
    payouts,
    topUps: new TopUpService(money, alipay),
    withdrawals: new WithdrawalService(money, payouts),
  };
}
