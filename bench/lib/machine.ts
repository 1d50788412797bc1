import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import BetterSqlite3 from 'better-sqlite3';

/** What the numbers came from: results are only comparable with these next to them. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpu_model: string;
  readonly memory_gb: number;
  readonly node: string;
  readonly platform: string;
  readonly sqlite_version: string;
  /** File system (and device) under the SQLite files: tmpfs would make fsync free. */
  readonly data_dir: { path: string; fs: string | null; device: string | null };
  postgres_version?: string;
  postgres_settings?: Record<string, string>;
}

export function describeMachine(dataDir: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    sqlite_version: sqliteVersion(),
    data_dir: { path: dataDir, ...mountOf(dataDir) },
  };
}

function sqliteVersion(): string {
  const db = new BetterSqlite3(':memory:');
  try {
    return String(db.prepare('SELECT sqlite_version()').pluck().get());
  } finally {
    db.close();
  }
}

/** The longest mount point containing `path`, from /proc/mounts (Linux only). */
function mountOf(path: string): { fs: string | null; device: string | null } {
  try {
    const real = realpathSync(path);
    let best: { point: string; fs: string; device: string } | null = null;
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [device, point, fs] = line.split(' ');
      if (!device || !point || !fs) continue;
      const contains = real === point || real.startsWith(point.endsWith('/') ? point : `${point}/`);
      if (contains && (!best || point.length > best.point.length)) best = { point, fs, device };
    }
    return { fs: best?.fs ?? null, device: best?.device ?? null };
  } catch {
    return { fs: null, device: null };
  }
}

/** `pgbench --version`, or null when it is not installed. */
export function pgbenchVersion(path: string): string | null {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
