import type { ModuleDescription, Runtime } from '../platform/module.ts';
import { auditLedger, type AuditReport } from './audit.ts';
import type { LedgerConfig } from './config.ts';
import { Ledger } from './ledger.ts';
import { ledgerMigrations } from './migrations.ts';

export interface LedgerApi {
  /** The one ledger of a running Cardlane: every party books through it, so concurrent writers share its commits. */
  readonly ledger: Ledger;
  /** The same audit as `cardlane audit`: every invariant of the books, checked now. */
  audit(): Promise<AuditReport>;
}

export interface LedgerModuleDeps extends Runtime {
  readonly settings: LedgerConfig;
}

/** Short enough that the unapplied tail a read sums stays a few hundred entries at thousands of payments a second. */
const ROLL_UP_INTERVAL_MS = 200;

/** Accounts, transfers and holds: the ledger knows no party; each books through this one `Ledger`. */
export const ledgerModule: ModuleDescription<LedgerModuleDeps, LedgerApi> = {
  name: 'ledger',
  migrations: ledgerMigrations,
  errorCodes: {},
  build({ db, clock, settings }) {
    const ledger = new Ledger(clock);
    return {
      routes: [],
      tasks: [
        {
          // Holds past their timeout already hold nothing; this makes the stored
          // balances and the holds' statuses say so, and journals each expiry.
          name: 'ledger.expire-holds',
          intervalMs: settings.sweepIntervalMs,
          run: async () => void (await ledger.expireDue(db)),
        },
        {
          // Open accounts' balance changes are appended as entries (no hot row);
          // this folds committed ones into the rows, so reads sum a short tail.
          name: 'ledger.roll-up-entries',
          intervalMs: ROLL_UP_INTERVAL_MS,
          run: async () => void (await ledger.rollUpEntries(db)),
        },
        {
          name: 'ledger.seal-journal',
          intervalMs: settings.sealIntervalMs,
          run: async () => void (await ledger.sealJournal(db)),
        },
      ],
      api: { ledger, audit: () => auditLedger(db, { nowMs: clock.nowMs() }) },
    };
  },
};
