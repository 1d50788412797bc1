import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProgram } from '../../src/cli/program.ts';
import { cardlaneUrl, DEFAULT_URL } from '../../src/cli/server-url.ts';
import { writeDemoCredentialsSection } from '../../src/platform/demo-credentials-file.ts';

// `cardlane billing --help` says where the commands go without --url: what cardlaneUrl does, not only the default port.
test('billing --help says --url falls back to CARDLANE_URL, then the server `cardlane up` recorded, then the default', async () => {
  const io = { stdout: { write: () => undefined }, stderr: { write: () => undefined } };
  const billing = createProgram(io).commands.find((command) => command.name() === 'billing')!;
  const help = billing.helpInformation().replace(/\s+/g, ' ');
  assert.match(help, /--url <url> where Cardlane runs \(default: env CARDLANE_URL, else the address the last `cardlane up` on the data directory recorded, else http:\/\/127\.0\.0\.1:4400\)/);
  assert.doesNotMatch(help, /default http:\/\/127\.0\.0\.1:4400;/, 'the old help claimed the fixed address');

  // What the help says is what happens: the recorded address wins over the default.
  const saved = process.env.CARDLANE_URL;
  delete process.env.CARDLANE_URL;
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-url-help-'));
  try {
    assert.equal(cardlaneUrl(undefined, dataDir), DEFAULT_URL);
    writeDemoCredentialsSection(dataDir, 'server', { url: 'http://127.0.0.1:4610/' });
    assert.equal(cardlaneUrl(undefined, dataDir), 'http://127.0.0.1:4610');
    process.env.CARDLANE_URL = 'http://127.0.0.1:4999';
    assert.equal(cardlaneUrl(undefined, dataDir), 'http://127.0.0.1:4999');
  } finally {
    if (saved === undefined) delete process.env.CARDLANE_URL;
    else process.env.CARDLANE_URL = saved;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
