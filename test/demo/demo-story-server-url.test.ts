import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { startCardlane } from '../../src/app/start.ts';
import { runCli } from '../../src/cli/program.ts';
import { cardlaneUrl } from '../../src/cli/server-url.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// `cardlane up` running, then `cardlane demo story` on the same data
// directory: the story's own server (any free port, closed when the story
// ends) must not take over the address every other command finds `up` by.

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-story-url-'));
const location = newTestLocation();

after(async () => {
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

function captured(): { io: { stdout: Writable; stderr: Writable }; stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  return { io: { stdout: sink((text) => (out += text)), stderr: sink((text) => (err += text)) }, stdout: () => out, stderr: () => err };
}

test('cardlane demo story leaves the CLI pointed at the running cardlane up', { timeout: 180_000 }, async () => {
  for (const name of ['CARDLANE_URL', 'CARDLANE_DATA_DIR', 'CARDLANE_DATABASE', 'DATABASE_URL']) delete process.env[name];
  // As `cardlane up` starts it (no background tasks: both servers share this process; see runtime.test.ts).
  const up = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, recordServerUrl: true, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  try {
    assert.equal(cardlaneUrl(undefined, dataDir), up.url, 'up recorded where it listens');

    const story = captured();
    const code = await runCli(['node', 'cardlane', 'demo', 'story', '--data-dir', dataDir, '--database', location.url, '--log-level', 'silent', '--json'], story.io);
    assert.equal(code, 0, `stdout:\n${story.stdout()}\nstderr:\n${story.stderr()}`);
    assert.equal((JSON.parse(story.stdout().trim().split('\n').at(-1)!) as { ok: boolean }).ok, true);

    assert.equal(cardlaneUrl(undefined, dataDir), up.url, 'the story’s closed port is not where the CLI looks');
    const credentials = captured();
    assert.equal(await runCli(['node', 'cardlane', 'demo', 'credentials', '--data-dir', dataDir, '--json'], credentials.io), 0, credentials.stderr());
    assert.equal((JSON.parse(credentials.stdout()) as { url: string }).url, up.url);
    const healthz = await fetch(`${cardlaneUrl(undefined, dataDir)}/healthz`);
    assert.equal(healthz.status, 200);
  } finally {
    await up.close();
  }
});
