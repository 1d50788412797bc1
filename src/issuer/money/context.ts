import type { Clock } from '../../platform/clock.ts';
import type { Database, Sql } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Notifier } from '../notifications/notifier.ts';

/**
 * Refuses (throws AppError 'kyc_required') unless the cardholder's KYC is
 * approved. Identity provides the real one (`requireKycApproved`); money only
 * needs this shape, so the two slices do not import each other. It is called
 * inside the money transaction, with that transaction.
 */
export type KycGate = (sql: Sql, cardholderId: string) => Promise<void>;

/** What the money services share; everything that reads time or randomness is injected. */
export interface MoneyContext {
  readonly db: Database;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly kycGate: KycGate;
  /** Records the cardholder's notifications of credited top-ups and settled withdrawals; none when absent. */
  readonly notifier?: Notifier;
}
