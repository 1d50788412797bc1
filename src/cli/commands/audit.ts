import { Command } from 'commander';
import { systemClock } from '../../platform/clock.ts';
import { loadCardlaneConfig } from '../../app/index.ts';
import { CliError, EXIT_FAILURE, localTime, printJson, type Io } from '../output.ts';
import { addDatabaseOptions, configFlags, type DatabaseOptions } from './options.ts';

/**
 * Verifies every invariant of the ledger, and each party's records against
 * its postings, and exits non-zero with a readable report when one is broken. Safe on a running system: it reads one snapshot
 * and only writes the journal's seals.
 */
export function auditCommand(io: Io): Command {
  return addDatabaseOptions(new Command('audit'))
    .description('verify every ledger invariant; exit 1 and say what is wrong if one is broken')
    .option('--json', 'print the report as one JSON object')
    .action(async (options: DatabaseOptions & { json?: boolean }) => {
      const config = loadCardlaneConfig({ flags: configFlags(options), env: process.env, cwd: process.cwd() });
      const { openDatabase } = await import('../../platform/db/open.ts');
      const { auditCardlane } = await import('../../app/index.ts');
      const db = openDatabase(config.database);
      try {
        await assertLedgerExists(db);
        const report = await auditCardlane(db, systemClock.nowMs());
        if (options.json) printJson(io, { database: db.description, ...report });
        else printReport(io, db.description, report);
        if (!report.ok) {
          const failed = report.checks.filter((c) => !c.ok).length;
          throw new CliError(`audit failed: ${failed} of ${report.checks.length} checks found problems`, EXIT_FAILURE);
        }
      } finally {
        await db.close();
      }
    });
}

async function assertLedgerExists(db: import('../../platform/db/database.ts').Database): Promise<void> {
  try {
    await db.all('SELECT id FROM ledger_chain_head WHERE id = 1');
  } catch {
    throw new CliError(`${db.description} has no Cardlane ledger (run \`cardlane migrate\` or \`cardlane up\` first)`);
  }
}

type Report = Awaited<ReturnType<typeof import('../../app/index.ts').auditCardlane>>;

function printReport(io: Io, where: string, report: Report): void {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`Ledger audit of ${where} at ${localTime(new Date(report.checked_at_ms).toISOString())}`);
  for (const check of report.checks) {
    out(`  ${check.ok ? '✓' : '✗'} ${check.name}`);
    for (const failure of check.failures) out(`      - ${failure}`);
  }
  const { accounts, transfers, journal_sealed, journal_unsealed } = report.stats;
  out(`  ${accounts} accounts, ${transfers} transfers, journal ${journal_sealed} entries chained, ${journal_unsealed} in flight`);
  const failed = report.checks.filter((c) => !c.ok).length;
  out(report.ok ? 'PASSED: every invariant holds.' : `FAILED: ${failed} of ${report.checks.length} checks found problems.`);
}
