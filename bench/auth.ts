/**
 * `npm run bench:auth` — authorizations per second and their latency on the
 * two paths a payment takes, each next to a ceiling measured in the same run
 * on the same machine (so the results are ratios):
 *
 * - in process: card network → Cardlane's issuer → ledger hold, on SQLite
 *   (and PostgreSQL with --database both); ceiling: a raw durable INSERT;
 * - HTTP: `POST /v1/payment_intents` with `confirm=true` through the
 *   Stripe-compatible acquirer (risk rules, network, issuer, capture,
 *   events), against a bare Fastify route; both servers run in a child
 *   process and the load comes from this one.
 *
 * Prints one JSON document on stdout; progress goes to stderr.
 * Flags: --quick, --seconds N, --clients N, --cards N, --database sqlite|both,
 * --pg-url URL, --data-dir DIR, --only in_process|http, --rates R1,R2,… (the
 * in-process open-loop steps, authorizations/s), --grown DB[,DB] (each
 * in-process scenario again on a copy of a grown database of its dialect,
 * from `npm run bench:grow`, with grown ÷ fresh: cost should stay flat as
 * data grows).
 */
import os, { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { benchHttp } from './lib/auth-http.ts';
import { benchInProcess } from './lib/auth-in-process.ts';
import { keptUp } from './lib/open-loop.ts';
import { describeMachine } from './lib/machine.ts';
import { isPostgresUrl } from './lib/grown-database.ts';

const TARGET_RATE = 10_000;
/** Offered rates of the open-loop latency steps (in-process, SQLite). */
const DEFAULT_RATES = [2_500, 5_000, 7_500, TARGET_RATE, 12_500];

function log(line: string): void {
  process.stderr.write(`[bench:auth ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      clients: { type: 'string' },
      cards: { type: 'string' },
      database: { type: 'string', default: 'sqlite' },
      'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test?schema=bench_auth' },
      'data-dir': { type: 'string' },
      only: { type: 'string' },
      rates: { type: 'string' },
      grown: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const seconds = Number(values.seconds ?? (quick ? 1 : 10));
  const clients = Number(values.clients ?? 128);
  const cards = Number(values.cards ?? (quick ? 20 : 200));
  const dataDir = values['data-dir'] ?? tmpdir();
  const only = values.only ?? null;
  const rates = values.rates ? values.rates.split(',').map(Number) : quick ? [1_000] : DEFAULT_RATES;
  if (rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) throw new Error(`--rates must be positive numbers, not ${values.rates}`);
  const stepSeconds = quick ? 1 : Math.max(2, seconds / 2);
  const startedAt = new Date().toISOString();
  const scenarios: unknown[] = [];
  const targets: Array<{ scenario: string; target: string; measured: number | null; meets_target: boolean }> = [];

  const grown = (values.grown ?? '').split(',').filter(Boolean);
  const grownSqlite = grown.find((db) => !isPostgresUrl(db)) ?? null;
  const grownPostgres = grown.find((db) => isPostgresUrl(db)) ?? null;
  const grownOverFresh: Record<string, { ops_per_s: number; p50_ms: number; p99_ms: number }> = {};
  const compare = (fresh: Awaited<ReturnType<typeof benchInProcess>>, onGrown: Awaited<ReturnType<typeof benchInProcess>>) => {
    grownOverFresh[fresh.name] = {
      ops_per_s: Math.round((onGrown.ops_per_s / fresh.ops_per_s) * 100) / 100,
      p50_ms: Math.round((onGrown.p50_ms / fresh.p50_ms) * 100) / 100,
      p99_ms: Math.round((onGrown.p99_ms / fresh.p99_ms) * 100) / 100,
    };
  };

  if (only === null || only === 'in_process') {
    const sqlite = await benchInProcess({ databaseUrl: null, dataDir, seconds, clients, cards, rates, stepSeconds }, log);
    scenarios.push(sqlite);
    if (grownSqlite !== null) {
      log(`in-process (sqlite): the same on a copy of the grown database ${grownSqlite}`);
      const onGrown = await benchInProcess({ databaseUrl: null, dataDir, seconds, clients, cards, rates, stepSeconds, grown: grownSqlite }, log);
      scenarios.push(onGrown);
      compare(sqlite, onGrown);
    }
    const atTarget = sqlite.open_loop.find((step) => step.offered_per_s === TARGET_RATE);
    targets.push({
      scenario: sqlite.name,
      target: `≥ ${TARGET_RATE.toLocaleString('en')} authorizations/s with p99 ≤ 5 ms (open loop at ${TARGET_RATE.toLocaleString('en')}/s: kept up, p99 ≤ 5 ms)`,
      measured: sqlite.max_rate_kept_within_p99_5ms,
      meets_target: atTarget !== undefined && keptUp(atTarget) && atTarget.p99_ms <= 5,
    });
    if (values.database === 'both') {
      const pgUrl = inBenchSchema(values['pg-url']!);
      const postgres = await benchInProcess({ databaseUrl: pgUrl, dataDir, seconds, clients, cards, rates: [], stepSeconds }, log);
      scenarios.push(postgres);
      if (grownPostgres !== null) {
        log('in-process (postgres): the same on a copy of the grown database');
        const onGrown = await benchInProcess({ databaseUrl: pgUrl, dataDir, seconds, clients, cards, rates: [], stepSeconds, grown: grownPostgres }, log);
        scenarios.push(onGrown);
        compare(postgres, onGrown);
      }
    }
  }
  if (only === null || only === 'http') {
    const http = await benchHttp({ dataDir, seconds, clients: Math.min(clients, 64) }, log);
    scenarios.push(http);
    targets.push({ scenario: http.name, target: '≥ 25% of the bare Fastify ceiling', measured: http.ratio, meets_target: http.ratio >= 0.25 });
  }
  const report = {
    benchmark: 'cardlane authorizations',
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    quick,
    // The load on the machine while it ran: on a shared machine, compare ratios from one run, not figures across runs.
    machine: { ...describeMachine(dataDir), loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    scenarios,
    targets,
    ...(grown.length > 0 ? { grown_over_fresh: grownOverFresh } : {}),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

/**
 * The benchmark's own schema (`bench_auth`) unless the URL names one: it is
 * dropped and made afresh each run, so a second run never meets the first's
 * cardholders, and nothing lands in the database's public schema.
 */
function inBenchSchema(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('schema')) parsed.searchParams.set('schema', 'bench_auth');
  return parsed.toString();
}
