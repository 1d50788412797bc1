import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { TransferInput, TransferOutcome } from '../../src/ledger/types.ts';
import { ledgerFixture, type LedgerFixture } from '../support/ledger-fixture.ts';

/**
 * Random sequences of ledger operations, checked after every step against a
 * deliberately simple in-memory model, then each account's history (paged)
 * and the full audit. The model is
 * written from the rules, not from the implementation: balances are plain
 * numbers, holds are a list, a linked batch is "copy the state, undo on failure".
 */

type AccountName = 'bank' | 'wallet' | 'card' | 'capped';
const ACCOUNTS: AccountName[] = ['bank', 'wallet', 'card', 'capped'];

interface ModelAccount {
  limit: 'none' | 'debits' | 'credits';
  dp: number;
  dpo: number;
  cp: number;
  cpo: number;
}
interface ModelHold {
  id: string;
  debit: AccountName;
  credit: AccountName;
  amount: number;
  expiresAt: number | null;
  status: 'pending' | 'posted' | 'voided';
}
interface Model {
  accounts: Record<AccountName, ModelAccount>;
  holds: ModelHold[];
  transfers: Map<string, string>; // id → the request, for idempotent retries
  history: Record<AccountName, string[]>; // each account's accepted transfers, oldest first
}

function newModel(): Model {
  const account = (limit: ModelAccount['limit']): ModelAccount => ({ limit, dp: 0, dpo: 0, cp: 0, cpo: 0 });
  return {
    accounts: { bank: account('none'), wallet: account('debits'), card: account('debits'), capped: account('credits') },
    holds: [],
    transfers: new Map(),
    history: { bank: [], wallet: [], card: [], capped: [] },
  };
}

function clone(model: Model): Model {
  return {
    accounts: structuredClone(model.accounts),
    holds: model.holds.map((h) => ({ ...h })),
    transfers: new Map(model.transfers),
    history: structuredClone(model.history),
  };
}

/** Pending amounts still holding funds at `now`. */
function live(model: Model, name: AccountName, now: number): { dp: number; cp: number } {
  let dp = 0;
  let cp = 0;
  for (const h of model.holds) {
    if (h.status !== 'pending' || (h.expiresAt !== null && h.expiresAt <= now)) continue;
    if (h.debit === name) dp += h.amount;
    if (h.credit === name) cp += h.amount;
  }
  return { dp, cp };
}

type Op =
  | { kind: 'move'; debit: AccountName; credit: AccountName; amount: number; hold: boolean; timeout: number; balancing: boolean }
  | { kind: 'post'; hold: number; amount: number | null }
  | { kind: 'void'; hold: number }
  | { kind: 'retry'; index: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'sweep' }
  | { kind: 'rollup' }
  | { kind: 'linked'; moves: Array<{ debit: AccountName; credit: AccountName; amount: number }> };

const account = fc.constantFrom(...ACCOUNTS);
const pair = fc.tuple(account, account).filter(([a, b]) => a !== b);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('move' as const), debit: pair.map((p) => p[0]), credit: fc.constant('bank' as AccountName), amount: fc.integer({ min: 1, max: 3000 }), hold: fc.boolean(), timeout: fc.constantFrom(0, 50, 500), balancing: fc.boolean() }).chain((op) => pair.map(([debit, credit]) => ({ ...op, debit, credit }))) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('post' as const), hold: fc.nat(20), amount: fc.option(fc.integer({ min: 1, max: 3500 }), { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('void' as const), hold: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retry' as const), index: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  // Open accounts ('bank') change through entries that the roll-up folds into their rows (entries.ts): balances read must not move.
  { weight: 1, arbitrary: fc.constant({ kind: 'rollup' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('linked' as const), moves: fc.array(pair.chain(([debit, credit]) => fc.integer({ min: 1, max: 4000 }).map((amount) => ({ debit, credit, amount }))), { minLength: 2, maxLength: 4 }) }) },
);

describe('ledger against a model (fast-check)', () => {
  let f: LedgerFixture;
  let run = 0;
  before(async () => {
    f = await ledgerFixture();
  });
  after(async () => {
    await f.cleanup();
  });

  test('random operation sequences agree with the model after every step, and the audit passes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        run += 1;
        const p = `m${run}_`;
        const id = (name: AccountName) => `${p}${name}`;
        await f.ledger.createAccounts(f.db, [
          { id: id('bank'), ledger: 1, currency: 'USD', code: 1 },
          { id: id('wallet'), ledger: 1, currency: 'USD', code: 2, flags: ['debits_must_not_exceed_credits'] },
          { id: id('card'), ledger: 1, currency: 'USD', code: 3, flags: ['debits_must_not_exceed_credits'] },
          { id: id('capped'), ledger: 1, currency: 'USD', code: 4, flags: ['credits_must_not_exceed_debits'] },
        ]);
        let model = newModel();
        const requests: TransferInput[] = [];
        let counter = 0;
        const nextId = () => `${p}t${++counter}`;

        // Expected outcome of one request on the model (mutating it when ok).
        const expectMove = (m: Model, input: TransferInput, debit: AccountName, credit: AccountName, now: number): string => {
          const d = m.accounts[debit];
          const c = m.accounts[credit];
          let amount = input.amount!;
          const balancing = input.flags?.includes('balancing_debit');
          if (balancing) amount = Math.min(amount, Math.max(0, d.cpo - d.dpo - live(m, debit, now).dp));
          if (d.limit === 'debits' && live(m, debit, now).dp + d.dpo + amount > d.cpo) return 'exceeds_credits';
          if (c.limit === 'credits' && live(m, credit, now).cp + c.cpo + amount > c.dpo) return 'exceeds_debits';
          const hold = input.flags?.includes('pending');
          if (hold) {
            d.dp += amount;
            c.cp += amount;
            m.holds.push({ id: input.id, debit, credit, amount, expiresAt: input.timeout_ms ? now + input.timeout_ms : null, status: 'pending' });
          } else {
            d.dpo += amount;
            c.cpo += amount;
          }
          m.transfers.set(input.id, JSON.stringify(input));
          m.history[debit].push(input.id);
          m.history[credit].push(input.id);
          return 'ok';
        };

        const check = async (label: string, outcomes: TransferOutcome[], expected: string[]) => {
          assert.deepEqual(outcomes.map((o) => o.result), expected, label);
          const now = f.clock.nowMs();
          const balances = await f.ledger.getBalances(f.db, ACCOUNTS.map(id));
          for (const [i, name] of ACCOUNTS.entries()) {
            const a = model.accounts[name];
            const l = live(model, name, now);
            const b = balances[i]!;
            assert.deepEqual(
              { dpo: b.debits_posted, cpo: b.credits_posted, dp: b.debits_pending, cp: b.credits_pending },
              { dpo: a.dpo, cpo: a.cpo, dp: l.dp, cp: l.cp },
              `${label}: balances of ${name}`,
            );
          }
        };

        // Seed money: the bank funds the wallet and the card; the capped account owes.
        const seed: TransferInput[] = [
          { id: nextId(), debit_account_id: id('bank'), credit_account_id: id('wallet'), amount: 5000, code: 1 },
          { id: nextId(), debit_account_id: id('bank'), credit_account_id: id('card'), amount: 3000, code: 1 },
          { id: nextId(), debit_account_id: id('capped'), credit_account_id: id('bank'), amount: 2000, code: 1 },
        ];
        const seeded = await f.ledger.createTransfers(f.db, seed);
        const seedExpected = seed.map((input) => {
          const debit = ACCOUNTS.find((n) => id(n) === input.debit_account_id)!;
          const credit = ACCOUNTS.find((n) => id(n) === input.credit_account_id)!;
          return expectMove(model, input, debit, credit, f.clock.nowMs());
        });
        requests.push(...seed);
        await check('seed', seeded, seedExpected);

        for (const [step, op] of ops.entries()) {
          const now = f.clock.nowMs();
          const label = `step ${step} ${JSON.stringify(op)}`;
          if (op.kind === 'advance') {
            f.clock.advanceMs(op.ms);
            await check(label, [], []);
          } else if (op.kind === 'sweep') {
            await f.ledger.expireDue(f.db);
            await check(label, [], []);
          } else if (op.kind === 'rollup') {
            await f.ledger.rollUpEntries(f.db);
            await check(label, [], []);
          } else if (op.kind === 'move') {
            const flags: TransferInput['flags'] = [...(op.hold ? (['pending'] as const) : []), ...(op.balancing ? (['balancing_debit'] as const) : [])];
            const input: TransferInput = {
              id: nextId(),
              debit_account_id: id(op.debit),
              credit_account_id: id(op.credit),
              amount: op.amount,
              code: 1,
              flags,
              ...(op.hold && op.timeout ? { timeout_ms: op.timeout } : {}),
            };
            requests.push(input);
            const expected = expectMove(model, input, op.debit, op.credit, now);
            await check(label, await f.ledger.createTransfers(f.db, [input]), [expected]);
          } else if (op.kind === 'post' || op.kind === 'void') {
            const hold = model.holds[op.hold % Math.max(1, model.holds.length)];
            const pendingId = hold?.id ?? `${p}missing`;
            const amount = op.kind === 'post' ? op.amount : null;
            const input: TransferInput = {
              id: nextId(),
              pending_id: pendingId,
              code: 1,
              flags: [op.kind === 'post' ? 'post_pending_transfer' : 'void_pending_transfer'],
              ...(amount !== null ? { amount } : {}),
            };
            let expected: string;
            if (!hold) expected = 'pending_transfer_not_found';
            else if (op.kind === 'post' && amount !== null && amount > hold.amount) expected = 'exceeds_pending_transfer_amount';
            else if (hold.status === 'posted') expected = 'pending_transfer_already_posted';
            else if (hold.status === 'voided') expected = 'pending_transfer_already_voided';
            else if (hold.expiresAt !== null && hold.expiresAt <= now) expected = 'pending_transfer_expired';
            else {
              expected = 'ok';
              const posted = op.kind === 'post' ? (amount ?? hold.amount) : 0;
              const d = model.accounts[hold.debit];
              const c = model.accounts[hold.credit];
              d.dp -= hold.amount;
              c.cp -= hold.amount;
              d.dpo += posted;
              c.cpo += posted;
              hold.status = op.kind === 'post' ? 'posted' : 'voided';
              model.transfers.set(input.id, JSON.stringify(input));
              model.history[hold.debit].push(input.id);
              model.history[hold.credit].push(input.id);
            }
            requests.push(input);
            await check(label, await f.ledger.createTransfers(f.db, [input]), [expected]);
          } else if (op.kind === 'retry') {
            const input = requests[op.index % requests.length]!;
            // A linked member sent alone is a chain left open, whatever it did before.
            const expected = input.flags?.includes('linked')
              ? 'linked_event_chain_open'
              : model.transfers.has(input.id)
                ? 'exists'
                : undefined;
            const [outcome] = await f.ledger.createTransfers(f.db, [input]);
            // A request that failed before may succeed now (failures are not stored); only
            // an accepted one has a promise to keep: the same id answers `exists`, once.
            if (expected) await check(label, [outcome!], [expected]);
            else {
              if (outcome!.result === 'ok') {
                const debit = ACCOUNTS.find((n) => id(n) === input.debit_account_id);
                const credit = ACCOUNTS.find((n) => id(n) === input.credit_account_id);
                if (!debit || !credit || input.pending_id) {
                  // A post/void that failed before and now succeeds cannot happen: holds only move on.
                  assert.fail(`${label}: retried post/void ${input.id} succeeded late`);
                }
                const again = expectMove(model, input, debit, credit, now);
                assert.equal(again, 'ok', `${label}: retry succeeded but the model refuses it`);
              }
              await check(label, [outcome!], [outcome!.result]);
            }
          } else {
            const inputs: TransferInput[] = op.moves.map((move, i) => ({
              id: nextId(),
              debit_account_id: id(move.debit),
              credit_account_id: id(move.credit),
              amount: move.amount,
              code: 1,
              flags: i < op.moves.length - 1 ? ['linked'] : [],
            }));
            const trial = clone(model);
            const results = inputs.map((input, i) => expectMove(trial, input, op.moves[i]!.debit, op.moves[i]!.credit, now));
            const failedAt = results.findIndex((r) => r !== 'ok');
            let expected: string[];
            if (failedAt === -1) {
              model = trial;
              expected = results;
            } else {
              expected = inputs.map((_, i) => (i === failedAt ? results[failedAt]! : 'linked_event_failed'));
            }
            requests.push(...inputs);
            await check(label, await f.ledger.createTransfers(f.db, inputs), expected);
          }
        }
        // Each account's history, page by page through its cursors, is its accepted transfers, newest first.
        for (const name of ACCOUNTS) {
          const seen: string[] = [];
          let after: string | null = null;
          do {
            const page = await f.ledger.listAccountTransfers(f.db, id(name), { limit: 7, after });
            seen.push(...page.data.map((t) => t.id));
            after = page.next_cursor;
          } while (after !== null);
          assert.deepEqual(seen, [...model.history[name]].reverse(), `history of ${name}`);
        }
        await f.assertAudit();
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });
});
