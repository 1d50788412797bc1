import type { Sql } from '../../platform/db/database.ts';

/** A plan one can subscribe to: a price charged every `intervalMonths` calendar months. Plans are rows (seeded by the migration), not code. */
export interface Plan {
  readonly id: string;
  readonly name: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly intervalMonths: number;
  readonly active: boolean;
}

const COLUMNS = 'id, name, amount_minor, currency, interval_months, active';

function fromRow(row: any): Plan {
  return {
    id: row.id,
    name: row.name,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    intervalMonths: Number(row.interval_months),
    active: Number(row.active) === 1,
  };
}

/** Plans open to new subscribers, cheapest first. */
export async function listActivePlans(sql: Sql): Promise<Plan[]> {
  return (await sql.all(`SELECT ${COLUMNS} FROM billing_plans WHERE active = 1 ORDER BY amount_minor, id`)).map(fromRow);
}

export async function findPlan(sql: Sql, id: string): Promise<Plan | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_plans WHERE id = ?`, [id]);
  return row === undefined ? null : fromRow(row);
}
