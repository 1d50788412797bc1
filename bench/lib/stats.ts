/** Rounds for the report: enough digits to compare runs, not more. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Nearest-rank percentile (p in 0..100) of an ascending array; NaN when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface LatencySummary {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    p50_ms: round(percentile(sorted, 50), 3),
    p99_ms: round(percentile(sorted, 99), 3),
    max_ms: round(sorted.length ? sorted[sorted.length - 1]! : Number.NaN, 3),
  };
}

/** Counts of what a run did; plain data so a worker process can send it back. */
export interface MeterData {
  commits: number;
  transfers: number;
  /** Pending transfers that were later posted (pair scenarios). */
  holds: number;
  /** Events the ledger refused: a benchmark expects none, so any is reported. */
  failed: number;
  failures: Record<string, number>;
  /** One per commit, in milliseconds. */
  latenciesMs: number[];
}

/** Records one sample per commit: its latency and how many transfers it carried. */
export class Meter implements MeterData {
  commits = 0;
  transfers = 0;
  holds = 0;
  failed = 0;
  failures: Record<string, number> = {};
  latenciesMs: number[] = [];

  /** Times `commit` (one database transaction) and counts its `ok` outcomes as transfers. */
  async timed<T extends { result: string }>(commit: () => Promise<T[]>): Promise<T[]> {
    const started = performance.now();
    const outcomes = await commit();
    this.latenciesMs.push(performance.now() - started);
    this.commits += 1;
    for (const outcome of outcomes) {
      if (outcome.result === 'ok') this.transfers += 1;
      else this.fail(outcome.result);
    }
    return outcomes;
  }

  /** Records a commit timed by the caller (raw ceilings). */
  record(latencyMs: number, rows: number): void {
    this.latenciesMs.push(latencyMs);
    this.commits += 1;
    this.transfers += rows;
  }

  fail(code: string): void {
    this.failed += 1;
    this.failures[code] = (this.failures[code] ?? 0) + 1;
  }

  merge(other: MeterData): void {
    this.commits += other.commits;
    this.transfers += other.transfers;
    this.holds += other.holds;
    this.failed += other.failed;
    for (const [code, count] of Object.entries(other.failures)) this.failures[code] = (this.failures[code] ?? 0) + count;
    for (const latency of other.latenciesMs) this.latenciesMs.push(latency);
  }

  data(): MeterData {
    return { commits: this.commits, transfers: this.transfers, holds: this.holds, failed: this.failed, failures: this.failures, latenciesMs: this.latenciesMs };
  }
}
