import { Worker } from 'node:worker_threads';

/**
 * Keeps a SQLite WAL short without stopping the event loop.
 *
 * Left to itself, SQLite checkpoints on the thread that commits: every
 * `wal_autocheckpoint` frames, one COMMIT also copies thousands of pages into
 * the database file and fsyncs it — 10–40 ms during which nothing else in the
 * process runs, which is what a p99 latency is made of. Here a worker thread
 * with its own connection does that copying (PASSIVE checkpoints, which run
 * beside the writer), shortly after commits, on the machine's other core.
 *
 * A WAL only starts over from its beginning when a write transaction begins
 * while every frame has been copied. Under steady writes that moment never
 * comes by itself, so once the WAL is long the writers are paused — an async
 * pause: requests queue, the event loop keeps running — while the worker
 * copies the few frames written since its last pass; the next transaction
 * then rewinds the WAL. The writer's own `wal_autocheckpoint` stays set as a
 * safety net (if this worker fails, or another process keeps the WAL busy).
 */

/** Small databases (tests, a quiet install) never need the thread: SQLite checkpoints them on close. */
const START_AFTER_COMMITS = 100;
/** A pass shortly after commits, not after each one: each pass ends with an fsync of the database file, which competes with the WAL's (50 ms measured best of 10, 50 and 200 for both single commits and open-loop authorizations). */
const PASS_INTERVAL_MS = 50;
/**
 * Rewind the WAL once it holds this many frames (64 MiB of 4 KiB pages).
 * Each rewind pauses writers for a few milliseconds (see #backgroundPass):
 * a long WAL makes that pause rare even under bulk writes.
 */
export const REWIND_AT_FRAMES = 16_384;
/** Before pausing writers for the rewind, catch up with the WAL until a pass copies at most this many frames… */
const PAUSE_WHEN_COPYING_AT_MOST_FRAMES = 64;
/** …or this many passes have tried. */
const MAX_CATCH_UP_PASSES = 4;

interface PassReport {
  readonly busy: boolean;
  readonly logFrames: number;
  readonly checkpointedFrames: number;
}

/**
 * Starts wal-checkpoint-worker, compiled or not, like this module. Shipped
 * Cardlane runs the compiled dist/ with plain node: the sibling .js is the
 * worker. Tests and benchmarks run src/ through tsx, and a worker thread does
 * not inherit tsx's loader (nor, on Node 20, does `--import tsx` in its
 * execArgv make it load a .ts entry): there the thread runs a one-line
 * bootstrap that registers tsx first, then imports the sibling .ts. tsx is
 * only looked up on that path, so dist/ needs no tsx installed. (The thread
 * gets no execArgv there: an inherited `--import tsx` would load tsx a second
 * time and delay the first checkpoint by a few hundred milliseconds.)
 */
function startCheckpointWorker(workerData: { filename: string }): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), { workerData });
  const tsxApi = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./wal-checkpoint-worker.ts', import.meta.url).href);
  // Dynamic imports only, so the code runs whether Node reads it as a CommonJS or an ES module.
  const bootstrap = `import(${tsxApi}).then(({ register }) => { register(); return import(${entry}); });`;
  return new Worker(bootstrap, { eval: true, execArgv: [], workerData });
}

type WorkerMessage =
  | ({ type: 'passed'; id: number; ms: number } & PassReport)
  | { type: 'failed'; id: number; message: string };

export class WalCheckpointer {
  #worker: Worker | null = null;
  #failure: string | null = null;
  #stopped = false;
  #commits = 0;
  #commitsSincePass = 0;
  /** The pass (and the rewind after it) that is running: one at a time. */
  #running: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastPassEndedAt = 0;
  #nextId = 0;
  readonly #waiting = new Map<number, (report: PassReport | null) => void>();
  #passes = 0;
  #rewinds = 0;

  constructor(
    private readonly filename: string,
    /** Runs `fn` with no write transaction open and none starting until it settles. */
    private readonly withWritersPaused: (fn: () => Promise<void>) => Promise<void>,
    /** The thread failed: the writer must checkpoint for itself again. */
    private readonly onGiveUp: (reason: string) => void,
  ) {}

  get stats(): { readonly passes: number; readonly rewinds: number; readonly failure: string | null } {
    return { passes: this.#passes, rewinds: this.#rewinds, failure: this.#failure };
  }

  /** Called after every physical COMMIT. */
  committed(): void {
    if (this.#stopped || this.#failure !== null) return;
    this.#commits += 1;
    this.#commitsSincePass += 1;
    if (this.#commits >= START_AFTER_COMMITS) this.#schedule();
  }

  #schedule(): void {
    if (this.#running !== null || this.#timer !== null) return;
    const wait = Math.max(0, this.#lastPassEndedAt + PASS_INTERVAL_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running = this.#backgroundPass().finally(() => {
        this.#running = null;
        this.#lastPassEndedAt = performance.now();
        if (this.#commitsSincePass > 0) this.#schedule();
      });
    }, wait);
    this.#timer.unref();
  }

  async #backgroundPass(): Promise<void> {
    if (this.#stopped || this.#commitsSincePass === 0) return;
    this.#commitsSincePass = 0;
    let report = await this.#pass();
    if (report === null || report.busy || report.logFrames < REWIND_AT_FRAMES) return;
    // Catch up with what was written during the pass, until little is left,
    // so that the pause below copies (and syncs) only a handful of pages.
    // (A pass copies what was in the WAL when it started: what it copied is
    // about what was written during the pass before it.)
    for (let round = 0; round < MAX_CATCH_UP_PASSES; round++) {
      const before = report.checkpointedFrames;
      report = await this.#pass();
      if (report === null || report.busy) return;
      if (report.checkpointedFrames - before <= PAUSE_WHEN_COPYING_AT_MOST_FRAMES) break;
    }
    await this.withWritersPaused(async () => {
      this.#commitsSincePass = 0;
      if ((await this.#pass()) !== null) this.#rewinds += 1;
    });
  }

  #pass(): Promise<PassReport | null> {
    const worker = this.#ensureWorker();
    if (worker === null) return Promise.resolve(null);
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      worker.postMessage({ type: 'pass', id });
    });
  }

  #ensureWorker(): Worker | null {
    if (this.#worker !== null || this.#failure !== null || this.#stopped) return this.#worker;
    const worker = startCheckpointWorker({ filename: this.filename });
    worker.unref();
    worker.on('message', (message: WorkerMessage) => {
      const resolve = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (message.type === 'failed') {
        this.#fail(message.message);
        resolve?.(null);
        return;
      }
      this.#passes += 1;
      resolve?.(message);
    });
    worker.on('error', (error) => this.#fail(error.message));
    worker.on('exit', () => {
      if (!this.#stopped) this.#fail('the checkpoint thread exited');
    });
    this.#worker = worker;
    return worker;
  }

  /** Gives up on the thread: the writer's own autocheckpoint carries on alone. */
  #fail(message: string): void {
    if (this.#failure === null) {
      this.#failure = message;
      // Once stopped, the database is closing: nobody is left to take checkpoints back.
      if (!this.#stopped) this.onGiveUp(message);
    }
    for (const resolve of this.#waiting.values()) resolve(null);
    this.#waiting.clear();
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null && !this.#stopped) void worker.terminate();
  }

  /**
   * Waits for a running pass, then ends the thread. Call it before closing
   * the database, without holding its writer lock (a rewind may need it).
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    // An unref'd thread does not keep the process alive: while we wait on it here, it must.
    this.#worker?.ref();
    await this.#running;
    const worker = this.#worker;
    this.#worker = null;
    if (worker === null) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ type: 'stop' });
    await exited;
  }
}
