import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CEILING_COLUMNS } from './ceiling-row.ts';
import { accountId } from './workload.ts';

export const PGBENCH = '/usr/bin/pgbench';

export interface PgbenchResult {
  readonly ops_per_s: number;
  readonly commits_per_s: number;
  readonly latenciesMs: number[];
  readonly seconds: number;
  readonly command: string;
}

/**
 * PostgreSQL's own load generator as a second ceiling: written in C, so it
 * shows what the server does when the client costs (almost) nothing — on a
 * 2-core machine the Node client competes with the server for CPU. Each
 * transaction is one INSERT of `rowsPerCommit` rows shaped like the Node
 * ceiling's (the id comes from gen_random_uuid() instead of a ULID).
 */
export async function runPgbench(options: {
  baseUrl: string;
  table: string;
  clients: number;
  rowsPerCommit: number;
  seconds: number;
}): Promise<PgbenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cardlane-pgbench-'));
  try {
    const script = join(dir, 'insert.sql');
    writeFileSync(script, insertScript(options.table, options.rowsPerCommit));
    const seconds = Math.max(1, Math.round(options.seconds));
    const args = [
      '-n', // no VACUUM of pgbench's own tables (we have none)
      '-M', 'prepared',
      '-c', String(options.clients),
      '-j', String(Math.min(options.clients, 2)),
      '-T', String(seconds),
      '-f', script,
      '-l', '--log-prefix', join(dir, 'log'),
      options.baseUrl,
    ];
    const output = await run(PGBENCH, args);
    const processed = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1]);
    if (!Number.isFinite(processed) || !Number.isFinite(tps)) throw new Error(`could not read pgbench output:\n${output}`);
    return {
      commits_per_s: tps,
      ops_per_s: tps * options.rowsPerCommit,
      latenciesMs: readLatencies(dir),
      seconds,
      command: `pgbench ${args.slice(0, 10).join(' ')} -f <INSERT of ${options.rowsPerCommit} row(s)>`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pgbenchAvailable(): boolean {
  return existsSync(PGBENCH);
}

function insertScript(table: string, rows: number): string {
  const values = [
    'gen_random_uuid()::text',
    `'${accountId(1)}'`,
    `'${accountId(2)}'`,
    '500', '500', 'NULL', '1', `'USD'`, '1', '0', '0', 'NULL', `'{}'`,
    '(extract(epoch from clock_timestamp()) * 1000)::bigint', 'NULL', 'NULL', 'NULL',
  ];
  return `INSERT INTO ${table} (${CEILING_COLUMNS.join(', ')}) SELECT ${values.join(', ')} FROM generate_series(1, ${rows});\n`;
}

/** Per-transaction log lines: `client tx_no latency_us script_no epoch_s epoch_us`. */
function readLatencies(dir: string): number[] {
  const latencies: number[] = [];
  for (const name of readdirSync(dir).filter((n) => n.startsWith('log'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const us = Number(line.split(' ')[2]);
      if (line && Number.isFinite(us)) latencies.push(us / 1000);
    }
  }
  return latencies;
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`))));
  });
}
