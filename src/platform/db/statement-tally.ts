/**
 * Process-wide counts of the SQL this process sends, for the payment
 * benchmark (statements and transactions per payment intent) and for the
 * statement budget test, which fails when a change makes a payment cost more
 * round trips to the database. An increment per statement costs nothing
 * measurable; recording the text is off unless a test asks for it.
 *
 * A statement is one `all`/`get`/`run`/`execute` call — what the code asks
 * of the database, whether inside a transaction or on its own — not the
 * BEGIN/SAVEPOINT/COMMIT around it. A transaction is one attempt of
 * `db.transaction` (a retried one counts again: it did the work again).
 */
export interface StatementTally {
  statements: number;
  transactions: number;
  /** Physical COMMITs: on SQLite one commit group (one WAL fsync) carries many transactions; on PostgreSQL one each, and one for each write run on its own (autocommit). */
  commits: number;
  /** The statements' SQL in order, while `record` is switched on; null otherwise. */
  recorded: string[] | null;
  /** PostgreSQL's fused transactions (fused-transactions.ts): groups committed, the transactions they carried, groups rolled back to run alone. */
  fusedGroups: number;
  fusedMembers: number;
  fusionsAbandoned: number;
}

export const statementTally: StatementTally = { statements: 0, transactions: 0, commits: 0, recorded: null, fusedGroups: 0, fusedMembers: 0, fusionsAbandoned: 0 };

export function countStatement(sql: string): void {
  statementTally.statements += 1;
  statementTally.recorded?.push(sql);
}

export function countTransaction(): void {
  statementTally.transactions += 1;
}

export function countCommit(): void {
  statementTally.commits += 1;
}

/** A fused group committed, carrying `members` transactions; or (members 0) one was abandoned and its members run alone. */
export function countFusion(members: number): void {
  if (members === 0) statementTally.fusionsAbandoned += 1;
  else {
    statementTally.fusedGroups += 1;
    statementTally.fusedMembers += members;
  }
}

/** Counts (and records) what `fn` makes this process run. Background work running meanwhile counts too: run it where there is none. */
export async function tallyStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number; transactions: number; sql: string[] }> {
  const before = { statements: statementTally.statements, transactions: statementTally.transactions };
  const previous = statementTally.recorded;
  const sql: string[] = [];
  statementTally.recorded = sql;
  try {
    const result = await fn();
    return { result, statements: statementTally.statements - before.statements, transactions: statementTally.transactions - before.transactions, sql };
  } finally {
    statementTally.recorded = previous;
  }
}
