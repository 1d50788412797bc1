import { parseArgs } from 'node:util';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface BenchOptions {
  /** A short smoke run (CI, tests): tiny durations, few accounts, no pgbench. */
  readonly quick: boolean;
  readonly databases: readonly DatabaseKind[];
  readonly pgUrl: string;
  /** Measured seconds per scenario (after a short warm-up). */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Each scenario and its ceiling run in this many alternating slices (see measureAlternating). */
  readonly slices: number;
  /** Funded accounts the transfers are spread over. */
  readonly accounts: number;
  /** Where SQLite files go: must be a real disk, or fsync costs nothing and the numbers lie. */
  readonly dataDir: string | null;
  /** Also run `pgbench` as a second PostgreSQL ceiling (skipped in --quick). */
  readonly pgbench: boolean;
  /** Also run the 2-process PostgreSQL scenario (skipped in --quick: starting workers costs seconds). */
  readonly multiProcess: boolean;
  /** Run only these scenarios (by name); null = all. For profiling one scenario. */
  readonly only: ReadonlySet<string> | null;
}

const USAGE = `usage: node --import tsx bench/ledger.ts [options]
  --quick                 short smoke run (a few seconds)
  --database <which>      sqlite | postgres | both (default both)
  --pg-url <url>          PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test)
  --seconds <n>           measured seconds per scenario (default 10; 0.15 with --quick)
  --accounts <n>          funded accounts (default 10000; 200 with --quick)
  --data-dir <dir>        where SQLite files are created (default: a temporary directory)
  --no-pgbench            skip the pgbench ceiling
  --only <names>          comma-separated scenario names to run (e.g. sqlite_batch100)`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      database: { type: 'string', default: 'both' },
      'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
      seconds: { type: 'string' },
      accounts: { type: 'string' },
      'data-dir': { type: 'string' },
      'no-pgbench': { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const seconds = positiveNumber('--seconds', values.seconds ?? (quick ? '0.15' : '10'));
  return {
    quick,
    databases: parseDatabases(values.database ?? 'both'),
    pgUrl: values['pg-url'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    seconds,
    // Enough to prepare statements, fill caches and let the JIT settle; not counted.
    warmupSeconds: quick ? 0.03 : Math.min(2, seconds / 5),
    slices: quick ? 1 : Math.max(1, Math.min(5, Math.round(seconds / 2))),
    accounts: Math.floor(positiveNumber('--accounts', values.accounts ?? (quick ? '200' : '10000'))),
    dataDir: values['data-dir'] ?? null,
    pgbench: !quick && !(values['no-pgbench'] ?? false),
    multiProcess: !quick,
    only: values.only ? new Set(values.only.split(',').map((name) => name.trim())) : null,
  };
}

function parseDatabases(value: string): DatabaseKind[] {
  if (value === 'both') return ['sqlite', 'postgres'];
  if (value === 'sqlite' || value === 'postgres') return [value];
  throw new Error(`--database must be sqlite, postgres or both, not ${JSON.stringify(value)}\n${USAGE}`);
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, not ${JSON.stringify(text)}`);
  return value;
}
