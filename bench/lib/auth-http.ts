import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { round, summarize } from './stats.ts';

interface Target {
  readonly url: string;
  readonly key: string;
  readonly body: string;
}

/**
 * Payment intents created and confirmed over HTTP (one request each, with an
 * Idempotency-Key as the official SDK sends), against the same request to a
 * bare Fastify route — the most this machine's Node.js and HTTP stack can
 * answer. Both servers run in a child process; this process only generates load.
 */
export async function benchHttp(options: { dataDir: string; seconds: number; clients: number }, log: (line: string) => void) {
  const dir = mkdtempSync(join(options.dataDir, 'cardlane-bench-http-'));
  try {
    const measure = async (mode: 'bare' | 'cardlane') => {
      const { child, target } = await startChild(mode, dir);
      try {
        log(`http (${mode}): warm-up`);
        await load(target, Math.min(2, options.seconds / 3), options.clients);
        log(`http (${mode}): measuring ${options.seconds}s with ${options.clients} connections`);
        return await load(target, options.seconds, options.clients);
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    };
    const bare = await measure('bare');
    const cardlane = await measure('cardlane');
    return {
      name: 'http_payment_intent_confirm_sqlite',
      path: 'POST /v1/payment_intents confirm=true (auth key, form parsing, idempotency key, risk rules, network → test bank authorization and clearing, ledger, events) on SQLite',
      clients: options.clients,
      ops_per_s: cardlane.ops_per_s,
      p50_ms: cardlane.p50_ms,
      p99_ms: cardlane.p99_ms,
      errors: cardlane.errors,
      ceiling: { what: 'bare Fastify POST route parsing the same form body, same connections', ops_per_s: bare.ops_per_s, p50_ms: bare.p50_ms, p99_ms: bare.p99_ms },
      ratio: round(cardlane.ops_per_s / bare.ops_per_s, 3),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startChild(mode: 'bare' | 'cardlane', dir: string): Promise<{ child: ChildProcess; target: Target }> {
  const script = new URL('./auth-http-child.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode, join(dir, mode)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the ${mode} server exited with ${code} before it was ready`)));
  });
  return { child, target: JSON.parse(first) as Target };
}

async function load(target: Target, seconds: number, clients: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const { hostname, port } = new URL(target.url);
  const headers = { authorization: `Bearer ${target.key}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(target.body) };
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const status = await post(agent, hostname, Number(port), { ...headers, 'idempotency-key': randomUUID() }, target.body);
        latencies.push(performance.now() - t);
        if (status === 200) ok += 1;
        else errors += 1;
      }
    }),
  );
  agent.destroy();
  const elapsed = (performance.now() - started) / 1000;
  return { ops_per_s: round(ok / elapsed, 0), errors, ...summarize(latencies) };
}

function post(agent: http.Agent, hostname: string, port: number, headers: Record<string, string | number>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, method: 'POST', path: '/v1/payment_intents', headers, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}
