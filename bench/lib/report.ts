import type { Measured } from './loop.ts';
import { round, summarize } from './stats.ts';

/** A throughput measured the same way as a scenario's, used as its denominator. */
export interface Ceiling {
  /** Rows per second: the comparable unit of a ledger's transfers per second. */
  readonly ops_per_s: number;
  readonly commits_per_s: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly rows_per_commit: number;
  readonly clients: number;
  readonly processes: number;
  readonly what: string;
  readonly cpu: Run['cpu'];
  /** PostgreSQL only: the same INSERT from pgbench (a C client), when run. */
  pgbench?: { ops_per_s: number; commits_per_s: number; p50_ms: number; p99_ms: number; what: string };
}

export interface Target {
  readonly metric: 'ops_per_s' | 'ratio';
  readonly min: number;
  readonly text: string;
}

export type Run = Measured;

export interface ScenarioSpec {
  readonly name: string;
  readonly database: 'sqlite' | 'postgres';
  readonly clients: number;
  readonly processes: number;
  readonly transfers_per_commit: number;
  readonly description: string;
  readonly target?: Target;
}

export type ScenarioResult = ReturnType<typeof scenarioResult>;

export function ceilingFromRun(run: Run, shape: { rows_per_commit: number; clients: number; processes: number; what: string }): Ceiling {
  const latency = summarize(run.meter.latenciesMs);
  return {
    ops_per_s: round(run.meter.transfers / run.seconds, 1),
    commits_per_s: round(run.meter.commits / run.seconds, 1),
    p50_ms: latency.p50_ms,
    p99_ms: latency.p99_ms,
    ...shape,
    cpu: run.cpu,
  };
}

export function scenarioResult(spec: ScenarioSpec, run: Run, ceiling: Ceiling) {
  const latency = summarize(run.meter.latenciesMs);
  const opsPerS = run.meter.transfers / run.seconds;
  const ratio = opsPerS / ceiling.ops_per_s;
  const holds = run.meter.holds > 0 ? { holds_per_s: round(run.meter.holds / run.seconds, 1) } : {};
  const measured = { ops_per_s: opsPerS, ratio };
  return {
    name: spec.name,
    database: spec.database,
    description: spec.description,
    clients: spec.clients,
    processes: spec.processes,
    transfers_per_commit: spec.transfers_per_commit,
    transfers: run.meter.transfers,
    commits: run.meter.commits,
    failed: run.meter.failed,
    ...(run.meter.failed > 0 ? { failures: run.meter.failures } : {}),
    seconds: round(run.seconds, 2),
    ops_per_s: round(opsPerS, 1),
    commits_per_s: round(run.meter.commits / run.seconds, 1),
    ...holds,
    p50_ms: latency.p50_ms,
    p99_ms: latency.p99_ms,
    max_ms: latency.max_ms,
    rss_mb: round(run.rssMb, 1),
    cpu: run.cpu,
    ceiling,
    ratio: round(ratio, 3),
    ratio_is: 'ops_per_s (ledger transfers/s) ÷ ceiling.ops_per_s (raw rows/s, same rows per commit, same clients), measured in alternating slices',
    ...(ceiling.pgbench ? { ratio_vs_pgbench: round(opsPerS / ceiling.pgbench.ops_per_s, 3) } : {}),
    ...(spec.target ? { target: spec.target, meets_target: measured[spec.target.metric] >= spec.target.min } : {}),
  };
}
