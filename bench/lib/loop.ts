import { CpuMeter, type CpuUse } from './cpu.ts';
import { Meter } from './stats.ts';

/**
 * Something to measure: the ledger under some load, or a ceiling. `run` keeps
 * it busy for `seconds` and records every commit on the meter; it can be
 * called many times (warm-up, then measured slices).
 */
export interface Workload {
  /** Returns the CPU time (µs) that worker processes spent, 0 when it ran in this process. */
  run(seconds: number, meter: Meter): Promise<number>;
  /** Resident memory of the client side, in MiB. */
  rssMb(): number;
  close(): Promise<void>;
}

export interface Measured {
  readonly meter: Meter;
  /** Wall time spent measuring (sum of the slices). */
  readonly seconds: number;
  readonly cpu: CpuUse;
  readonly rssMb: number;
}

/** One client's unit of work: one or more commits, each recorded on the meter. */
export type Step = (client: number, meter: Meter) => Promise<void>;

/**
 * A closed loop: `clients` concurrent loops, each starting its next step as
 * soon as the previous one committed — what a pool of request handlers does
 * under full load.
 */
export function closedLoop(clients: number, step: Step, close: () => Promise<void> = async () => {}): Workload {
  return {
    async run(seconds, meter) {
      const deadline = performance.now() + seconds * 1000;
      const loops = Array.from({ length: clients }, async (_, client) => {
        while (performance.now() < deadline) await step(client, meter);
      });
      await Promise.all(loops);
      return 0;
    },
    rssMb: () => process.memoryUsage().rss / 2 ** 20,
    close,
  };
}

/**
 * Measures a workload next to its ceiling in alternating slices (A, B, A, B…)
 * after warming both up. On a machine other work shares, throughput drifts by
 * several times within minutes; alternating makes the drift hit both sides
 * alike, so their ratio stays meaningful.
 */
export async function measureAlternating(
  subject: Workload,
  ceiling: Workload,
  options: { seconds: number; warmupSeconds: number; slices: number },
): Promise<{ subject: Measured; ceiling: Measured }> {
  await subject.run(options.warmupSeconds, new Meter());
  await ceiling.run(options.warmupSeconds, new Meter());
  const sides = [subject, ceiling].map((workload) => ({ workload, meter: new Meter(), cpu: new CpuMeter(), ms: 0 }));
  const sliceSeconds = options.seconds / options.slices;
  for (let slice = 0; slice < options.slices; slice++) {
    for (const side of sides) {
      side.cpu.start();
      const started = performance.now();
      const childCpuUs = await side.workload.run(sliceSeconds, side.meter);
      side.ms += performance.now() - started;
      side.cpu.stop(childCpuUs);
    }
  }
  const [a, b] = sides.map((side) => ({ meter: side.meter, seconds: side.ms / 1000, cpu: side.cpu.use(), rssMb: side.workload.rssMb() }));
  return { subject: a!, ceiling: b! };
}
