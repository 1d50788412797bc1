// A separate OS process that writes an endless stream of transfers (plain,
// hold, capture of that hold) and prints "ack <id>" only after each commit
// returned. The crash test kills it with SIGKILL mid-stream.
import { systemClock } from '../../../src/platform/clock.ts';
import { openDatabase } from '../../../src/platform/db/open.ts';
import { Ledger } from '../../../src/ledger/ledger.ts';

const [location] = process.argv.slice(2);
const db = openDatabase(location!);
const ledger = new Ledger(systemClock);

for (let n = 0; ; n++) {
  const kind = n % 3;
  const input =
    kind === 0
      ? { id: `crash_${n}`, debit_account_id: 'crash_card', credit_account_id: 'crash_shop', amount: 1, code: 1 }
      : kind === 1
        ? { id: `crash_${n}`, debit_account_id: 'crash_card', credit_account_id: 'crash_shop', amount: 3, code: 1, flags: ['pending' as const] }
        : { id: `crash_${n}`, pending_id: `crash_${n - 1}`, amount: 2, code: 1, flags: ['post_pending_transfer' as const] };
  const outcome = await ledger.createTransfer(db, input);
  if (outcome.result !== 'ok') throw new Error(`${input.id}: ${outcome.result}`);
  process.stdout.write(`ack ${input.id}\n`);
}
