import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/platform/clock.ts';
import { migrate } from '../../src/platform/db/migrations.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { allMigrations } from '../../src/app/modules.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { auditDatabase } from './audit.ts';
import { CEILING_WHAT_ROW } from './ceiling-row.ts';
import { closedLoop, measureAlternating, type Measured, type Step, type Workload } from './loop.ts';
import type { BenchOptions } from './options.ts';
import { closeRawClients, connectRawClients, createCeilingTable, rawInsertStep, splitSchema } from './pg-ceiling.ts';
import { pgbenchAvailable, runPgbench } from './pgbench.ts';
import { workerProcesses } from './processes.ts';
import { ceilingFromRun, scenarioResult, type Ceiling, type ScenarioResult, type ScenarioSpec } from './report.ts';
import type { DatabaseSection } from './sqlite-bench.ts';
import { summarize } from './stats.ts';
import { createFundedAccounts, ledgerStep, TransferMaker, TRANSFERS_PER_COMMIT, type LedgerWorkload } from './workload.ts';

const POOL_SIZE = 16;
const TARGET_16: ScenarioSpec['target'] = { metric: 'ops_per_s', min: 5_000, text: '≥ 5,000 transfers/s on PostgreSQL with 16 clients' };

type PgScenario = Omit<ScenarioSpec, 'database' | 'transfers_per_commit'> & { workload: LedgerWorkload };

/**
 * PostgreSQL: 1 and 16 clients (16 async loops over a pool of 16 in this
 * process), and 16 clients as 2 processes × 8, because on 2 cores one Node
 * process can be what limits throughput rather than the database.
 */
const SCENARIOS: readonly PgScenario[] = [
  { name: 'pg_single_c1', workload: 'single', clients: 1, processes: 1, description: 'one posted transfer per commit, 1 client' },
  { name: 'pg_single_c16', workload: 'single', clients: 16, processes: 1, description: 'one posted transfer per commit, 16 async clients in one process (pool of 16)', target: TARGET_16 },
  { name: 'pg_single_p2x8', workload: 'single', clients: 8, processes: 2, description: 'one posted transfer per commit, 2 OS processes × 8 clients (pool of 8 each)', target: TARGET_16 },
  { name: 'pg_batch100_c1', workload: 'batch100', clients: 1, processes: 1, description: '100 posted transfers per commit, 1 client' },
  { name: 'pg_batch100_c16', workload: 'batch100', clients: 16, processes: 1, description: '100 posted transfers per commit, 16 async clients in one process', target: TARGET_16 },
  { name: 'pg_pending_post_c16', workload: 'pending_post', clients: 16, processes: 1, description: 'pending hold committed, then its post committed: 2 commits per hold, 16 clients' },
  { name: 'pg_hot_single_c16', workload: 'hot_single', clients: 16, processes: 1, description: 'CONTENTION DEMO: every transfer debits the same account (its row lock serializes all 16 clients)' },
];

export async function benchPostgres(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<{ section: DatabaseSection & { schema: string }; scenarios: ScenarioResult[]; server: { version: string; settings: Record<string, string> } }> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const url = withSchema(options.pgUrl, schema);
  const db = new PostgresDatabase({ url, poolSize: POOL_SIZE });
  try {
    await migrate(db, allMigrations, systemClock.nowMs());
    const server = await describeServer(db);
    const ledger = new Ledger(systemClock);
    log(`postgres: schema ${schema}: creating and funding ${options.accounts} accounts`);
    await createFundedAccounts(ledger, db, options.accounts);

    const maker = new TransferMaker(options.accounts);
    const ceilings = new Ceilings(url, options);
    const scenarios: ScenarioResult[] = [];
    for (const scenario of selectScenarios(options, log)) {
      const spec: ScenarioSpec = { ...scenario, database: 'postgres', transfers_per_commit: TRANSFERS_PER_COMMIT[scenario.workload] };
      const result = await measureScenario(spec, ceilings, () => ledgerWorkload(scenario, url, options, () => ledgerStep(scenario.workload, ledger, db, maker)), options);
      log(`${result.name}: ${result.ops_per_s} transfers/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms; ceiling ${result.ceiling.ops_per_s} rows/s${result.ceiling.pgbench ? ` (pgbench ${result.ceiling.pgbench.ops_per_s})` : ''}; ratio ${result.ratio}; cpu ${JSON.stringify(result.cpu)}`);
      scenarios.push(result);
    }

    const audit = await auditDatabase(db, log);
    return { section: { location: db.description, schema, audit_ok: audit.ok, audit }, scenarios, server };
  } finally {
    await db.dropSchema().catch((error: unknown) => log(`could not drop schema ${schema}: ${String(error)}`));
    await db.close();
  }
}

function selectScenarios(options: BenchOptions, log: (line: string) => void): PgScenario[] {
  return SCENARIOS.filter((scenario) => {
    if (options.only && !options.only.has(scenario.name)) return false;
    if (scenario.processes > 1 && !options.multiProcess) {
      log(`${scenario.name}: skipped (--quick does not start worker processes)`);
      return false;
    }
    return true;
  });
}

/** The ledger next to its ceiling, in alternating slices; both are closed whatever happens. */
async function measureScenario(spec: ScenarioSpec, ceilings: Ceilings, openSubject: () => Promise<Workload>, options: BenchOptions): Promise<ScenarioResult> {
  const subject = await openSubject();
  try {
    const ceiling = await ceilings.open(spec.processes, spec.clients, spec.transfers_per_commit);
    try {
      const measured = await measureAlternating(subject, ceiling, options);
      return scenarioResult(spec, measured.subject, await ceilings.describe(ceiling, measured.ceiling));
    } finally {
      await ceiling.close();
    }
  } finally {
    await subject.close();
  }
}

async function ledgerWorkload(scenario: PgScenario, url: string, options: BenchOptions, step: () => Step): Promise<Workload> {
  if (scenario.processes > 1) {
    return workerProcesses(scenario.processes, { kind: 'ledger', workload: scenario.workload, url, clients: scenario.clients, accounts: options.accounts });
  }
  // In-process clients share the benchmark's pool; closing the workload leaves it open.
  return closedLoop(scenario.clients, step());
}

type CeilingWorkload = Workload & { readonly shape: { rows_per_commit: number; clients: number; processes: number } };

/**
 * Ceilings with the same client layout as the scenario they stand next to
 * (processes × connections, rows per commit), each on a fresh table in the
 * benchmark's schema. pgbench, when enabled, runs once per layout after the
 * first measurement (it cannot be interleaved) and is reported alongside.
 */
class Ceilings {
  readonly #pgbench = new Map<string, NonNullable<Ceiling['pgbench']>>();
  #tables = 0;

  constructor(
    readonly url: string,
    readonly options: BenchOptions,
  ) {}

  async #freshTable(): Promise<string> {
    const { base, schema } = splitSchema(this.url);
    const table = `${schema}.bench_ceiling_${++this.#tables}`;
    await createCeilingTable(base, table);
    return table;
  }

  async open(processes: number, clients: number, rowsPerCommit: number): Promise<CeilingWorkload> {
    const { base } = splitSchema(this.url);
    const table = await this.#freshTable();
    const shape = { rows_per_commit: rowsPerCommit, clients, processes };
    if (processes > 1) {
      const workers = await workerProcesses(processes, { kind: 'raw', url: base, table, rowsPerCommit, clients, accounts: this.options.accounts });
      return Object.assign(workers, { shape });
    }
    const connections = await connectRawClients(base, clients);
    const loop = closedLoop(clients, rawInsertStep(connections, table, rowsPerCommit, this.options.accounts), () => closeRawClients(connections));
    return Object.assign(loop, { shape });
  }

  async describe(ceiling: CeilingWorkload, measured: Measured): Promise<Ceiling> {
    const { processes, clients, rows_per_commit: rows } = ceiling.shape;
    const result = ceilingFromRun(measured, {
      ...ceiling.shape,
      what: `${CEILING_WHAT_ROW}; ${rows} row(s) per autocommitted INSERT; node-postgres (pg) prepared statement, ${processes} process(es) × ${clients} connection(s)`,
    });
    // pgbench's own threads stand in for several processes: run for the in-process layouts only.
    if (this.options.pgbench && processes === 1 && pgbenchAvailable()) {
      const key = `${clients}/${rows}`;
      let pgbench = this.#pgbench.get(key);
      if (!pgbench) {
        const run = await runPgbench({ baseUrl: splitSchema(this.url).base, table: await this.#freshTable(), clients, rowsPerCommit: rows, seconds: this.options.seconds });
        const latency = summarize(run.latenciesMs);
        pgbench = { ops_per_s: Math.round(run.ops_per_s), commits_per_s: Math.round(run.commits_per_s), p50_ms: latency.p50_ms, p99_ms: latency.p99_ms, what: `${run.command}; run once, after the first alternating measurement with this layout` };
        this.#pgbench.set(key, pgbench);
      }
      result.pgbench = pgbench;
    }
    return result;
  }
}

async function describeServer(db: PostgresDatabase): Promise<{ version: string; settings: Record<string, string> }> {
  const version = await db.get<{ v: string }>('SELECT version() AS v');
  const rows = await db.all<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings
      WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'wal_sync_method', 'full_page_writes', 'commit_delay', 'shared_buffers', 'max_connections', 'data_directory')
      ORDER BY name`,
  );
  return { version: version?.v ?? 'unknown', settings: Object.fromEntries(rows.map((r) => [r.name, r.setting])) };
}

function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}
