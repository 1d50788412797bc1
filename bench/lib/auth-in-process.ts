import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { auditLedger } from '../../src/ledger/audit.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { CardlaneIssuer } from '../../src/issuer/authorization/cardlane-issuer.ts';
import { generateKeyring } from '../../src/issuer/keyring.ts';
import { defaultBinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import type { AuthorizationRequest } from '../../src/network/messages.ts';
import { createTestIssuers } from '../../src/network/test-issuers/create-test-issuers.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { migrate } from '../../src/platform/db/migrations.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { allMigrations } from '../../src/app/modules.ts';
import { openBenchCards } from './auth-cards.ts';
import { copySqliteDatabase, createPostgresDatabase, isPostgresUrl } from './grown-database.ts';
import { openSqliteCeiling } from './sqlite-ceiling.ts';
import { keptUp, runAtRate, type OpenLoopResult } from './open-loop.ts';
import { Meter, round, summarize } from './stats.ts';

export interface InProcessOptions {
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly seconds: number;
  readonly clients: number;
  readonly cards: number;
  /** Offered rates for the open-loop latency steps (each `stepSeconds`), after the closed-loop run. */
  readonly rates: readonly number[];
  readonly stepSeconds: number;
  /**
   * A grown database (`npm run bench:grow`: a SQLite file or a PostgreSQL
   * URL) to run on instead of an empty one: a copy of it, so it is never
   * changed; `databaseUrl` then only names the PostgreSQL server to copy on.
   */
  readonly grown?: string | null;
}

/** An open-loop step stops sending new requests beyond this many outstanding (it has fallen behind). */
const MAX_IN_FLIGHT = 2_000;

/**
 * The in-process authorization path as a running Cardlane has it: the card
 * network (validation, BIN routing, its records) → Cardlane's issuer (the
 * whole decision: card, status, expiry, CVV2, AVS, KYC, controls, limits,
 * merchant accounts, balance) → a hold placed in the ledger, durably. A
 * closed loop of `clients` concurrent callers, random cards, $1 each, for
 * the throughput; then open-loop steps at fixed offered rates for latency
 * (see open-loop.ts: "N a second with p99 ≤ 5 ms" is a question only a
 * fixed schedule can answer).
 */
export async function benchInProcess(options: InProcessOptions, log: (line: string) => void) {
  const dir = mkdtempSync(join(options.dataDir, 'cardlane-bench-auth-'));
  const grown = options.grown ?? null;
  const copy = grown !== null && isPostgresUrl(grown) ? await createPostgresDatabase(grown, grown) : null;
  const url = copy?.url ?? (grown !== null ? copySqliteDatabase(grown, dir) : (options.databaseUrl ?? join(dir, 'auth.db')));
  const db = openDatabase(url);
  try {
    if (db.dialect === 'postgres' && grown === null) await (db as unknown as { dropSchema?: () => Promise<void> }).dropSchema?.();
    await migrate(db, allMigrations, systemClock.nowMs());
    const keyring = generateKeyring(seededRandom(5));
    log(`in-process (${db.dialect}): opening ${options.cards} cards`);
    const cards = await openBenchCards(db, systemClock, keyring, options.cards, 10_000_000);
    const ids = new IdGenerator(systemClock, seededRandom(6));
    const ledger = new Ledger(systemClock);
    const issuer = new CardlaneIssuer({ db, clock: systemClock, ids, ledger, keyring });
    const network = new CardNetwork({ db, clock: systemClock, ids, bins: defaultBinTable(), issuers: [issuer, ...createTestIssuers({ db, clock: systemClock, ids })] });
    const random = seededRandom(7);
    let sequence = 0;
    const request = (): AuthorizationRequest => {
      const bytes = random(2);
      const card = cards[((bytes[0]! << 8) | bytes[1]!) % cards.length]!;
      return {
        type: 'authorization',
        id: `bench_${++sequence}`,
        purpose: 'purchase',
        card: { pan: card.pan, expMonth: card.expMonth, expYear: card.expYear, cvv2: card.cvv2 },
        amount: { minor: 100, currency: 'USD' },
        merchant: { acquirerId: 'bench-acquirer', merchantId: 'acct_bench', name: 'BENCH STORE', mcc: '5734', country: 'US' },
        entryMode: 'ecommerce',
        initiator: 'customer',
        avs: { line1: '548 Market St', postalCode: '94104' },
        merchantCustomerRef: null,
        sentAtMs: systemClock.nowMs(),
      };
    };
    const run = async (seconds: number) => {
      const latencies: number[] = [];
      const codes: Record<string, number> = {};
      const deadline = performance.now() + seconds * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: options.clients }, async () => {
          while (performance.now() < deadline) {
            const t = performance.now();
            const answer = await network.authorize(request());
            latencies.push(performance.now() - t);
            codes[answer.responseCode] = (codes[answer.responseCode] ?? 0) + 1;
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      return { approved: codes['00'] ?? 0, codes, elapsed, latencies };
    };
    log(`in-process (${db.dialect}): warm-up`);
    await run(Math.min(2, options.seconds / 3));
    log(`in-process (${db.dialect}): measuring ${options.seconds}s with ${options.clients} concurrent callers`);
    const measured = await run(options.seconds);
    const steps: OpenLoopResult[] = [];
    for (const ratePerS of options.rates) {
      log(`in-process (${db.dialect}): open loop at ${ratePerS}/s for ${options.stepSeconds}s`);
      const step = await runAtRate({ ratePerS, seconds: options.stepSeconds, maxInFlight: MAX_IN_FLIGHT }, () => network.authorize(request()), (answer) => answer.approved);
      log(`  achieved ${step.achieved_per_s}/s, p50 ${step.p50_ms} ms, p99 ${step.p99_ms} ms, max ${step.max_ms} ms${step.shed > 0 ? `, shed ${step.shed}` : ''}`);
      steps.push(step);
    }
    const stats = 'commitStats' in db ? (db as unknown as { commitStats: { transactions: number; commits: number } }).commitStats : null;
    // A grown database's audit takes minutes (bench:grow audits it); this run's own writes are audited on the fresh one.
    const audit = grown === null ? await auditLedger(db, { nowMs: systemClock.nowMs() }) : null;
    const rss = process.memoryUsage().rss / 2 ** 20;

    let ceiling: { rows_per_s: number; what: string } | null = null;
    if (db.dialect === 'sqlite') {
      log('in-process: ceiling (raw durable INSERT, one row per commit)');
      const raw = await openSqliteCeiling({ file: join(dir, 'ceiling.db'), rowsPerCommit: 1, accounts: 1000 });
      const meter = new Meter();
      const seconds = Math.min(3, options.seconds);
      await raw.run(seconds, meter);
      ceiling = { rows_per_s: round(meter.transfers / seconds, 0), what: raw.what };
      await raw.close();
    }
    const opsPerS = measured.approved / measured.elapsed;
    return {
      name: `in_process_${db.dialect}${grown !== null ? '_grown' : ''}`,
      data: grown !== null ? 'grown' : 'fresh',
      path: 'CardNetwork.authorize → CardlaneIssuer decision → ledger hold (pending transfer), durable',
      database: db.dialect,
      clients: options.clients,
      cards: options.cards,
      ops_per_s: round(opsPerS, 0),
      ...summarize(measured.latencies),
      response_codes: measured.codes,
      open_loop: steps,
      max_rate_kept_within_p99_5ms: maxRateWithin(steps, 5),
      rss_mb: round(rss, 0),
      sqlite_commits: stats,
      ceiling,
      ratio: ceiling ? round(opsPerS / ceiling.rows_per_s, 2) : null,
      audit_ok: audit?.ok ?? null,
    };
  } finally {
    await db.close();
    await copy?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The highest offered rate that was kept up with at a p99 within `p99Ms`; null if none was. */
export function maxRateWithin(steps: readonly OpenLoopResult[], p99Ms: number): number | null {
  const good = steps.filter((step) => keptUp(step) && step.p99_ms <= p99Ms).map((step) => step.offered_per_s);
  return good.length > 0 ? Math.max(...good) : null;
}
