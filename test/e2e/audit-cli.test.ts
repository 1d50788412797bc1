import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';
import { ROOT } from '../support/processes.ts';
import { newTestLocation } from '../support/databases.ts';

function cardlane(args: readonly string[]) {
  const result = spawnSync(process.execPath, ['bin/cardlane.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cardlane audit (CLI)', () => {
  let f: LedgerFixture;
  before(async () => {
    f = await ledgerFixture();
    await f.accounts([FUNDING('bank'), USD('card'), USD('shop', { flags: [] })]);
    await f.ledger.createTransfers(f.db, [
      { id: 'fund', debit_account_id: 'bank', credit_account_id: 'card', amount: 5000, code: 1 },
      { id: 'hold', debit_account_id: 'card', credit_account_id: 'shop', amount: 1000, code: 2, flags: ['pending'] },
    ]);
  });
  after(async () => {
    await f.cleanup();
  });

  test('passes on a healthy ledger (exit 0) and says so', () => {
    const run = cardlane(['audit', '--database', f.location]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /PASSED/);
    assert.match(run.stdout, /3 accounts, 2 transfers/);
    // When, as the person at the terminal reads it (a named zone), not the raw UTC timestamp.
    assert.match(run.stdout, /^Ledger audit of .* at \d{4}-\d\d-\d\d \d\d:\d\d \S+$/m);
  });

  test('fails on a corrupted ledger (exit 1) with a readable report, and --json for scripts', async () => {
    await f.db.transaction((tx) => tx.run("UPDATE ledger_accounts SET credits_posted = credits_posted + 250 WHERE id = 'card'"));
    const run = cardlane(['audit', '--database', f.location]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /FAILED/);
    assert.match(run.stdout, /✗ Σ debits = Σ credits/);
    assert.match(run.stdout, /account card: stored debits 0 posted\/1000 pending, credits 5250/);

    const json = cardlane(['audit', '--database', f.location, '--json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: Array<{ ok: boolean }> };
    assert.equal(report.ok, false);
    assert.ok(report.checks.some((c) => !c.ok));
  });

  test('refuses a database that is not a Cardlane ledger', () => {
    const empty = newTestLocation();
    try {
      const run = cardlane(['audit', '--database', empty.url]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /no Cardlane ledger/);
    } finally {
      empty.remove();
    }
  });
});
