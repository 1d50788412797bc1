/**
 * `npm run bench:payments`: the payment path as a user drives it. 16
 * concurrent customers, each with its own saved card 4242…, each request
 * `POST /v1/payment_intents` with customer, payment_method, confirm=true,
 * off_session=true, over HTTP from this process (keep-alive, an
 * Idempotency-Key each, as the SDK sends) against a server in a child
 * process. Measured for SQLite (one process), PostgreSQL (one process) and
 * PostgreSQL (two processes, 8 customers each), next to a bare Fastify
 * route parsing the same body (the ceiling), all in the same run.
 *
 * `--base <dir>` also measures the same workload on another checkout (a
 * `git worktree` of an older commit, with node_modules linked) in the same
 * run: the old design's numbers beside the new, so the ratio means something
 * on a shared machine.
 *
 * Prints one JSON document: per configuration payment intents/s, p50/p99,
 * errors, the server's CPU per payment intent, the SQL statements,
 * transactions and physical COMMITs the server ran per payment intent, and
 * on PostgreSQL the database server's own CPU per payment intent (when it
 * runs on this machine) and the share of sampled active backends that were
 * waiting on a lock.
 *
 * With PostgreSQL it also measures the database's floor for the payment's
 * shape of SQL (lib/postgres-floor-child.ts): the bare `pg` driver running
 * as many statements in as many COMMITs as a payment intent took in the row
 * above (its inserts queued, its reads awaited: fewer round trips than the
 * payment), with no application — the same statements in one
 * transaction, the most that sharing commits across requests could buy —
 * and the same statements and COMMITs each carrying half the customers'
 * payments at once, the floor of a path that batches across requests.
 *
 * `--grown <db>[,<db>]` also measures each configuration on a copy of a
 * grown database (`npm run bench:grow`: a SQLite file and/or a PostgreSQL
 * URL), right after the fresh one, and prints grown ÷ fresh: cost should
 * stay flat as data grows (issue 15: within 20%).
 *
 * `--quick`: a smoke run of a few seconds (SQLite, and PostgreSQL when one
 * is given), for CI: it fails when any payment fails.
 *
 * `--profile <dir>` also takes a V8 CPU profile of each server over the
 * measured window, writes it to the directory (open it in Chrome's DevTools)
 * and adds the top self-time modules and functions to the row.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { summarizeProfile, type CpuProfile } from './lib/cpu-profile.ts';
import { copySqliteDatabase, createPostgresDatabase, isPostgresUrl } from './lib/grown-database.ts';
import { cpuMs, localPostgresCpuMs } from './lib/postgres-cpu.ts';
import { round, summarize } from './lib/stats.ts';

interface Target {
  readonly url: string;
  readonly key: string;
  readonly bodies: string[];
}

interface Server {
  readonly child: ChildProcess;
  readonly target: Target;
  /** Sends a command to the server process (see payments-child.ts) and returns its answer. */
  readonly ask: (command: string) => Promise<unknown>;
}

const args = parseArgs(process.argv.slice(2));
const QUICK = args.quick === 'true';
const SECONDS = Number(args.seconds ?? (QUICK ? 1 : 8));
const CLIENTS = Number(args.clients ?? 16);
const POSTGRES = args.postgres ?? process.env.CARDLANE_BENCH_POSTGRES ?? process.env.CARDLANE_TEST_DATABASE ?? '';
const ONLY = (args.only ?? (QUICK ? 'sqlite,postgres' : 'sqlite,postgres,postgres2')).split(',');
/** Grown databases to measure beside fresh ones, by dialect (never written: each run works on a copy). */
const GROWN = { sqlite: null as string | null, postgres: null as string | null };
for (const db of (args.grown ?? '').split(',').filter(Boolean)) {
  if (isPostgresUrl(db)) GROWN.postgres = db;
  else GROWN.sqlite = resolve(db);
}
/** Old and new alternate, in turn first, so that a shared machine's load swings hit both alike. */
const ROUNDS = Number(args.rounds ?? 1);
const PROFILE_DIR = args.profile ? resolve(args.profile) : null;
if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
let profiles = 0;
const ROOTS: Array<{ design: string; root: string }> = [{ design: 'new', root: new URL('..', import.meta.url).pathname.replace(/\/$/, '') }];
if (args.base) ROOTS.push({ design: 'old', root: args.base });
const log = (line: string) => process.stderr.write(`${line}\n`);

const work = mkdtempSync(join(os.tmpdir(), 'cardlane-bench-payments-'));
const results: Record<string, unknown>[] = [];
try {
  const bare = await measureBare();
  for (let round_ = 0; round_ < ROUNDS; round_++) for (const kind of ONLY) {
    for (const { design, root } of round_ % 2 === 0 ? ROOTS : [...ROOTS].reverse()) {
      if (kind !== 'sqlite' && !/^postgres(ql)?:\/\//.test(POSTGRES)) {
        log(`skipping ${kind}: no PostgreSQL (--postgres or CARDLANE_BENCH_POSTGRES)`);
        continue;
      }
      const grown = kind === 'sqlite' ? GROWN.sqlite : GROWN.postgres;
      for (const data of grown === null ? ['fresh'] : ['fresh', 'grown']) {
        const from = data === 'grown' ? grown : null;
        const row = kind === 'sqlite' ? await measureSqlite(root, from) : await measurePostgres(root, kind === 'postgres2' ? 2 : 1, from);
        results.push({ round: round_, design, data, database: kind === 'sqlite' ? 'sqlite' : 'postgres', processes: kind === 'postgres2' ? 2 : 1, ...row, ratio_to_ceiling: round(Number(row.ops_per_s) / bare.ops_per_s, 3) });
      }
    }
  }
  // The database's own floor for the payment's shape of SQL, with no application (lib/postgres-floor-child.ts): as the
  // payment runs it, and the same statements in one transaction (what sharing commits across requests could buy at most).
  const floors: Record<string, unknown>[] = [];
  const paymentShape = results.find((r) => r.design === 'new' && r.data === 'fresh' && r.database === 'postgres' && r.processes === 1);
  if (paymentShape !== undefined) {
    const statements = Number(paymentShape.statements_per_payment);
    const commits = Number(paymentShape.commits_per_payment);
    // And the floor of a design that carries concurrent payments together: the same statements and COMMITs, each
    // statement for half the customers at once (two groups in flight), as a payment path batching across requests would.
    const batch = Math.max(2, Math.floor(CLIENTS / 2));
    const shapes = [['as the payment', commits, 1], ['in one transaction', 1, 1], [`as the payment, ${batch} payments a statement`, commits, batch]] as const;
    for (const [shape, transactions, payments] of shapes) {
      // A side measurement: its failure is reported in the JSON, never taken for the payments' own.
      const floor = await measurePostgresFloor(statements, transactions, payments).catch((error: unknown) => ({ error: String(error) }));
      floors.push({ shape, ...floor });
    }
  }
  if (QUICK) {
    const failed = results.filter((r) => Number(r.errors) > 0 || Number(r.ok) === 0);
    if (failed.length > 0) process.exitCode = 1;
  }
  // Over all rounds: new ÷ old for throughput, and for server CPU per payment.
  const ratios: Record<string, { ops_per_s: number; server_cpu_ms_per_payment: number }> = {};
  for (const kind of ONLY) {
    const pick = (design: string) => results.filter((r) => r.design === design && r.data === 'fresh' && `${r.database}${r.processes === 2 ? '2' : ''}` === kind);
    const total = (rows: Record<string, unknown>[], field: string) => rows.reduce((sum, r) => sum + Number(r[field] ?? 0), 0);
    const [fresh, old] = [pick('new'), pick('old')];
    if (fresh.length === 0 || old.length === 0) continue;
    ratios[kind] = {
      ops_per_s: round(total(fresh, 'ops_per_s') / total(old, 'ops_per_s'), 2),
      server_cpu_ms_per_payment: round(total(fresh, 'server_cpu_ms_per_payment') / total(old, 'server_cpu_ms_per_payment'), 2),
    };
  }
  // The same checkout on a grown database ÷ on a fresh one, in the same run: the cost of data.
  const grownOverFresh: Record<string, { ops_per_s: number; p99_ms: number; server_cpu_ms_per_payment: number }> = {};
  for (const kind of ONLY) {
    const pick = (data: string) => results.filter((r) => r.design === 'new' && r.data === data && `${r.database}${r.processes === 2 ? '2' : ''}` === kind);
    const total = (rows: Record<string, unknown>[], field: string) => rows.reduce((sum, r) => sum + Number(r[field] ?? 0), 0);
    const [fresh, grown] = [pick('fresh'), pick('grown')];
    if (fresh.length === 0 || grown.length === 0) continue;
    grownOverFresh[kind] = {
      ops_per_s: round(total(grown, 'ops_per_s') / total(fresh, 'ops_per_s'), 2),
      p99_ms: round(total(grown, 'p99_ms') / total(fresh, 'p99_ms'), 2),
      server_cpu_ms_per_payment: round(total(grown, 'server_cpu_ms_per_payment') / total(fresh, 'server_cpu_ms_per_payment'), 2),
    };
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        name: 'http_payment_intents_off_session',
        workload: `${CLIENTS} concurrent customers, each its own card 4242…, POST /v1/payment_intents customer+payment_method confirm=true off_session=true, keep-alive, an Idempotency-Key each; ${SECONDS}s after a warm-up`,
        machine: { cores: os.cpus().length, cpu_model: os.cpus()[0]?.model.trim(), node: process.version, loadavg_1m: round(os.loadavg()[0]!, 2) },
        ceiling: { what: 'bare Fastify POST route parsing the same form body, same connections', ...bare },
        results,
        ...(floors.length > 0
          ? {
              postgres_floor: {
                what: `bare pg driver, no application: the payment's statements (half inserts of a payment-sized row, queued; half reads by key, awaited) in its COMMITs, ${CLIENTS} concurrent callers; batched: each statement carries several payments (multi-row insert, read by = ANY), ${CLIENTS} payments in flight`,
                rows: floors,
              },
            }
          : {}),
        new_over_old: ratios,
        ...(GROWN.sqlite || GROWN.postgres ? { grown: { sqlite: GROWN.sqlite, postgres: GROWN.postgres ? '(given)' : null }, grown_over_fresh: grownOverFresh } : {}),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function measureBare() {
  const child = await start(['bare', '', '', ''], 'bare');
  try {
    await load([child.target], Math.min(2, SECONDS / 3), CLIENTS);
    const measured = await load([child.target], SECONDS, CLIENTS);
    return { ops_per_s: measured.ops_per_s, p50_ms: measured.p50_ms, p99_ms: measured.p99_ms };
  } finally {
    await stop(child.child);
  }
}

/** The floor (see lib/postgres-floor-child.ts) on a database of its own, with PostgreSQL's CPU per payment's worth of SQL. */
async function measurePostgresFloor(statements: number, transactions: number, batch: number) {
  const { url, drop } = await createPostgresDatabase(POSTGRES, null);
  try {
    log(`postgres floor: ${Math.round(statements)} statements in ${Math.round(transactions)} transaction(s), ${batch} payment(s) a statement, ${SECONDS}s`);
    const script = new URL('./lib/postgres-floor-child.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', script, url, String(CLIENTS), String(SECONDS + Math.min(2, SECONDS / 3)), String(statements), String(transactions), String(batch)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`postgres floor: exited with ${code}`);
    return JSON.parse(output) as Record<string, unknown>;
  } finally {
    await drop();
  }
}

/** `grown`: a grown SQLite file, measured on a copy (else a fresh database). */
async function measureSqlite(root: string, grown: string | null = null) {
  const dir = mkdtempSync(join(work, 'sqlite-'));
  if (grown) log(`copying the grown database ${grown}`);
  const database = grown ? copySqliteDatabase(grown, dir) : 'sqlite';
  const server = await start(['cardlane', root, dir, database, String(CLIENTS)], `sqlite${grown ? ' (grown)' : ''} ${root}`);
  try {
    return await measured([server], null);
  } finally {
    await stop(server.child);
  }
}

/** `grown`: a grown PostgreSQL database, measured on a copy made from it as a template (else a fresh database). */
async function measurePostgres(root: string, processes: number, grown: string | null = null) {
  const dir = mkdtempSync(join(work, 'pg-'));
  if (grown) log('copying the grown PostgreSQL database');
  const { url, drop } = await createPostgresDatabase(POSTGRES, grown);
  const servers: Server[] = [];
  try {
    servers.push(await start(['cardlane', root, dir, url, String(CLIENTS)], `postgres ${root}`));
    for (let i = 1; i < processes; i++) servers.push(await start(['cardlane', root, dir, url, '0'], `postgres ${root} #${i + 1}`));
    const bodies = servers[0]!.target.bodies;
    const targets = servers.map((s) => ({ ...s.target, key: servers[0]!.target.key, bodies }));
    return await measured(servers, { url, targets });
  } finally {
    for (const server of servers) await stop(server.child);
    await drop();
  }
}

async function measured(servers: Server[], postgres: { url: string; targets: Target[] } | null) {
  const targets = postgres?.targets ?? servers.map((s) => s.target);
  log(`  warm-up`);
  await load(targets, Math.min(2, SECONDS / 3), CLIENTS);
  const tallyBefore = await tally(servers);
  if (PROFILE_DIR) for (const server of servers) await server.ask('profile-start');
  const cpuBefore = servers.map((s) => cpuMs(s.child.pid!));
  const postgresCpuBefore = postgres ? localPostgresCpuMs() : null;
  const sampler = postgres ? sampleLocks(postgres.url) : null;
  log(`  measuring ${SECONDS}s with ${CLIENTS} customers`);
  const result = await load(targets, SECONDS, CLIENTS);
  const locks = sampler ? await sampler.stop() : null;
  const cpu = servers.reduce((sum, s, i) => sum + cpuMs(s.child.pid!) - cpuBefore[i]!, 0);
  const postgresCpu = postgresCpuBefore === null ? null : localPostgresCpuMs() - postgresCpuBefore;
  const profile = PROFILE_DIR ? await takeProfiles(servers) : null;
  const tallyAfter = await tally(servers);
  // Counted over every request answered in the window, failed ones included: a failure costs statements too.
  const requests = result.ok + result.errors;
  const perPayment = (field: keyof Tally) =>
    tallyBefore && tallyAfter && requests > 0 && tallyAfter[field] !== null && tallyBefore[field] !== null ? round((tallyAfter[field]! - tallyBefore[field]!) / requests, 2) : null;
  return {
    ...result,
    server_cpu_ms_per_payment: result.ok > 0 ? round(cpu / result.ok, 3) : null,
    // The other half of a payment's cost on PostgreSQL: the server's own processes (backends, WAL writer…), when it runs on this machine.
    ...(postgresCpu !== null && result.ok > 0 ? { postgres_cpu_ms_per_payment: round(postgresCpu / result.ok, 3) } : {}),
    statements_per_payment: perPayment('statements'),
    transactions_per_payment: perPayment('transactions'),
    // Physical COMMITs (SQLite: WAL fsyncs, each carrying a commit group; an older checkout may not count them).
    commits_per_payment: perPayment('commits'),
    // PostgreSQL's fused transactions (platform/db/fused-transactions.ts): transactions carried in a group, groups, groups run again alone.
    fused_transactions_per_payment: perPayment('fusedMembers'),
    fused_groups_per_payment: perPayment('fusedGroups'),
    abandoned_groups_per_payment: perPayment('fusionsAbandoned'),
    ...(locks ? { postgres_lock_wait_share: locks } : {}),
    ...(profile ? { profile } : {}),
  };
}

/** Statements and transactions run so far by all the servers; null when one does not count them (an older checkout). */
/** Counts a server keeps (statement-tally.ts); null where an older checkout does not count one. */
type Tally = Record<'statements' | 'transactions' | 'commits' | 'fusedMembers' | 'fusedGroups' | 'fusionsAbandoned', number | null>;

async function tally(servers: Server[]): Promise<Tally | null> {
  const sum: Tally = { statements: 0, transactions: 0, commits: 0, fusedMembers: 0, fusedGroups: 0, fusionsAbandoned: 0 };
  for (const server of servers) {
    const counts = (await server.ask('tally')) as Partial<Tally> | null;
    if (counts === null) return null;
    for (const field of Object.keys(sum) as (keyof Tally)[]) {
      const value = counts[field];
      sum[field] = sum[field] === null || value === null || value === undefined ? null : sum[field]! + value;
    }
  }
  return sum;
}

/** Stops the servers' profilers; summarizes the first server's profile (the files keep all of them). */
async function takeProfiles(servers: Server[]) {
  const files: string[] = [];
  for (const server of servers) {
    const file = join(PROFILE_DIR!, `payments-${process.pid}-${++profiles}.cpuprofile`);
    await server.ask(`profile-stop ${file}`);
    files.push(file);
  }
  return { files, ...summarizeProfile(JSON.parse(readFileSync(files[0]!, 'utf8')) as CpuProfile) };
}

/** CPU time of a process (user + system) from /proc, in ms. */

/** Samples pg_stat_activity for the bench's database: of the active backends, the share waiting on a lock. */
function sampleLocks(url: string) {
  const client = new pg.Client({ connectionString: url });
  const database = new URL(url).pathname.slice(1);
  let active = 0;
  let waiting = 0;
  let samples = 0;
  let running = true;
  const done = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query(
        `SELECT count(*) FILTER (WHERE state = 'active')::int AS active,
                count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock')::int AS waiting
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      active += rows[0].active;
      waiting += rows[0].waiting;
      samples += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { samples, active_backends_avg: round(active / Math.max(1, samples), 2), waiting_on_lock: active === 0 ? 0 : round(waiting / active, 3) };
    },
  };
}

async function start(childArgs: string[], label: string): Promise<Server> {
  log(`${label}: starting`);
  const script = new URL('./lib/payments-child.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...childArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${label}: the server closed its output`);
    return value as string;
  };
  const first = await Promise.race([
    nextLine(),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${label}: the server exited with ${code} before it was ready`)))),
  ]);
  const ask = async (command: string) => {
    child.stdin!.write(`${command}\n`);
    return JSON.parse(await nextLine()) as unknown;
  };
  return { child, target: JSON.parse(first) as Target, ask };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.stdin?.end();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Closed loop: each customer sends its next payment when the last one answered. Customer i goes to server i mod n. */
async function load(targets: Target[], seconds: number, clients: number) {
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: clients }));
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const statuses: Record<string, number> = {};
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const target = targets[i % targets.length]!;
      const agent = agents[i % targets.length]!;
      const body = target.bodies[i % target.bodies.length]!;
      const { hostname, port } = new URL(target.url);
      const headers = { authorization: `Bearer ${target.key}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) };
      while (performance.now() < deadline) {
        const t = performance.now();
        const status = await post(agent, hostname, Number(port), { ...headers, 'idempotency-key': randomUUID() }, body);
        latencies.push(performance.now() - t);
        if (status === 200) ok += 1;
        else {
          errors += 1;
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  for (const agent of agents) agent.destroy();
  const stats = summarize(latencies);
  return { ops_per_s: round(ok / elapsedS, 1), p50_ms: stats.p50_ms, p99_ms: stats.p99_ms, ok, errors, ...(errors > 0 ? { error_statuses: statuses } : {}) };
}

function post(agent: http.Agent, hostname: string, port: number, headers: Record<string, string | number>, body: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request({ agent, hostname, port, path: '/v1/payment_intents', method: 'POST', headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    // A flag without a value (the next word is another flag, or none) is a switch: `--quick`.
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) out[arg.slice(2)] = 'true';
    else {
      out[arg.slice(2)] = value;
      i++;
    }
  }
  return out;
}
