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
 * errors, the server's CPU per payment intent, and on PostgreSQL the share of
 * sampled active backends that were waiting on a lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { round, summarize } from './lib/stats.ts';

interface Target {
  readonly url: string;
  readonly key: string;
  readonly bodies: string[];
}

const args = parseArgs(process.argv.slice(2));
const SECONDS = Number(args.seconds ?? 8);
const CLIENTS = Number(args.clients ?? 16);
const POSTGRES = args.postgres ?? process.env.CARDLANE_BENCH_POSTGRES ?? process.env.CARDLANE_TEST_DATABASE ?? '';
const ONLY = (args.only ?? 'sqlite,postgres,postgres2').split(',');
/** Old and new alternate, in turn first, so that a shared machine's load swings hit both alike. */
const ROUNDS = Number(args.rounds ?? 1);
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
      const row = kind === 'sqlite' ? await measureSqlite(root) : await measurePostgres(root, kind === 'postgres2' ? 2 : 1);
      results.push({ round: round_, design, database: kind === 'sqlite' ? 'sqlite' : 'postgres', processes: kind === 'postgres2' ? 2 : 1, ...row, ratio_to_ceiling: round(Number(row.ops_per_s) / bare.ops_per_s, 3) });
    }
  }
  // Over all rounds: new ÷ old for throughput, and for server CPU per payment.
  const ratios: Record<string, { ops_per_s: number; server_cpu_ms_per_payment: number }> = {};
  for (const kind of ONLY) {
    const pick = (design: string) => results.filter((r) => r.design === design && `${r.database}${r.processes === 2 ? '2' : ''}` === kind);
    const total = (rows: Record<string, unknown>[], field: string) => rows.reduce((sum, r) => sum + Number(r[field] ?? 0), 0);
    const [fresh, old] = [pick('new'), pick('old')];
    if (fresh.length === 0 || old.length === 0) continue;
    ratios[kind] = {
      ops_per_s: round(total(fresh, 'ops_per_s') / total(old, 'ops_per_s'), 2),
      server_cpu_ms_per_payment: round(total(fresh, 'server_cpu_ms_per_payment') / total(old, 'server_cpu_ms_per_payment'), 2),
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
        new_over_old: ratios,
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

async function measureSqlite(root: string) {
  const dir = mkdtempSync(join(work, 'sqlite-'));
  const server = await start(['cardlane', root, dir, 'sqlite', String(CLIENTS)], `sqlite ${root}`);
  try {
    return await measured([server], null);
  } finally {
    await stop(server.child);
  }
}

async function measurePostgres(root: string, processes: number) {
  const dir = mkdtempSync(join(work, 'pg-'));
  const { url, drop } = await createDatabase(POSTGRES);
  const servers: Array<{ child: ChildProcess; target: Target }> = [];
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

async function measured(servers: Array<{ child: ChildProcess; target: Target }>, postgres: { url: string; targets: Target[] } | null) {
  const targets = postgres?.targets ?? servers.map((s) => s.target);
  log(`  warm-up`);
  await load(targets, Math.min(2, SECONDS / 3), CLIENTS);
  const cpuBefore = servers.map((s) => cpuMs(s.child.pid!));
  const sampler = postgres ? sampleLocks(postgres.url) : null;
  log(`  measuring ${SECONDS}s with ${CLIENTS} customers`);
  const result = await load(targets, SECONDS, CLIENTS);
  const locks = sampler ? await sampler.stop() : null;
  const cpu = servers.reduce((sum, s, i) => sum + cpuMs(s.child.pid!) - cpuBefore[i]!, 0);
  return {
    ...result,
    server_cpu_ms_per_payment: result.ok > 0 ? round(cpu / result.ok, 3) : null,
    ...(locks ? { postgres_lock_wait_share: locks } : {}),
  };
}

/** CPU time of a process (user + system) from /proc, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

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

async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cardlane_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

async function start(childArgs: string[], label: string): Promise<{ child: ChildProcess; target: Target }> {
  log(`${label}: starting`);
  const script = new URL('./lib/payments-child.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...childArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${label}: the server exited with ${code} before it was ready`)));
  });
  return { child, target: JSON.parse(first) as Target };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
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
    if (arg.startsWith('--')) out[arg.slice(2)] = argv[i + 1] ?? '';
    if (arg.startsWith('--')) i++;
  }
  return out;
}
