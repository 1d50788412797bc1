import { createHash } from 'node:crypto';
import type { Database, Sql, Tx } from '../platform/db/database.ts';
import { GENESIS_HASH } from './migrations.ts';

/**
 * The journal: every ledger write appends one entry, in the same transaction,
 * holding the rows it created. Entries are hash-chained so that changing,
 * removing or reordering one shows (Formance's hashed logs, Blnk's chain).
 *
 * Chaining happens in a separate, short step (the sealer) rather than inside
 * each write. Chaining inside the write would make every ledger transaction in
 * the system wait for the previous one's commit — one fsync at a time. The
 * sealer instead chains the committed entries it can see, in the order it
 * sees them: an entry whose transaction is still running is invisible to it
 * and is chained by a later run. Chain order is sealing order (`chain_seq`),
 * not insertion order (`seq`). The audit seals first, so only the entries of
 * transactions still in flight are outside the chain, and even those are
 * compared with the rows they describe.
 */

const SEAL_BATCH = 1_000;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function chainHash(previousHash: string, chainSeq: number, payloadHash: string): string {
  return sha256(`${previousHash}\n${chainSeq}\n${payloadHash}`);
}

/** The INSERT that appends one entry; the store runs it with the rest of a batch's writes. */
export function journalInsert(kind: string, payload: unknown, nowMs: number): { sql: string; params: unknown[] } {
  const text = JSON.stringify(payload);
  return {
    sql: 'INSERT INTO ledger_journal (kind, payload, payload_hash, created_at_ms) VALUES (?, ?, ?, ?)',
    params: [kind, text, sha256(text), nowMs],
  };
}

export async function appendJournal(tx: Tx, kind: string, payload: unknown, nowMs: number): Promise<void> {
  const { sql, params } = journalInsert(kind, payload, nowMs);
  await tx.run(sql, params);
}

/** Chains every finished, unsealed entry; returns how many it sealed. Safe to run from many processes. */
export async function sealJournal(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await db.transaction((tx) => sealBatch(tx));
    total += sealed;
    if (sealed < SEAL_BATCH) return total;
  }
}

async function sealBatch(tx: Tx): Promise<number> {
  // The head row is the sealers' lock: one sealer at a time, and under READ
  // COMMITTED the next statement sees whatever the previous sealer committed.
  // On SQLite the writer lock serializes sealers anyway.
  const head = await tx.get<{ chain_seq: number; chain_hash: string }>(
    `SELECT chain_seq, chain_hash FROM ledger_chain_head WHERE id = 1 ${tx.forUpdate}`,
  );
  if (!head) throw new Error('ledger: the journal chain head is missing');
  const entries = await tx.all<{ seq: number; payload_hash: string }>(
    `SELECT seq, payload_hash FROM ledger_journal WHERE chain_seq IS NULL ORDER BY seq LIMIT ${SEAL_BATCH}`,
  );
  let chainSeq = head.chain_seq;
  let hash = head.chain_hash;
  for (const entry of entries) {
    chainSeq += 1;
    hash = chainHash(hash, chainSeq, entry.payload_hash);
    await tx.run('UPDATE ledger_journal SET chain_seq = ?, chain_hash = ? WHERE seq = ? AND chain_seq IS NULL', [
      chainSeq,
      hash,
      entry.seq,
    ]);
  }
  if (entries.length > 0) {
    await tx.run('UPDATE ledger_chain_head SET chain_seq = ?, chain_hash = ? WHERE id = 1', [chainSeq, hash]);
  }
  return entries.length;
}

export interface ChainVerification {
  readonly sealed: number;
  readonly unsealed: number;
  readonly failures: string[];
}

const MAX_REPORTED = 20;

/** Recomputes the whole chain; reports each break it finds (bounded). */
export async function verifyChain(sql: Sql, visit?: (payload: string, seq: number) => void): Promise<ChainVerification> {
  const failures: string[] = [];
  const fail = (message: string) => {
    if (failures.length < MAX_REPORTED) failures.push(message);
  };
  let expectedSeq = 0;
  let hash = GENESIS_HASH;
  let lastChainSeq = 0;
  const pageSize = 2_000;
  for (;;) {
    const page = await sql.all<{ seq: number; payload: string; payload_hash: string; chain_seq: number; chain_hash: string }>(
      `SELECT seq, payload, payload_hash, chain_seq, chain_hash FROM ledger_journal
        WHERE chain_seq IS NOT NULL AND chain_seq > ? ORDER BY chain_seq LIMIT ${pageSize}`,
      [lastChainSeq],
    );
    for (const entry of page) {
      expectedSeq += 1;
      if (entry.chain_seq !== expectedSeq) {
        fail(`journal entry ${entry.seq}: chain position ${entry.chain_seq}, expected ${expectedSeq} (an entry is missing)`);
        expectedSeq = entry.chain_seq;
      }
      if (sha256(entry.payload) !== entry.payload_hash) fail(`journal entry ${entry.seq}: payload does not match its hash (edited)`);
      hash = chainHash(hash, entry.chain_seq, entry.payload_hash);
      if (hash !== entry.chain_hash) {
        fail(`journal entry ${entry.seq}: chain hash mismatch at position ${entry.chain_seq}`);
        hash = entry.chain_hash;
      }
      visit?.(entry.payload, entry.seq);
      lastChainSeq = entry.chain_seq;
    }
    if (page.length < pageSize) break;
  }
  const head = await sql.get<{ chain_seq: number; chain_hash: string }>('SELECT chain_seq, chain_hash FROM ledger_chain_head WHERE id = 1');
  if (!head || head.chain_seq !== expectedSeq || head.chain_hash !== hash) {
    fail(`journal chain head (${head?.chain_seq ?? 'missing'}) does not match the last sealed entry (${expectedSeq})`);
  }
  const unsealed = await sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_journal WHERE chain_seq IS NULL');
  return { sealed: expectedSeq, unsealed: Number(unsealed?.n ?? 0), failures };
}
