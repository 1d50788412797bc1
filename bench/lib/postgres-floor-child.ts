/**
 * The PostgreSQL floor under `npm run bench:payments`: what this machine's
 * PostgreSQL and the `pg` driver (pool of 10, pipeline mode, named
 * statements — as Cardlane opens them) can do for a payment's shape of SQL
 * with no application at all: `statements` statements in `transactions`
 * transactions, from `clients` concurrent callers, for `seconds`. Half the
 * statements insert a row the size of a payment record into a table with a
 * primary key and two indexes, half read one back by its key. The inserts
 * are queued without waiting (as the payment path queues its writes,
 * `tx.write`), the reads awaited, COMMIT sent behind the last statement: no
 * more round trips than the payment makes, fewer in fact — a floor.
 *
 * With `batch` > 1 it measures the floor of another design: `batch`
 * concurrent payments carried together, each of their statements one
 * statement for all of them (a multi-row insert of `batch` rows, a read of
 * `batch` keys by `= ANY`), by `clients / batch` callers — the shape of a
 * payment path that coalesces concurrent requests' work, as TigerBeetle
 * batches transfers. It tells whether that redesign could reach a target
 * the per-request design cannot.
 *
 * Run as a child process by bench/payments.ts (so its CPU is its own), with
 * the payment row's measured statements and COMMITs per payment intent; it
 * prints one line of JSON. A payment path cannot be faster than its floor:
 * the floor's rate is the ceiling the database sets, before any logic.
 *
 *   node --import tsx bench/lib/postgres-floor-child.ts <url> <clients> <seconds> <statements> <transactions> [batch]
 */
import pg from 'pg';
import { localPostgresCpuMs } from './postgres-cpu.ts';

const [url, clientsArg, secondsArg, statementsArg, transactionsArg, batchArg] = process.argv.slice(2);
/** Payments carried by each statement (1: the payment path as it is). */
const batch = Math.max(1, Math.round(Number(batchArg ?? 1)));
const clients = Math.max(1, Math.round(Number(clientsArg) / batch));
const seconds = Number(secondsArg);
const statements = Math.max(1, Math.round(Number(statementsArg)));
const transactions = Math.min(statements, Math.max(1, Math.round(Number(transactionsArg))));

/** Statements per transaction, as even as they divide. */
const shape = Array.from({ length: transactions }, (_, i) => Math.floor(statements / transactions) + (i < statements % transactions ? 1 : 0));
const PAYLOAD = 'x'.repeat(600);

const pool = new pg.Pool({ connectionString: url, max: 10, pipeline: true, options: '-c plan_cache_mode=force_generic_plan' });
await pool.query(`DROP TABLE IF EXISTS bench_floor; CREATE TABLE bench_floor (id TEXT PRIMARY KEY, owner TEXT NOT NULL, amount BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL, payload TEXT NOT NULL); CREATE INDEX bench_floor_owner ON bench_floor (owner, id);
  CREATE INDEX bench_floor_created ON bench_floor (created_at_ms)`);

const INSERT_ONE = 'INSERT INTO bench_floor (id, owner, amount, created_at_ms, payload) VALUES ($1, $2, $3, $4, $5)';
const INSERT_MANY = `INSERT INTO bench_floor (id, owner, amount, created_at_ms, payload)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])`;
const SELECT_ONE = 'SELECT id, owner, amount, created_at_ms, payload FROM bench_floor WHERE id = $1';
const SELECT_MANY = 'SELECT id, owner, amount, created_at_ms, payload FROM bench_floor WHERE id = ANY($1)';

let sequence = 0;
/** One insert of this batch's rows, and the read that finds them again. */
function nextRows(): { insert: pg.QueryConfig; select: pg.QueryConfig } {
  const ids = Array.from({ length: batch }, () => `row_${process.pid}_${sequence++}`);
  if (batch === 1) {
    return {
      insert: { name: 'floor_insert', text: INSERT_ONE, values: [ids[0], `owner_${sequence % 16}`, 1000, Date.now(), PAYLOAD] },
      select: { name: 'floor_select', text: SELECT_ONE, values: [ids[0]] },
    };
  }
  return {
    insert: { name: 'floor_insert_many', text: INSERT_MANY, values: [ids, ids.map((_, i) => `owner_${i % 16}`), ids.map(() => 1000), ids.map(() => Date.now()), ids.map(() => PAYLOAD)] },
    select: { name: 'floor_select_many', text: SELECT_MANY, values: [ids] },
  };
}

/** One payment's statements (or, batched, one statement per statement of `batch` payments). */
async function payment(): Promise<void> {
  let rows = nextRows();
  for (const count of shape) {
    const client = await pool.connect();
    try {
      const inTransaction = count > 1;
      // Sent without waiting; each handled at once (a failure is the Promise.all's) so none is an unhandled rejection.
      const queued: Array<Promise<unknown>> = [];
      const queue = (answer: Promise<unknown>) => {
        answer.catch(() => undefined);
        queued.push(answer);
      };
      if (inTransaction) queue(client.query('BEGIN'));
      for (let i = 0; i < count; i++) {
        if (i % 2 === 0) {
          rows = nextRows();
          queue(client.query(rows.insert));
        } else {
          await client.query(rows.select);
        }
      }
      if (inTransaction) queue(client.query('COMMIT'));
      await Promise.all(queued);
    } finally {
      client.release();
    }
  }
}

const deadline = performance.now() + seconds * 1000;
const warmUntil = performance.now() + Math.min(2000, (seconds * 1000) / 4);
let done = 0;
let cpuAtStart: NodeJS.CpuUsage | null = null;
let postgresCpuAtStart = 0;
let startedAt = 0;
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      await payment();
      if (performance.now() < warmUntil) continue;
      if (cpuAtStart === null) {
        cpuAtStart = process.cpuUsage();
        postgresCpuAtStart = localPostgresCpuMs();
        startedAt = performance.now();
      }
      done += batch;
    }
  }),
);
const elapsedS = (performance.now() - startedAt) / 1000;
const cpu = process.cpuUsage(cpuAtStart ?? undefined);
// Read while the pool's backends still live (a backend's CPU leaves /proc with it).
const postgresCpuMs = localPostgresCpuMs() - postgresCpuAtStart;
await pool.query('DROP TABLE IF EXISTS bench_floor');
await pool.end();
process.stdout.write(
  `${JSON.stringify({ statements, transactions, payments_per_statement: batch, ops_per_s: Math.round((done / elapsedS) * 10) / 10, node_cpu_ms_per_op: Math.round(((cpu.user + cpu.system) / 1000 / done) * 1000) / 1000, postgres_cpu_ms_per_op: postgresCpuMs > 0 ? Math.round((postgresCpuMs / done) * 1000) / 1000 : null })}\n`,
);
