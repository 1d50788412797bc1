import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresDatabase } from '../src/platform/db/postgres.ts';
import { openDatabase } from '../src/platform/db/open.ts';
import { ALL_FAULT_KINDS, DEFAULT_FAULTS, Faults, faultRates, type FaultRates } from './faults.ts';
import { writeSimConfig } from './instance.ts';
import { continuousInvariants, settledInvariants, type Violation } from './invariants.ts';
import { Rng } from './rng.ts';
import { Unanswered, World } from './world.ts';
import { Workload } from './workload.ts';

export type SimDatabase = 'sqlite' | 'postgres';

export interface RunOptions {
  readonly seed: number;
  readonly steps: number;
  readonly db: SimDatabase;
  /** postgres:// URL of the server (a fresh schema is made per run); default CARDLANE_TEST_DATABASE or the local one. */
  readonly postgresUrl?: string;
  readonly faults?: FaultRates;
  /** The fault kinds as given on the command line (for the replay command); default all. */
  readonly faultKinds?: string;
  /** Invariants are checked every this many steps (and always at the end). */
  readonly checkEvery?: number;
  /** Keep the last trace lines for printing. */
  readonly keepTrace?: boolean;
}

export interface RunResult {
  readonly seed: number;
  readonly steps: number;
  readonly db: SimDatabase;
  readonly ok: boolean;
  /** The step after which the first violation was seen (0 = setup); null when none. */
  readonly failedAtStep: number | null;
  readonly violations: readonly Violation[];
  readonly traceHash: string;
  readonly trace: readonly string[];
  readonly requests: number;
  readonly restarts: number;
  readonly faults: { crashes: number; slowSteps: number; clockJumps: number };
  readonly elapsedMs: number;
  readonly replay: string;
}

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';

export function replayCommand(options: Pick<RunOptions, 'seed' | 'steps' | 'db' | 'faultKinds'>): string {
  const kinds = options.faultKinds && options.faultKinds !== ALL_FAULT_KINDS ? ` --faults ${options.faultKinds}` : '';
  return `npm run sim -- --seed ${options.seed} --steps ${options.steps} --db ${options.db}${kinds}`;
}

/** Runs one seed from a fresh database and data directory to its end (or its first broken invariant). */
export async function runSeed(options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), `cardlane-sim-${options.seed}-`));
  writeSimConfig(dataDir);
  let database: string;
  let schema: string | null = null;
  if (options.db === 'postgres') {
    const url = new URL(options.postgresUrl ?? process.env.CARDLANE_TEST_DATABASE ?? DEFAULT_PG);
    schema = `sim_${options.seed}_${process.pid}_${Date.now().toString(36)}`;
    url.searchParams.set('schema', schema);
    database = url.toString();
  } else {
    database = join(dataDir, 'cardlane.db');
  }

  const root = new Rng(options.seed);
  const world = new World(options.seed, database, dataDir, root.fork('retry'), options.keepTrace ?? false);
  const faults = new Faults(root.fork('faults'), options.faults ?? (options.faultKinds ? faultRates(options.faultKinds) : DEFAULT_FAULTS));
  const workload = new Workload(world, root.fork('workload'));
  const checkEvery = options.checkEvery ?? 1;
  let violations: Violation[] = [];
  let failedAtStep: number | null = null;
  let step = 0;
  try {
    await world.boot();
    await workload.prepare();
    for (step = 1; step <= options.steps; step++) {
      const { slow } = await faults.before(world);
      let operation = '';
      try {
        operation = await workload.step();
      } catch (error) {
        if (!(error instanceof Unanswered)) throw error;
        violations.push({ invariant: 'every request is answered within bounded time', detail: error.message });
      }
      await faults.after(world, slow);
      await world.advance(world.faults.int(100, 5_000));
      if (world.replayedUnknowns.length > 0) {
        violations.push(...world.replayedUnknowns.splice(0).map((detail) => ({ invariant: 'an unknown outcome is never replayed as the answer', detail, bug: 'F' })));
      }
      if (world.server500s.length > 0) {
        violations.push(...world.server500s.splice(0).map((detail) => ({ invariant: 'no 500 answers', detail })));
      }
      if (violations.length === 0 && (step % checkEvery === 0 || step === options.steps)) {
        violations = await continuousInvariants(world.instance.db.inner, world.clock.nowMs());
      }
      if (violations.length > 0) {
        world.note(`!! step ${step} (${operation}): ${violations[0]!.invariant}`);
        failedAtStep = step;
        break;
      }
    }
    if (failedAtStep === null) {
      // Faults stop; time passes (leases, time-outs, retries of the sweeps) and every sweep runs: now the parties must agree.
      world.instance.db.disarm();
      for (const waitMs of [60_000, 10 * 60_000, 3 * 3_600_000, 25 * 3_600_000]) {
        await world.advance(waitMs);
        await world.runDueTasks(true);
      }
      violations = [...(await continuousInvariants(world.instance.db.inner, world.clock.nowMs())), ...(await settledInvariants(world.instance.db.inner))];
      if (violations.length > 0) failedAtStep = options.steps;
    }
  } finally {
    const db = world.instance?.db;
    if (db) {
      db.crash(); // nothing of this run may write after the end
      await db.closeInner();
    }
    if (schema !== null) {
      const admin = openDatabase(database);
      if (admin instanceof PostgresDatabase) await admin.dropSchema().catch(() => undefined);
      await admin.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    seed: options.seed,
    steps: options.steps,
    db: options.db,
    ok: violations.length === 0,
    failedAtStep,
    violations,
    traceHash: world.traceHash(),
    trace: world.traceLines,
    requests: world.requests,
    restarts: world.restarts,
    faults: { crashes: faults.crashes, slowSteps: faults.slowSteps, clockJumps: faults.clockJumps },
    elapsedMs: Math.round(performance.now() - started),
    replay: replayCommand(options),
  };
}
