import type { Clock } from '../platform/clock.ts';
import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db/database.ts';
import { cryptoRandom, IdGenerator } from '../platform/ids.ts';
import { Ledger } from '../ledger/ledger.ts';
import { requireKycApproved } from './identity/cardholders.ts';
import { AlipaySandbox } from './money/alipay-sandbox.ts';
import { loadOrCreateAlipaySandboxKey } from './money/alipay-sandbox-key-file.ts';
import type { KycGate, MoneyContext } from './money/context.ts';
import { SandboxPayoutProvider } from './money/sandbox-payout.ts';
import { TopUpService } from './money/top-up.ts';
import { WithdrawalService } from './money/withdrawal.ts';

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

// One set per database handle, i.e. per running Cardlane: the routes and the
// background tasks are built separately (runtime.ts) but must share the
// sandbox, whose trades live in memory — a refund retried by a task has to
// reach the same simulated Alipay the payer paid.
const byDatabase = new WeakMap<Database, IssuerServices>();

export function issuerServices(db: Database, clock: Clock, config: Config): IssuerServices {
  const existing = byDatabase.get(db);
  if (existing) return existing;
  const money: MoneyContext = { db, ledger: new Ledger(clock), clock, ids: new IdGenerator(clock, cryptoRandom), kycGate };
  const alipay = new AlipaySandbox({ clock, random: cryptoRandom, privateKeyPem: loadOrCreateAlipaySandboxKey(config.dataDir) });
  const payouts = new SandboxPayoutProvider({ random: cryptoRandom });
  const services: IssuerServices = {
    money,
    alipay,
    payouts,
    topUps: new TopUpService(money, alipay),
    withdrawals: new WithdrawalService(money, payouts),
  };
  byDatabase.set(db, services);
  return services;
}
