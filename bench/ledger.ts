/**
 * `npm run bench:ledger` — ledger throughput and latency on SQLite and
 * PostgreSQL, each next to a ceiling measured in the same run on the same
 * database (a raw INSERT of a row as wide as a transfer, same durability),
 * so that the result is a ratio that means something on any machine.
 *
 * Prints one JSON document on stdout; progress goes to stderr.
 * Flags: --quick, --database sqlite|postgres|both, --pg-url, --seconds N,
 * --accounts N, --data-dir DIR, --no-pgbench (see bench/lib/options.ts).
 */
import { tmpdir } from 'node:os';
import { describeMachine, pgbenchVersion } from './lib/machine.ts';
import { parseOptions } from './lib/options.ts';
import { benchPostgres } from './lib/postgres-bench.ts';
import { PGBENCH } from './lib/pgbench.ts';
import type { ScenarioResult } from './lib/report.ts';
import { benchSqlite, type DatabaseSection } from './lib/sqlite-bench.ts';

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const machine = describeMachine(options.dataDir ?? tmpdir());
  const databases: Record<string, DatabaseSection> = {};
  const scenarios: ScenarioResult[] = [];

  const errors: Array<{ database: string; error: string }> = [];
  // One database failing (say, no PostgreSQL server) still reports the other.
  const attempt = async (database: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      log(`${database} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      errors.push({ database, error: error instanceof Error ? error.message : String(error) });
    }
  };
  if (options.databases.includes('sqlite')) {
    await attempt('sqlite', async () => {
      const sqlite = await benchSqlite(options, log);
      databases.sqlite = sqlite.section;
      scenarios.push(...sqlite.scenarios);
    });
  }
  if (options.databases.includes('postgres')) {
    await attempt('postgres', async () => {
      const postgres = await benchPostgres(options, log);
      databases.postgres = postgres.section;
      machine.postgres_version = postgres.server.version;
      machine.postgres_settings = postgres.server.settings;
      scenarios.push(...postgres.scenarios);
    });
  }

  const targets = scenarios
    .filter((s) => s.target)
    .map((s) => ({ scenario: s.name, target: s.target!.text, measured: s.target!.metric === 'ratio' ? s.ratio : s.ops_per_s, meets_target: s.meets_target! }));
  const auditOk = errors.length === 0 && Object.values(databases).every((d) => d.audit_ok);
  const report = {
    benchmark: 'cardlane ledger',
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    quick: options.quick,
    settings: {
      seconds_per_scenario: options.seconds,
      warmup_seconds: options.warmupSeconds,
      accounts: options.accounts,
      pgbench: options.pgbench ? pgbenchVersion(PGBENCH) : null,
      multi_process_scenarios: options.multiProcess,
      only: options.only ? [...options.only] : null,
    },
    method: [
      'Each scenario runs next to its ceiling in alternating slices (ledger, ceiling, ledger, …) after a warm-up of both, so that load from elsewhere on the machine hits both alike; the ratio compares those.',
      'Ceiling: a raw prepared INSERT of a row shaped like a ledger_transfers row, same database, same durability, same rows per commit, same client layout (SQLite: better-sqlite3 on a fresh file opened by openDatabase; PostgreSQL: node-postgres on a fresh table). pgbench, where shown, is a second PostgreSQL ceiling from a C client, run once per layout.',
      'ops_per_s counts transfers the ledger answered ok (a pending+post pair is two); p50/p99 are per commit (one createTransfers call or one raw INSERT transaction).',
      'Transfers go between random pairs of the funded accounts; the hot-account scenario debits one account on purpose.',
    ],
    machine,
    audit_ok: auditOk,
    all_targets_met: targets.every((t) => t.meets_target),
    targets,
    databases,
    scenarios,
    ...(errors.length > 0 ? { errors } : {}),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  // Not meeting a target is a result, not a failure; a broken audit or a database that could not be measured is.
  if (!auditOk) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
