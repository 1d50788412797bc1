/**
 * `npm run bench:grow -- --database <sqlite-file|postgres-url> --transfers 1000000 --cards 100000 --payment-intents 100000`
 *
 * Fills a database the way the program fills it, through its own modules,
 * so that the benchmarks can measure a grown database against a fresh one
 * (`bench:payments --grown`, `bench:auth --grown`):
 *
 * - cards: KYC-approved cardholders (five cards each, the program's limit),
 *   each card opened by `openCard` — opening fee, sealed PAN, fingerprint,
 *   PAR, its ledger account;
 * - ledger transfers: loads, authorization holds, their posts and refunds,
 *   booked by the ledger in batches (journal, history chains, entries);
 * - payment intents with their charges on the demo merchant (grow-payments.ts).
 *
 * The database is prepared by a real start (migrations, secrets sealed under
 * the benchmarks' master key, the demo merchant), its journal is sealed and
 * its open-account entries rolled up at the end, and the ledger audit runs
 * on the result. Progress on standard error; a JSON summary on standard output.
 * Flags: --parallel N (transactions at once; default 1 on SQLite, 3 on
 * PostgreSQL), --seed N, --skip-audit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCardlane } from '../src/app/start.ts';
import { loadDeploymentSecrets, openSecretStore } from '../src/app/secrets.ts';
import { auditLedger } from '../src/ledger/audit.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import { paymentAccountReferences } from '../src/network/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { growCards } from './lib/grow-cards.ts';
import { growPaymentIntents } from './lib/grow-payments.ts';
import { Progress } from './lib/grow-progress.ts';
import { growTransfers } from './lib/grow-transfers.ts';
import { BENCH_MASTER_KEY, isPostgresUrl } from './lib/grown-database.ts';
import { describeMachine } from './lib/machine.ts';

const log = (line: string) => process.stderr.write(`[bench:grow ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    transfers: { type: 'string', default: '1000000' },
    cards: { type: 'string', default: '100000' },
    'payment-intents': { type: 'string', default: '100000' },
    parallel: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'skip-audit': { type: 'boolean', default: false },
  },
});
if (!values.database) {
  process.stderr.write('usage: npm run bench:grow -- --database <sqlite-file|postgres-url> [--transfers N] [--cards N] [--payment-intents N] [--parallel N]\n');
  process.exit(2);
}
const postgres = isPostgresUrl(values.database);
const database = postgres ? values.database : resolve(values.database);
const counts = { transfers: count('transfers'), cards: count('cards'), payment_intents: count('payment-intents') };
if (counts.cards < 1) throw new Error('--cards must be at least 1 (transfers are booked on cards)');
const parallel = Number(values.parallel ?? (postgres ? 3 : 1));
const random = mulberry32(Number(values.seed));
// Cardholders' phones must not repeat across generations into one database.
const runTag = String(Math.floor(Math.random() * 100)).padStart(2, '0');

const dataDir = mkdtempSync(join(os.tmpdir(), 'cardlane-grow-'));
const startedAt = performance.now();
const cardlane = await startCardlane({
  flags: { dataDir, port: 0, database },
  env: { CARDLANE_MASTER_KEY: BENCH_MASTER_KEY },
  cwd: dataDir,
  tasks: () => [],
  logDestination: { write: () => true } as never,
});
try {
  const { db } = cardlane;
  const secrets = await loadDeploymentSecrets(openSecretStore(db, cardlane.config, systemClock), cardlane.config, cardlane.logger);
  const ledger = new Ledger(systemClock);
  const phases: Record<string, unknown> = {};
  // The roll-up runs as it does in a running Cardlane (every 200 ms): without it the open
  // accounts' unapplied entries pile up and every balance read of them sums a growing tail.
  const rollUp = repeatEvery(200, () => cardlane.runTask('ledger.roll-up-entries'));

  log(`cards: opening ${counts.cards.toLocaleString('en')} (${parallel} at a time)`);
  const cardsProgress = new Progress('cards', counts.cards, log);
  const cards = await growCards(
    { db, ledger, clock: systemClock, keyring: secrets.issuer.keyring, paymentAccountReference: paymentAccountReferences(secrets.parKey), count: counts.cards, parallel, runTag },
    cardsProgress,
  );
  phases.cards = { count: cards.length, ...cardsProgress.finish() };

  log(`transfers: booking ${counts.transfers.toLocaleString('en')}`);
  const transfersProgress = new Progress('transfers', counts.transfers, log);
  const transfers = await growTransfers({ db, ledger, cards, count: counts.transfers, parallel, runTag, random }, transfersProgress);
  phases.transfers = { count: transfers, ...transfersProgress.finish() };

  log(`payment intents: ${counts.payment_intents.toLocaleString('en')}`);
  const intentsProgress = new Progress('payment intents', counts.payment_intents, log);
  const intents = await growPaymentIntents(
    { db, clock: systemClock, url: cardlane.url, secretKey: cardlane.demoMerchant.secret_key, count: counts.payment_intents, parallel, random },
    intentsProgress,
  );
  phases.payment_intents = { count: intents, ...intentsProgress.finish() };

  // What the background tasks would do next, done now: a benchmark on the copy must not start with a backlog.
  await rollUp.stop();
  const settleStarted = performance.now();
  for (const task of ['ledger.roll-up-entries', 'ledger.seal-journal']) {
    log(`running ${task}`);
    await cardlane.runTask(task);
  }
  if (postgres) await db.run('ANALYZE');
  else await db.run('PRAGMA optimize');
  phases.settle = { seconds: seconds(settleStarted) };

  let audit: { ok: boolean; seconds: number } | null = null;
  if (!values['skip-audit']) {
    log('auditing the ledger');
    const auditStarted = performance.now();
    const report = await auditLedger(db, { nowMs: systemClock.nowMs() });
    audit = { ok: report.ok, seconds: seconds(auditStarted) };
    if (!report.ok) log(`AUDIT FAILED: ${JSON.stringify(report).slice(0, 2_000)}`);
  }
  const rows = await tableRows(db);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'cardlane grow',
        database: postgres ? 'postgres' : 'sqlite',
        target: postgres ? redact(database) : database,
        asked: counts,
        parallel,
        seconds: seconds(startedAt),
        phases,
        rows,
        audit,
        machine: { ...describeMachine(postgres ? os.tmpdir() : join(database, '..')), loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      },
      null,
      2,
    )}\n`,
  );
  if (audit && !audit.ok) process.exitCode = 1;
} finally {
  await cardlane.close();
  rmSync(dataDir, { recursive: true, force: true });
}

function count(name: 'transfers' | 'cards' | 'payment-intents'): number {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, not ${values[name]}`);
  return value;
}

/** Runs `task` again `ms` after each run ends, until stopped (then waits for a run in progress). */
function repeatEvery(ms: number, task: () => Promise<void>): { stop: () => Promise<void> } {
  let running = true;
  const done = (async () => {
    while (running) {
      await task();
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

async function tableRows(db: import('../src/platform/db/database.ts').Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['ledger_transfers', 'ledger_accounts', 'ledger_account_entries', 'ledger_journal', 'issuer_cards', 'issuer_cardholders', 'acquirer_payment_intents', 'acquirer_charges']) {
    out[table] = Number((await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);
  }
  return out;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** A small seeded generator: the same seed books the same cycles on the same cards. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
