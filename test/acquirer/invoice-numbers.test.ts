import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { deleteCustomer } from '../../src/acquirer/customers/customers.ts';
import { subscriptionMigrations } from '../../src/acquirer/subscriptions/migrations.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// An invoice's number is its customer's prefix and the next of its customer's
// sequence (Stripe's `next_invoice_sequence`). It was the COUNT of the
// customer's invoices plus one, read under the subscription's lock only: on
// PostgreSQL two subscriptions of one customer invoiced at once both counted
// the same invoices and both took the same number.

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
});
afterEach(async () => {
  await f.assertAudit();
  await f.close();
});

/** A customer with a default card, and a monthly plan to subscribe it to. */
async function subscriberAndPlan(email: string) {
  const customer = await f.stripe.customers.create({ email });
  const pm = await f.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await f.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const product = await f.stripe.products.create({ name: 'Plan' });
  const price = await f.stripe.prices.create({ product: product.id, unit_amount: 900, currency: 'usd', recurring: { interval: 'month' } });
  return { customer, price };
}

test('subscriptions of one customer started at once get invoices numbered one after another, never the same number twice', async () => {
  const customer = await f.stripe.customers.create({ email: 'many-plans@example.com' });
  const pm = await f.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await f.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const product = await f.stripe.products.create({ name: 'Add-on' });
  const prices = await Promise.all(
    [1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700].map((amount) => f.stripe.prices.create({ product: product.id, unit_amount: amount, currency: 'usd', recurring: { interval: 'month' } })),
  );

  const subscriptions = await Promise.all(prices.map((price) => f.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })));
  assert.ok(subscriptions.every((sub) => sub.status === 'active'));

  const invoices = (await f.stripe.invoices.list({ customer: customer.id, limit: 100 })).data;
  assert.equal(invoices.length, prices.length);
  const numbers = invoices.map((invoice) => invoice.number!).sort();
  const prefix = numbers[0]!.split('-')[0];
  assert.deepEqual(numbers, prices.map((_, i) => `${prefix}-${String(i + 1).padStart(4, '0')}`), 'one number each, 0001 to 0008');

  // The next invoice continues the sequence.
  const later = await f.stripe.subscriptions.create({ customer: customer.id, items: [{ price: prices[0]!.id }] });
  const next = await f.stripe.invoices.retrieve(later.latest_invoice as string);
  assert.equal(next.number, `${prefix}-0009`);
  // The customer object says what its next invoice will be called, as Stripe's does.
  const shown = (await f.stripe.customers.retrieve(customer.id)) as { invoice_prefix?: string | null; next_invoice_sequence?: number };
  assert.deepEqual([shown.invoice_prefix, shown.next_invoice_sequence], [prefix, 10]);
});

test('a database from before the sequence: the migration starts each customer’s sequence after the invoices it already has', async () => {
  const { customer, price } = await subscriberAndPlan('older@example.com');
  for (let i = 0; i < 2; i++) await f.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });

  // As the column was before the migration filled it: the default for every customer.
  await f.db.run('UPDATE acquirer_customers SET next_invoice_sequence = 1 WHERE id = ?', [customer.id]);
  const migration = subscriptionMigrations.find((m) => m.id === 'acquirer/052_customer_invoice_sequence')!;
  const backfill = migration.sql.slice(migration.sql.indexOf('UPDATE'));
  await f.db.transaction((tx) => tx.exec(backfill));

  const third = await f.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  const invoice = await f.stripe.invoices.retrieve(third.latest_invoice as string);
  assert.match(invoice.number!, /-0003$/);
});

test('a subscription started while its customer is being deleted is refused: no invoice, no charge for a customer that is gone', async () => {
  const { customer, price } = await subscriberAndPlan('leaving@example.com');

  // The deletion holds the customer's row (and on SQLite the writer) until released; the subscription is asked for
  // meanwhile. On PostgreSQL it waits on the customer's row lock, which it takes first, and then finds the customer gone.
  const chargesBefore = (await f.db.all('SELECT id FROM acquirer_charges WHERE customer_id = ?', [customer.id])).length; // the card's verification
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const deleting = f.db.transaction(
    async (tx) => {
      await deleteCustomer(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { merchantId: f.merchant.merchant.id, id: customer.id });
      await gate;
    },
    { maxAttempts: 1 },
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  const creating = f.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }).then(
    (sub) => ({ status: sub.status, code: null }),
    (error: { code?: string }) => ({ status: null, code: error.code ?? 'unknown' }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  release();
  await deleting;
  assert.deepEqual(await creating, { status: null, code: 'resource_missing' });
  const live = await f.db.all("SELECT id FROM acquirer_subscriptions WHERE customer_id = ? AND status <> 'canceled'", [customer.id]);
  const invoices = await f.db.all('SELECT id FROM acquirer_invoices WHERE customer_id = ?', [customer.id]);
  const charges = await f.db.all('SELECT id FROM acquirer_charges WHERE customer_id = ?', [customer.id]);
  assert.deepEqual([live.length, invoices.length, charges.length], [0, 0, chargesBefore]);
});
