import { createHash } from 'node:crypto';
import { ManualClock } from '../src/platform/clock.ts';
import { IDEMPOTENCY_LEASE_MS } from '../src/acquirer/stripe/idempotency-keys.ts';
import { startInstance, type Instance } from './instance.ts';
import type { Rng } from './rng.ts';

/** A request as a client sends it; a retry sends exactly this again (same key, same body). */
export interface SimRequest {
  readonly label: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  /** `form` for the Stripe-compatible /v1, `json` elsewhere. */
  readonly body?: { readonly form: Record<string, string> } | { readonly json: unknown };
  readonly auth?: string;
  readonly idempotencyKey?: string;
}

export interface SimAnswer {
  readonly status: number;
  readonly body: any;
  /** The server answered from the idempotency key's saved response (`Idempotent-Replayed: true`). */
  readonly replayed: boolean;
}

/** A request the client could not get answered within its bounds: a violation of "every request is answered". */
export class Unanswered extends Error {}

// Bounds: a request is answered within this many tries (each after a restart or a wait), or it is a finding.
const MAX_TRIES = 12;
const IN_USE_WAIT_MS = 5_000;

/**
 * The world around the program: the virtual clock, the one running
 * process (an Instance, replaced after each crash), the client's retries,
 * and the background tasks stepped under the virtual clock. Every request
 * and answer goes into the trace, whose hash shows two runs were the same.
 */
export class World {
  readonly clock = new ManualClock(Date.UTC(2026, 0, 28, 9));
  instance!: Instance;
  restarts = 0;
  requests = 0;
  readonly #trace = createHash('sha256');
  readonly traceLines: string[] = [];
  readonly #lastRun = new Map<string, number>();
  readonly server500s: string[] = [];
  /** Answers replayed from a key although they said the outcome was not known yet (bug F): a retry must resume, not hear "retry" forever. */
  readonly replayedUnknowns: string[] = [];
  readonly unanswered: string[] = [];

  constructor(
    readonly seed: number,
    readonly database: string,
    readonly dataDir: string,
    readonly faults: Rng,
    readonly keepTrace: boolean,
  ) {}

  async boot(): Promise<void> {
    this.instance = await startInstance({
      database: this.database,
      dataDir: this.dataDir,
      clock: this.clock,
      randomSeed: this.seed * 1_000 + this.restarts,
    });
    this.#lastRun.clear();
    for (const task of this.instance.tasks) this.#lastRun.set(task.name, this.clock.nowMs());
  }

  note(line: string): void {
    this.#trace.update(line + '\n');
    if (this.keepTrace) this.traceLines.push(line);
    if (this.traceLines.length > 400) this.traceLines.shift();
  }

  traceHash(): string {
    return this.#trace.copy().digest('hex').slice(0, 16);
  }

  /** The process died: its memory is gone; the database is reopened from what was committed and the program started again. */
  async restart(): Promise<void> {
    const dead = this.instance;
    dead.db.crash();
    await dead.db.closeInner();
    this.restarts += 1;
    this.note(`-- restart ${this.restarts} at ${this.clock.nowMs()}`);
    await this.boot();
  }

  /**
   * Sends a request through the real HTTP layer and returns its answer. An
   * answer lost to a crash is asked for again after the restart, with the
   * same key and parameters (as Stripe tells clients); a key still leased
   * to the dead request is waited out on the virtual clock; the sweeps run
   * meanwhile, as they would in the world.
   */
  async send(request: SimRequest): Promise<SimAnswer> {
    for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
      if (this.instance.db.crashed) await this.afterCrash();
      const answer = await this.#once(request);
      if (answer === null) {
        this.note(`${request.label} #${attempt} -> (crash)`);
        await this.afterCrash();
        continue;
      }
      const code = answer.body?.error?.code as string | undefined;
    const why = code === 'payment_intent_unexpected_state' ? ` (${String(answer.body.error.message).slice(0, 90)})` : '';
      this.note(`${request.label} #${attempt} -> ${answer.status} ${code ?? summary(answer.body)}${why}`);
      if (answer.status >= 500) this.server500s.push(`${request.label}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
      if (answer.replayed && code === 'processing_error' && request.method === 'POST' && /\/(capture|cancel|increment_authorization)$/.test(request.url)) {
        this.replayedUnknowns.push(`${request.label}: ${request.url} replayed ${answer.status} ${code}`);
      }
      if (answer.status === 409 && code === 'idempotency_key_in_use') {
        await this.advance(IN_USE_WAIT_MS);
        continue;
      }
      // Stripe: a 500 (or a lost connection) is retried with the same key.
      if (answer.status >= 500 && attempt < 3) continue;
      return answer;
    }
    this.unanswered.push(request.label);
    throw new Unanswered(`${request.label}: no answer after ${MAX_TRIES} tries`);
  }

  /** After a crash: restart, then either retry at once or after the dead request's lease, the sweeps having run (chosen by the seed). */
  async afterCrash(): Promise<void> {
    await this.restart();
    const wait = this.faults.pick([0, 2_000, IDEMPOTENCY_LEASE_MS + 1_000, 2 * 60_000]);
    if (wait > 0) await this.advance(wait);
  }

  async #once(request: SimRequest): Promise<SimAnswer | null> {
    const instance = this.instance;
    this.requests += 1;
    const headers: Record<string, string> = {};
    if (request.auth) headers.authorization = `Bearer ${request.auth}`;
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
    let payload: string | undefined;
    if (request.body && 'form' in request.body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(request.body.form).toString();
    } else if (request.body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(request.body.json);
    }
    const injected = instance.http
      .inject({ method: request.method, url: request.url, headers, ...(payload !== undefined ? { payload } : {}) })
      .then((response) => ({ status: response.statusCode, body: parse(response.body), replayed: response.headers['idempotent-replayed'] === 'true' }));
    const result = await Promise.race([injected, instance.db.whenCrashed().then(() => null)]);
    await this.settle();
    if (instance.db.crashed) return null;
    return result;
  }

  /** Waits until the program has no statement in flight (late issuer answers, group commits), so the next step starts from rest. */
  async settle(quietMs = 0): Promise<void> {
    const db = this.instance.db;
    for (let i = 0; i < 2_000; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (db.crashed) return;
      if (db.inFlight === 0 && performance.now() - db.lastActivity >= quietMs) {
        await new Promise((resolve) => setImmediate(resolve));
        if (db.inFlight === 0) return;
      }
      if (quietMs > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Moves the virtual clock and runs each background task whose interval has passed (once: a task that fell far behind runs once, as a timer would). */
  async advance(ms: number): Promise<void> {
    this.clock.advanceMs(ms);
    await this.runDueTasks();
  }

  async runDueTasks(all = false): Promise<void> {
    for (const task of this.instance.tasks) {
      if (this.instance.db.crashed) await this.restart();
      const last = this.#lastRun.get(task.name) ?? 0;
      if (!all && this.clock.nowMs() - last < task.intervalMs) continue;
      this.#lastRun.set(task.name, this.clock.nowMs());
      const db = this.instance.db;
      const outcome = await Promise.race([
        task.run().then(
          () => 'ok',
          (error: Error) => `failed: ${error.message.slice(0, 80)}`,
        ),
        db.whenCrashed().then(() => 'crash'),
      ]);
      await this.settle();
      this.note(`task ${task.name} -> ${db.crashed ? 'crash' : outcome}`);
      if (db.crashed) await this.restart();
    }
  }
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The part of an answer the trace keeps: enough to see that two runs differ, little enough to read. */
function summary(body: any): string {
  if (body === null || typeof body !== 'object') return String(body).slice(0, 40);
  const parts = [body.id, body.status, body.amount_received ?? body.amount].filter((v) => v !== undefined);
  return parts.join(' ');
}
