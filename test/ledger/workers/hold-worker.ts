// A separate OS process that places holds on one card as fast as it can with
// several connections, then prints how many were accepted. Used by the
// concurrency test: two of these race for the same balance.
import { systemClock } from '../../../src/platform/clock.ts';
import { openDatabase } from '../../../src/platform/db/open.ts';
import { Ledger } from '../../../src/ledger/ledger.ts';

const [location, tag, attemptsText, clientsText] = process.argv.slice(2);
const attempts = Number(attemptsText);
const clients = Number(clientsText);
const db = openDatabase(location!, { poolSize: clients });
const ledger = new Ledger(systemClock);
const counts: Record<string, number> = {};
let next = 0;

async function client(): Promise<void> {
  while (next < attempts) {
    const n = next++;
    const outcome = await ledger.createTransfer(db, {
      id: `${tag}_${n}`,
      debit_account_id: 'race_card',
      credit_account_id: 'race_shop',
      amount: 100,
      code: 2,
      flags: ['pending'],
    });
    counts[outcome.result] = (counts[outcome.result] ?? 0) + 1;
  }
}

await Promise.all(Array.from({ length: clients }, client));
await db.close();
process.stdout.write(`${JSON.stringify(counts)}\n`);
