import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';
import { collect, spawnTs } from '../support/processes.ts';

/**
 * Two OS processes, each with several connections, place holds of 100 on one
 * card that can afford exactly N of them. Whatever the interleaving, exactly
 * N succeed and the ledger stays balanced. On SQLite the two processes share
 * one file (writers queue on its lock); on PostgreSQL they share the server.
 */
const AFFORDABLE = 60;
const ATTEMPTS_PER_PROCESS = 50;
const CLIENTS_PER_PROCESS = 8;

describe('concurrent holds from two processes', () => {
  let f: LedgerFixture;
  before(async () => {
    f = await ledgerFixture();
  });
  after(async () => {
    await f.cleanup();
  });

  test(`a card that affords exactly ${AFFORDABLE} holds accepts exactly ${AFFORDABLE}`, async () => {
    await f.accounts([FUNDING('race_bank'), USD('race_card'), USD('race_shop', { flags: [] })]);
    const [funded] = await f.ledger.createTransfers(f.db, [
      { id: 'race_fund', debit_account_id: 'race_bank', credit_account_id: 'race_card', amount: AFFORDABLE * 100, code: 1 },
    ]);
    assert.equal(funded!.result, 'ok');

    const workers = ['p1', 'p2'].map((tag) =>
      collect(spawnTs('test/ledger/workers/hold-worker.ts', [f.location, tag, String(ATTEMPTS_PER_PROCESS), String(CLIENTS_PER_PROCESS)])),
    );
    const counts = (await Promise.all(workers)).map((out) => JSON.parse(out) as Record<string, number>);
    const total = (code: string) => counts.reduce((sum, c) => sum + (c[code] ?? 0), 0);
    assert.equal(total('ok'), AFFORDABLE, JSON.stringify(counts));
    assert.equal(total('exceeds_credits'), 2 * ATTEMPTS_PER_PROCESS - AFFORDABLE, JSON.stringify(counts));

    const card = await f.ledger.getBalance(f.db, 'race_card');
    assert.deepEqual([card!.debits_pending, card!.available], [AFFORDABLE * 100, 0]);
    await f.assertAudit();
  });
});
