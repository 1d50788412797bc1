import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tx } from '../../src/platform/db/database.ts';
import { auditLedger } from '../../src/ledger/audit.ts';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';

/**
 * The audit must catch each way the stored ledger can be wrong. Each case
 * builds a small healthy ledger, damages it with SQL behind the ledger's back
 * (as a bug or an intruder would), and expects the named check to fail.
 */
async function healthyLedger(): Promise<LedgerFixture> {
  const f = await ledgerFixture();
  await f.accounts([FUNDING('bank'), USD('card'), USD('shop', { flags: [] })]);
  const outcomes = await f.ledger.createTransfers(f.db, [
    { id: 'fund', debit_account_id: 'bank', credit_account_id: 'card', amount: 5000, code: 1 },
    { id: 'hold', debit_account_id: 'card', credit_account_id: 'shop', amount: 1200, code: 2, flags: ['pending'], timeout_ms: 60_000 },
    { id: 'hold2', debit_account_id: 'card', credit_account_id: 'shop', amount: 300, code: 2, flags: ['pending'] },
    { id: 'capture', pending_id: 'hold2', amount: 200, code: 2, flags: ['post_pending_transfer'] },
    { id: 'pay', debit_account_id: 'card', credit_account_id: 'shop', amount: 700, code: 2 },
  ]);
  assert.ok(outcomes.every((o) => o.result === 'ok'));
  return f;
}

const CASES: Array<{ name: string; damage: (tx: Tx) => Promise<unknown>; fails: RegExp[] }> = [
  {
    name: 'a transfer amount edited',
    damage: (tx) => tx.run("UPDATE ledger_transfers SET amount = 9999 WHERE id = 'pay'"),
    fails: [/sum of its transfers/, /journal/],
  },
  {
    name: 'a balance edited on one side only',
    damage: (tx) => tx.run("UPDATE ledger_accounts SET credits_posted = credits_posted + 100 WHERE id = 'card'"),
    fails: [/Σ debits = Σ credits/, /sum of its transfers/],
  },
  {
    name: 'money created consistently but outside the ledger (no journal entry)',
    damage: async (tx) => {
      await tx.run(
        `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, requested_amount, pending_id, ledger, currency, code, flags, timeout_ms, expires_at_ms, metadata, created_at_ms, pending_status, resolved_at_ms, resolved_by)
         VALUES ('forged', 'bank', 'card', 100000, 100000, NULL, 1, 'USD', 1, 0, 0, NULL, '{}', 0, NULL, NULL, NULL)`,
      );
      await tx.run("UPDATE ledger_accounts SET debits_posted = debits_posted + 100000 WHERE id = 'bank'");
      await tx.run("UPDATE ledger_accounts SET credits_posted = credits_posted + 100000 WHERE id = 'card'");
    },
    fails: [/journal/],
  },
  {
    name: "an account's history cut short",
    damage: (tx) => tx.run("UPDATE ledger_transfers SET debit_prev_id = NULL WHERE id = 'pay'"),
    fails: [/history chain/],
  },
  {
    name: "an account's history looped back on itself",
    damage: (tx) => tx.run("UPDATE ledger_transfers SET debit_prev_id = 'pay' WHERE id = 'pay'"),
    fails: [/history chain/],
  },
  {
    // 'shop' has no limit: an open account, whose history is its entries (entries.ts).
    name: "an open account's history entry deleted",
    damage: (tx) => tx.run("DELETE FROM ledger_account_entries WHERE account_id = 'shop' AND transfer_id = 'pay'"),
    fails: [/history chain/],
  },
  {
    name: "an open account's history naming a transfer twice",
    damage: (tx) =>
      tx.run(
        `INSERT INTO ledger_account_entries (account_id, transfer_id, kind, debits_pending, debits_posted, credits_pending, credits_posted, applied)
         VALUES ('shop', 'pay', 0, 0, 0, 0, 0, 1)`,
      ),
    fails: [/history chain/],
  },
  {
    name: 'an unapplied entry of an open account edited',
    damage: (tx) =>
      tx.run(
        `INSERT INTO ledger_account_entries (account_id, transfer_id, kind, debits_pending, debits_posted, credits_pending, credits_posted, applied)
         VALUES ('shop', 'pay', 1, 0, 0, 0, 100, 0)`,
      ),
    fails: [/sum of its transfers/],
  },
  {
    name: 'an entry on a limited account',
    damage: (tx) =>
      tx.run(
        `INSERT INTO ledger_account_entries (account_id, transfer_id, kind, debits_pending, debits_posted, credits_pending, credits_posted, applied)
         VALUES ('card', 'pay', 1, 0, 0, 0, 0, 0)`,
      ),
    fails: [/sum of its transfers/],
  },
  {
    name: 'a journal entry deleted',
    damage: (tx) => tx.run('DELETE FROM ledger_journal WHERE chain_seq = 2'),
    fails: [/journal/],
  },
  {
    name: 'a journal payload rewritten with a matching hash',
    damage: async (tx) => {
      const row = await tx.get<{ seq: number; payload: string }>('SELECT seq, payload FROM ledger_journal WHERE chain_seq = 2');
      const payload = row!.payload.replace('5000', '9000');
      const { createHash } = await import('node:crypto');
      const hash = createHash('sha256').update(payload).digest('hex');
      await tx.run('UPDATE ledger_journal SET payload = ?, payload_hash = ? WHERE seq = ?', [payload, hash, row!.seq]);
    },
    fails: [/journal/],
  },
  {
    name: 'a hold marked voided with nothing that voided it',
    damage: (tx) => tx.run("UPDATE ledger_transfers SET pending_status = 'voided' WHERE id = 'hold'"),
    fails: [/exactly one of pending/],
  },
  {
    name: 'a hold with no status at all',
    damage: (tx) => tx.run("UPDATE ledger_transfers SET pending_status = NULL WHERE id = 'hold'"),
    fails: [/exactly one of pending/],
  },
  {
    name: 'a card spending beyond its balance',
    damage: async (tx) => {
      await tx.run("UPDATE ledger_transfers SET amount = 50000, requested_amount = 50000 WHERE id = 'pay'");
      await tx.run("UPDATE ledger_accounts SET debits_posted = debits_posted + 49300 WHERE id = 'card'");
      await tx.run("UPDATE ledger_accounts SET credits_posted = credits_posted + 49300 WHERE id = 'shop'");
    },
    fails: [/beyond the limit/, /journal/],
  },
];

describe('audit', () => {
  test('a healthy ledger passes, with every check reported', async () => {
    const f = await healthyLedger();
    try {
      const report = await auditLedger(f.db, { nowMs: f.clock.nowMs() });
      assert.ok(report.ok);
      assert.equal(report.checks.length, 7);
      assert.deepEqual(report.stats, { accounts: 3, transfers: 5, journal_sealed: 2, journal_unsealed: 0 });
    } finally {
      await f.cleanup();
    }
  });

  for (const c of CASES) {
    test(`catches ${c.name}`, async () => {
      const f = await healthyLedger();
      try {
        await f.ledger.sealJournal(f.db);
        await f.db.transaction(c.damage);
        const report = await auditLedger(f.db, { nowMs: f.clock.nowMs() });
        assert.equal(report.ok, false);
        const failed = report.checks.filter((check) => !check.ok);
        for (const pattern of c.fails) {
          assert.ok(
            failed.some((check) => pattern.test(check.name)),
            `expected a failing check matching ${pattern}, got ${JSON.stringify(failed, null, 2)}`,
          );
        }
        assert.ok(failed.every((check) => check.failures.length > 0), 'every failed check says what it found');
      } finally {
        await f.cleanup();
      }
    });
  }
});
