import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/platform/clock.ts';
import { migrate } from '../../src/platform/db/migrations.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { allMigrations } from '../../src/app/modules.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { auditDatabase, type AuditSummary } from './audit.ts';
import { closedLoop, measureAlternating } from './loop.ts';
import type { BenchOptions } from './options.ts';
import { ceilingFromRun, scenarioResult, type ScenarioResult, type ScenarioSpec } from './report.ts';
import { openSqliteCeiling } from './sqlite-ceiling.ts';
import { createFundedAccounts, ledgerStep, TransferMaker, TRANSFERS_PER_COMMIT, type LedgerWorkload } from './workload.ts';

/**
 * SQLite: one client, because a SQLite file has one writer at a time (the
 * SqliteDatabase mutex; more clients in one process would only queue on it).
 */
const SCENARIOS: ReadonlyArray<Omit<ScenarioSpec, 'database' | 'clients' | 'processes' | 'transfers_per_commit'> & { workload: LedgerWorkload }> = [
  {
    name: 'sqlite_single',
    workload: 'single',
    description: 'one posted transfer per commit, random pair of funded accounts',
    target: { metric: 'ratio', min: 0.5, text: '≥ 50% of the per-commit ceiling for single durable transfers on SQLite' },
  },
  {
    name: 'sqlite_batch100',
    workload: 'batch100',
    description: '100 posted transfers per createTransfers call (one commit), random pairs',
    target: { metric: 'ops_per_s', min: 50_000, text: '≥ 50,000 transfers/s batched on SQLite' },
  },
  {
    name: 'sqlite_pending_post',
    workload: 'pending_post',
    description: 'a pending hold (7-day timeout), committed; then its full post, committed on its own: 2 commits and 2 transfers per hold',
  },
];

export interface DatabaseSection {
  readonly location: string;
  readonly audit_ok: boolean;
  readonly audit: AuditSummary;
}

export async function benchSqlite(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<{ section: DatabaseSection; scenarios: ScenarioResult[] }> {
  const dir = options.dataDir ? join(options.dataDir, `sqlite-${process.pid}`) : mkdtempSync(join(tmpdir(), 'cardlane-bench-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'ledger.db');
  const db = openDatabase(file);
  try {
    await migrate(db, allMigrations, systemClock.nowMs());
    const ledger = new Ledger(systemClock);
    log(`sqlite: ${file}: creating and funding ${options.accounts} accounts`);
    await createFundedAccounts(ledger, db, options.accounts);

    const maker = new TransferMaker(options.accounts);
    const scenarios: ScenarioResult[] = [];
    for (const scenario of SCENARIOS.filter((s) => !options.only || options.only.has(s.name))) {
      const spec: ScenarioSpec = { ...scenario, database: 'sqlite', clients: 1, processes: 1, transfers_per_commit: TRANSFERS_PER_COMMIT[scenario.workload] };
      const subject = closedLoop(1, ledgerStep(scenario.workload, ledger, db, maker));
      // A fresh ceiling file per scenario, measured alongside it.
      const ceiling = await openSqliteCeiling({ file: join(dir, `ceiling-${spec.name}.db`), rowsPerCommit: spec.transfers_per_commit, accounts: options.accounts });
      try {
        const measured = await measureAlternating(subject, ceiling, options);
        const shape = { rows_per_commit: spec.transfers_per_commit, clients: 1, processes: 1, what: ceiling.what };
        const result = scenarioResult(spec, measured.subject, ceilingFromRun(measured.ceiling, shape));
        log(`${result.name}: ${result.ops_per_s} transfers/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms; ceiling ${result.ceiling.ops_per_s} rows/s, p50 ${result.ceiling.p50_ms} ms; ratio ${result.ratio}`);
        scenarios.push(result);
      } finally {
        await ceiling.close();
      }
    }

    const audit = await auditDatabase(db, log);
    return { section: { location: file, audit_ok: audit.ok, audit }, scenarios };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
