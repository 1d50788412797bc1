import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { newTestLocation, testDatabaseKind } from './databases.ts';

export type TestLocation = ReturnType<typeof newTestLocation>;

/** The real executable, as users run it. */
export const CARDLANE_BIN = fileURLToPath(new URL('../../bin/cardlane.js', import.meta.url));

/**
 * The environment for a child `cardlane`: the test's own, minus anything
 * that would change what the child does (its own config variables, and the
 * marker node:test sets for its subprocesses).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('CARDLANE_') || key === 'DATABASE_URL' || key === 'NODE_TEST_CONTEXT' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export interface Spawned {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `predicate`; rejects after `boundMs` or if the process exits first. */
  waitForLine(predicate: (line: string) => boolean, boundMs: number): Promise<string>;
  /** Resolves with the exit code and signal; rejects after `boundMs` (and kills the process). */
  waitForExit(boundMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `input`, when given, is the command's standard input (then closed); without it, standard input is empty. */
export function spawnCardlane(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Spawned {
  const child = spawn(process.execPath, [CARDLANE_BIN, ...args], {
    cwd: options.cwd,
    env: options.env ?? childEnv(),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForLine(predicate, boundMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((candidate) => predicate(candidate));
          if (line === undefined) return false;
          cleanup();
          resolve(line);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching line within ${boundMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, boundMs);
        const onExit = () => {
          if (check()) return;
          cleanup();
          reject(new Error(`cardlane exited before printing the line\nstdout:\n${out}\nstderr:\n${err}`));
        };
        const onData = () => void check();
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          child.off('exit', onExit);
        };
        child.stdout!.on('data', onData);
        child.on('exit', onExit);
        check();
      });
    },
    async waitForExit(boundMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`cardlane did not exit within ${boundMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, boundMs);
      });
      try {
        const [code, signal] = await Promise.race([exited, timeout]);
        return { code, signal };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

// Bounds, not expectations: a loaded CI machine may be slow, but a hang must fail.
export const START_BOUND_MS = 60_000;
export const CALL_BOUND_MS = 30_000;
export const EXIT_BOUND_MS = 30_000;

/**
 * A working directory and a database location for one e2e file, both
 * removed (the PostgreSQL schema dropped) when the file's tests are done.
 */
export function e2eWorkspace(name: string): { readonly workDir: string; readonly location: TestLocation } {
  const workDir = mkdtempSync(join(tmpdir(), `cardlane-${name}-`));
  const location = newTestLocation();
  after(async () => {
    if (testDatabaseKind() === 'postgres') {
      const db = openDatabase(location.url);
      if (db instanceof PostgresDatabase) await db.dropSchema();
      await db.close();
    }
    location.remove();
    rmSync(workDir, { recursive: true, force: true });
  });
  return { workDir, location };
}
