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
          name: 'ledger.seal-journal',
          intervalMs: settings.sealIntervalMs,
          run: async () => void (await ledger.sealJournal(db)),
        },
      ],
      api: { ledger, audit: () => auditLedger(db, { nowMs: clock.nowMs() }) },
    };
  },
};
