import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system) of a process, in ms, from /proc. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * CPU time of every `postgres` process on this machine (backends, WAL writer,
 * checkpointer), in ms: what the database server spends, beside the Node
 * process's own CPU. Zero when PostgreSQL runs elsewhere; anything else the
 * local server does meanwhile counts too. A backend counts only while it
 * lives: read it twice while the measured connections are open.
 */
export function localPostgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.includes(' (postgres) ')) total += cpuMs(Number(entry));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}
