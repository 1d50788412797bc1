import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU use during a measurement, as shares of the whole machine (all cores).
 * On a 2-core machine the client (Node), the database server and the kernel
 * share the same cores — and on a shared machine other people's work may
 * too. `other_pct` is what was busy that was neither our client nor
 * PostgreSQL: when it is high, the run competed with something else.
 */
export interface CpuUse {
  /** Busy share of all cores, 0–100 (null where /proc is missing, as are the next two). */
  readonly machine_busy_pct: number | null;
  /** The benchmark's client process(es): for SQLite this includes the database work. */
  readonly client_pct: number;
  /** All `postgres` server processes. */
  readonly postgres_pct: number | null;
  /** Everything else: kernel threads, other processes on the machine. */
  readonly other_pct: number | null;
}

/** Clock ticks per second in /proc (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface Snapshot {
  readonly machine: { busy: number; total: number } | null;
  readonly postgres: Map<number, number>;
  readonly process: NodeJS.CpuUsage;
  readonly atMs: number;
}

/** Adds up CPU over several timed slices of the same measurement. */
export class CpuMeter {
  #machineBusyTicks = 0;
  #machineTotalTicks = 0;
  #postgresTicks = 0;
  #clientUs = 0;
  #start: Snapshot | null = null;
  #haveProc = true;

  start(): void {
    this.#start = snapshot();
  }

  /** Ends a slice; `childCpuUs` is CPU used meanwhile by worker processes working for us. */
  stop(childCpuUs = 0): void {
    const start = this.#start;
    if (!start) throw new Error('CpuMeter.stop() without start()');
    const end = snapshot();
    const used = process.cpuUsage(start.process);
    this.#clientUs += used.user + used.system + childCpuUs;
    if (start.machine && end.machine) {
      this.#machineBusyTicks += end.machine.busy - start.machine.busy;
      this.#machineTotalTicks += end.machine.total - start.machine.total;
      // Server processes that started during the slice count from zero.
      for (const [pid, ticks] of end.postgres) this.#postgresTicks += ticks - (start.postgres.get(pid) ?? 0);
    } else {
      this.#haveProc = false;
    }
    this.#start = null;
  }

  use(): CpuUse {
    const total = this.#machineTotalTicks;
    if (!this.#haveProc || total <= 0) {
      return { machine_busy_pct: null, client_pct: 0, postgres_pct: null, other_pct: null };
    }
    const pct = (ticks: number) => Math.round((100 * ticks) / total);
    const clientTicks = (this.#clientUs / 1e6) * TICKS_PER_SECOND;
    return {
      machine_busy_pct: pct(this.#machineBusyTicks),
      client_pct: pct(clientTicks),
      postgres_pct: pct(this.#postgresTicks),
      other_pct: Math.max(0, pct(this.#machineBusyTicks - clientTicks - this.#postgresTicks)),
    };
  }
}

function snapshot(): Snapshot {
  return { machine: readProcStat(), postgres: postgresTicks(), process: process.cpuUsage(), atMs: performance.now() };
}

/** The first `cpu` line of /proc/stat: busy = total − idle − iowait (all cores). */
function readProcStat(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** user + system ticks of every process named `postgres`, by pid (empty when the server is elsewhere). */
function postgresTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return ticks;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      // Fields after "(comm) ": state is [0], utime [11], stime [12].
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(pid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return ticks;
}
