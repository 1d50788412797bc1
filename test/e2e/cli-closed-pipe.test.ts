import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CARDLANE_BIN, childEnv, EXIT_BOUND_MS } from '../support/cli.ts';

// `cardlane … | head -3`: the reader closes the pipe before the CLI is done
// writing. Like any Unix tool the CLI then stops quietly — no stack trace.

const workDir = mkdtempSync(join(tmpdir(), 'cardlane-closed-pipe-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

// What `cardlane up` writes down for the demo merchant: enough for `demo credentials` to print its table.
writeFileSync(
  join(workDir, 'demo-credentials.json'),
  JSON.stringify({ acquirer: { merchant_id: 'acct_demo', merchant_name: 'Demo shop', secret_key: 'sk_test_demo', publishable_key: 'pk_test_demo', url: 'http://127.0.0.1:4400/v1' } }),
);

/** Runs the real executable with its standard output's reader gone before it writes a line. */
async function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [CARDLANE_BIN, ...args], { cwd: workDir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.destroy(); // the reader exits at once, as `head -0` would
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_BOUND_MS);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stderr };
}

for (const args of [
  ['demo', 'credentials', '--data-dir', '.'],
  ['demo', 'credentials', '--data-dir', '.', '--json'],
  ['--help'],
]) {
  test(`cardlane ${args.join(' ')} into a closed pipe ends quietly`, async () => {
    const { code, signal, stderr } = await withClosedStdout(args);
    assert.equal(stderr, '', 'nothing on standard error, least of all a stack trace');
    assert.equal(signal, null);
    assert.equal(code, 0);
  });
}
