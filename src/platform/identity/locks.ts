import type { Tx } from '../db/database.ts';

/**
 * Serializes transactions that decide on the same name (a phone number, an
 * e-mail address, a client address) until commit, across processes. On
 * SQLite writers already hold the database's write lock from BEGIN
 * IMMEDIATE, so nothing is needed; on PostgreSQL a transaction-scoped
 * advisory lock on a hash of the name. Callers prefix names with their
 * module (`issuer:…`, `billing:…`) so two modules never share a lock by
 * accident, and take their locks in a fixed order (recipient before client
 * address) so two of them cannot deadlock.
 */
export async function lockName(tx: Tx, name: string): Promise<void> {
  if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [name]);
}
