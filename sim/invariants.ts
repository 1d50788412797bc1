import { auditLedger } from '../src/ledger/audit.ts';
import type { Database } from '../src/platform/db/database.ts';

/** One broken invariant: its name, and what was seen. */
export interface Violation {
  readonly invariant: string;
  readonly detail: string;
  /** The bug of issue 19 this looks like, when it looks like one (A–G). */
  readonly bug?: string;
}

/**
 * The invariants, read straight from the committed data through the real
 * handle (the simulator's reads neither count as the program's operations
 * nor crash). `continuous` ones hold after every step, faults or not;
 * `settled` ones hold once faults stopped and the sweeps ran.
 */
export async function continuousInvariants(db: Database, nowMs: number): Promise<Violation[]> {
  const out: Violation[] = [];
  const audit = await auditLedger(db, { nowMs });
  for (const check of audit.checks) {
    const failures = (check as { failures?: string[] }).failures ?? [];
    if (!(check as { ok?: boolean }).ok) out.push({ invariant: `ledger audit: ${(check as { name: string }).name}`, detail: failures.slice(0, 3).join('; ') });
  }
  out.push(...(await onePerKey(db, 'acquirer_payment_intents', 'payment intent', 'A')));
  out.push(...(await onePerKey(db, 'acquirer_refunds', 'refund', 'B')));
  return out;
}

/** Never two objects for one idempotency key: each created object carries its key in metadata[sim_key]. */
async function onePerKey(db: Database, table: string, what: string, bug: string): Promise<Violation[]> {
  const rows = await db.all<{ id: string; metadata: string }>(`SELECT id, metadata FROM ${table} ORDER BY id`);
  const byKey = new Map<string, string[]>();
  for (const row of rows) {
    const key = (JSON.parse(row.metadata) as Record<string, string>).sim_key;
    if (key === undefined) continue;
    byKey.set(key, [...(byKey.get(key) ?? []), row.id]);
  }
  const out: Violation[] = [];
  for (const [key, ids] of byKey) {
    if (ids.length > 1) out.push({ invariant: `one ${what} per idempotency key`, detail: `key ${key} → ${ids.join(', ')}`, bug });
  }
  return out;
}

interface ChargeRow {
  id: string;
  payment_intent_id: string | null;
  network_id: string;
  status: string;
  amount_captured_minor: number | string;
  amount_refunded_minor: number | string;
  intent_status: string | null;
}

/**
 * Once faults stop and the sweeps ran: the acquirer's, the network's and the
 * issuer's views of each payment agree, and every payment and refund is final.
 */
export async function settledInvariants(db: Database): Promise<Violation[]> {
  const out: Violation[] = [];
  const charges = await db.all<ChargeRow>(
    `SELECT c.id, c.payment_intent_id, c.network_id, c.status, c.amount_captured_minor, c.amount_refunded_minor, pi.status AS intent_status
       FROM acquirer_charges c LEFT JOIN acquirer_payment_intents pi ON pi.id = c.payment_intent_id
      WHERE c.purpose = 'purchase' ORDER BY c.id`,
  );
  const issuerNet = await issuerViews(db);
  for (const charge of charges) {
    const issuer = issuerNet.get(charge.network_id);
    const captured = Number(charge.amount_captured_minor);
    const refunded = Number(charge.amount_refunded_minor);
    if (issuer === undefined) {
      if (captured > 0) out.push({ invariant: 'the issuer knows every captured payment', detail: `charge ${charge.id} captured ${captured}, no authorization at an issuer for ${charge.network_id}` });
      continue;
    }
    if (captured !== issuer.cleared) {
      const bug = charge.intent_status === 'canceled' ? 'F' : charge.intent_status === 'requires_capture' ? 'D' : undefined;
      out.push({
        invariant: 'acquirer captured = issuer cleared',
        detail: `intent ${charge.payment_intent_id} (${charge.intent_status}) charge ${charge.id}: acquirer captured ${captured}, ${issuer.who} cleared ${issuer.cleared}`,
        ...(bug ? { bug } : {}),
      });
    }
    if (refunded !== issuer.refunded) {
      out.push({ invariant: 'acquirer refunded = issuer refunded', detail: `intent ${charge.payment_intent_id} charge ${charge.id}: acquirer refunded ${refunded}, ${issuer.who} refunded ${issuer.refunded}` });
    }
    if (charge.intent_status === 'canceled' && issuer.cleared > 0) {
      out.push({ invariant: 'a canceled intent has no cleared money at the issuer', detail: `intent ${charge.payment_intent_id}: ${issuer.who} cleared ${issuer.cleared}`, bug: 'F' });
    }
  }
  const stuck = await db.all<{ id: string; status: string }>(`SELECT id, status FROM acquirer_payment_intents WHERE status = 'processing' ORDER BY id`);
  for (const row of stuck) out.push({ invariant: 'every payment is final', detail: `intent ${row.id} still processing` });
  const pendingRefunds = await db.all<{ id: string }>(`SELECT id FROM acquirer_refunds WHERE status = 'pending' ORDER BY id`);
  for (const row of pendingRefunds) out.push({ invariant: 'every refund is final', detail: `refund ${row.id} still pending` });
  const topUps = await db.all<{ id: string; status: string }>(`SELECT id, status FROM issuer_topup_orders WHERE status = 'created' ORDER BY id`);
  for (const row of topUps) out.push({ invariant: 'every top-up is final', detail: `top-up ${row.id} still ${row.status}` });
  return out;
}

/** What the issuers (Cardlane's own and the test bank) hold for each network request id: cleared and refunded, in USD cents. */
async function issuerViews(db: Database): Promise<Map<string, { who: string; cleared: number; refunded: number }>> {
  const views = new Map<string, { who: string; cleared: number; refunded: number }>();
  const cardlane = await db.all<{ request_id: string; cleared_usd_minor: number | string; refunded_usd_minor: number | string }>(
    'SELECT request_id, cleared_usd_minor, refunded_usd_minor FROM issuer_authorizations',
  );
  for (const row of cardlane) views.set(row.request_id, { who: 'Cardlane issuer', cleared: Number(row.cleared_usd_minor), refunded: Number(row.refunded_usd_minor) });
  const bank = await db.all<{ request_id: string; cleared_minor: number | string; refunded_minor: number | string }>(
    'SELECT request_id, cleared_minor, refunded_minor FROM test_bank_authorizations',
  );
  for (const row of bank) views.set(row.request_id, { who: 'test bank', cleared: Number(row.cleared_minor), refunded: Number(row.refunded_minor) });
  return views;
}
