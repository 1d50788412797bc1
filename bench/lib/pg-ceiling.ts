import pg from 'pg';
import { CeilingRows, ceilingInsertSql, ceilingTableDdl } from './ceiling-row.ts';
import type { Step } from './loop.ts';

/**
 * The PostgreSQL ceiling: `clients` plain `pg` connections, each running a
 * prepared, autocommitted INSERT of `rowsPerCommit` ledger-transfer-shaped
 * rows per statement. One statement is one transaction, committed with the
 * server's durability (synchronous_commit as configured, which the report
 * prints) — the same durability the ledger's BEGIN … COMMIT gets.
 */
export async function createCeilingTable(url: string, table: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(ceilingTableDdl('postgres', table));
  } finally {
    await client.end();
  }
}

export async function connectRawClients(url: string, count: number): Promise<pg.Client[]> {
  const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

export async function closeRawClients(clients: readonly pg.Client[]): Promise<void> {
  await Promise.all(clients.map((client) => client.end()));
}

export function rawInsertStep(clients: readonly pg.Client[], table: string, rowsPerCommit: number, accounts: number): Step {
  const text = ceilingInsertSql('postgres', table, rowsPerCommit);
  const name = `bench_ceiling_${table}_${rowsPerCommit}`;
  const rows = new CeilingRows(accounts);
  return async (client, meter) => {
    const values = rows.params(rowsPerCommit);
    const started = performance.now();
    await clients[client]!.query({ name, text, values });
    meter.record(performance.now() - started, rowsPerCommit);
  };
}

/** A URL without the `schema` parameter (plain `pg` does not know it) and the schema. */
export function splitSchema(url: string): { base: string; schema: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  if (!schema) throw new Error(`${url} has no ?schema=`);
  parsed.searchParams.delete('schema');
  return { base: parsed.toString(), schema };
}
