import type { Database } from '../../src/platform/db/database.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { auditLedger } from '../../src/ledger/audit.ts';
import { sealJournal } from '../../src/ledger/journal.ts';
import { round } from './stats.ts';

/** A benchmark that corrupts money is worthless: every run ends with the full audit. */
export interface AuditSummary {
  readonly ok: boolean;
  readonly sealed_entries: number;
  readonly seal_seconds: number;
  readonly audit_seconds: number;
  readonly stats: { accounts: number; transfers: number; journal_sealed: number; journal_unsealed: number };
  /** Only the checks that failed, with their findings. */
  readonly failed_checks: Array<{ name: string; failures: string[] }>;
}

export async function auditDatabase(db: Database, log: (line: string) => void): Promise<AuditSummary> {
  log('sealing the journal and auditing the ledger');
  let started = performance.now();
  const sealed = await sealJournal(db);
  const sealSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const report = await auditLedger(db, { nowMs: systemClock.nowMs() });
  const auditSeconds = (performance.now() - started) / 1000;
  log(`audit ${report.ok ? 'ok' : 'FAILED'}: ${report.stats.transfers} transfers, ${sealed} entries sealed in ${round(sealSeconds)} s, audit ${round(auditSeconds)} s`);
  return {
    ok: report.ok,
    sealed_entries: sealed,
    seal_seconds: round(sealSeconds),
    audit_seconds: round(auditSeconds),
    stats: report.stats,
    failed_checks: report.checks.filter((c) => !c.ok).map((c) => ({ name: c.name, failures: c.failures })),
  };
}
