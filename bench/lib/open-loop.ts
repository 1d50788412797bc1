import { round, summarize } from './stats.ts';

export interface OpenLoopResult {
  readonly offered_per_s: number;
  /** Requests that finished with an acceptable answer, per second of the schedule. */
  readonly achieved_per_s: number;
  readonly sent: number;
  /** Requests never sent because `maxInFlight` were outstanding: the system fell behind the schedule. */
  readonly shed: number;
  readonly failed: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
}

/**
 * An open-loop load: requests start on a fixed schedule, `ratePerS` a second,
 * whatever became of the earlier ones — as a card network keeps sending
 * authorizations whether or not the issuer keeps up. Each latency counts from
 * when its request was due, not from when it was sent, so a stall is charged
 * to every request it delayed (no "coordinated omission", as in wrk2). A
 * closed loop of N clients cannot measure "X per second with p99 ≤ Y": its
 * latency is N ÷ throughput by construction.
 */
export async function runAtRate<T>(
  options: { readonly ratePerS: number; readonly seconds: number; readonly maxInFlight: number },
  send: () => Promise<T>,
  acceptable: (answer: T) => boolean,
): Promise<OpenLoopResult> {
  const intervalMs = 1000 / options.ratePerS;
  const total = Math.max(1, Math.floor(options.ratePerS * options.seconds));
  const latencies: number[] = [];
  let next = 0;
  let inFlight = 0;
  let good = 0;
  let failed = 0;
  let shed = 0;
  const start = performance.now();
  await new Promise<void>((finished) => {
    const settle = (due: number, ok: boolean) => {
      latencies.push(performance.now() - due);
      if (ok) good += 1;
      else failed += 1;
      inFlight -= 1;
      if (next >= total && inFlight === 0) finished();
    };
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        const due = start + next * intervalMs;
        next += 1;
        if (inFlight >= options.maxInFlight) {
          shed += 1;
          continue;
        }
        inFlight += 1;
        send().then(
          (answer) => settle(due, acceptable(answer)),
          () => settle(due, false),
        );
      }
      if (next < total) setImmediate(tick);
      else if (inFlight === 0) finished();
    };
    tick();
  });
  const { p50_ms, p99_ms, max_ms } = summarize(latencies);
  return {
    offered_per_s: options.ratePerS,
    achieved_per_s: round(good / options.seconds, 0),
    sent: total - shed,
    shed,
    failed,
    p50_ms,
    p99_ms,
    max_ms,
  };
}

/** Whether a step kept up with its schedule: every request sent and answered acceptably, none shed. */
export function keptUp(step: OpenLoopResult): boolean {
  return step.shed === 0 && step.failed === 0 && step.achieved_per_s >= 0.99 * step.offered_per_s;
}
