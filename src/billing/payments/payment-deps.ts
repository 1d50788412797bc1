import type { Ledger } from '../../ledger/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { BillingConfig } from '../config.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { PaymentAttempt } from './payment-attempts.ts';
import type { BillingProvider } from './provider.ts';

/** What billing's payment code needs: its database, clock, ledger, provider and settings. */
export interface BillingPaymentDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly ledger: Ledger;
  readonly provider: BillingProvider;
  readonly config: BillingConfig;
}

/**
 * What an attempt's kind does when it finishes, inside the transaction that
 * finishes it (so the effect happens exactly once with the status change):
 * a purchase grants credits, a subscription payment extends the period, a
 * recharge clears its in-flight mark.
 */
export interface AttemptHandler {
  succeeded?(tx: Tx, attempt: PaymentAttempt): Promise<void>;
  failed?(tx: Tx, attempt: PaymentAttempt): Promise<void>;
}
