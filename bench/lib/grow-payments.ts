import { findCharge, insertCharge } from '../../src/acquirer/payments/charge-store.ts';
import { insertPaymentIntent, requirePaymentIntent } from '../../src/acquirer/payments/payment-intent-store.ts';
import { newClientSecret } from '../../src/acquirer/stripe/object-ids.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { cryptoRandom, IdGenerator } from '../../src/platform/ids.ts';
import { inParallel, type Progress } from './grow-progress.ts';

/** Intents (each with its charge) per transaction. */
const PER_TX = 500;
const TEMPLATE_CUSTOMERS = 50;

/**
 * Payment intents and their charges. A first few go the whole way, as a
 * merchant makes them (`POST /v1/payment_intents` confirmed off-session,
 * through risk rules, the network, the test bank and the ledger); the rest
 * are rows written by the acquirer's own store functions, each a copy of
 * one of those with new ids, a new client secret and an earlier time, so
 * that the tables the payment path reads hold `count` intents of the
 * merchant without `count` trips through the network.
 */
export async function growPaymentIntents(
  input: { db: Database; clock: Clock; url: string; secretKey: string; count: number; parallel: number; random: () => number },
  progress: Progress,
): Promise<number> {
  const headers = { authorization: `Bearer ${input.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' };
  const call = async (path: string, body: string): Promise<{ id: string; [key: string]: unknown }> => {
    const response = await fetch(`${input.url}${path}`, { method: 'POST', headers, body });
    const json = (await response.json()) as { id: string };
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const templates: string[] = [];
  for (let i = 0; i < Math.min(TEMPLATE_CUSTOMERS, input.count); i++) {
    const customer = await call('/v1/customers', `email=grow${i}@example.com`);
    const pm = await call('/v1/payment_methods', 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123');
    await call(`/v1/payment_methods/${pm.id}/attach`, `customer=${customer.id}`);
    const intent = await call('/v1/payment_intents', `amount=${1_000 + i}&currency=usd&customer=${customer.id}&payment_method=${pm.id}&confirm=true&off_session=true`);
    templates.push(intent.id);
  }
  progress.add(templates.length);
  const merchantId = (await input.db.get<{ merchant_id: string }>('SELECT merchant_id FROM acquirer_payment_intents WHERE id = ?', [templates[0]!]))!.merchant_id;
  const originals = await Promise.all(
    templates.map(async (id) => {
      const intent = await requirePaymentIntent(input.db, merchantId, id);
      const charge = (await findCharge(input.db, merchantId, intent.latestChargeId!))!;
      return { intent, charge };
    }),
  );
  const ids = new IdGenerator(input.clock, cryptoRandom);
  const copies = input.count - templates.length;
  const nowMs = input.clock.nowMs();
  // Spread over the past year, so that time-ordered lists have a long tail.
  const yearMs = 365 * 24 * 3_600_000;
  await inParallel(Math.ceil(copies / PER_TX), input.parallel, async (batch) => {
    const size = Math.min(PER_TX, copies - batch * PER_TX);
    await input.db.transaction(async (tx) => {
      for (let i = 0; i < size; i++) {
        const { intent, charge } = originals[Math.floor(input.random() * originals.length)]!;
        const piId = ids.next('pi');
        const chId = ids.next('ch');
        const at = nowMs - Math.floor(input.random() * yearMs);
        await insertPaymentIntent(tx, { ...intent, id: piId, latestChargeId: chId, clientSecret: newClientSecret(piId, cryptoRandom), createdAtMs: at });
        await insertCharge(tx, { ...charge, id: chId, networkId: chId, paymentIntentId: piId, createdAtMs: at, capturedAtMs: charge.capturedAtMs === null ? null : at });
      }
    });
    progress.add(size);
  });
  return input.count;
}
