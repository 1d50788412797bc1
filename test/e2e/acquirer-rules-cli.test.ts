import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Stripe from 'stripe';
import { CALL_BOUND_MS, e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';

const { workDir, location } = e2eWorkspace('rules-cli');

test("cardlane acquirer rules: the demo merchant's seeded rule blocks a prepaid card by hand, not off-session; the CLI turns it off and on", { timeout: 240_000 }, async () => {
  const dataDir = join(workDir, 'data');
  const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', dataDir, '--json', ...dbArgs], { cwd: workDir });
  try {
    const info = JSON.parse(await server.waitForLine((l) => l.startsWith('{'), START_BOUND_MS)) as { url: string };
    const rules = async (args: readonly string[]): Promise<string> => {
      const child = spawnCardlane(['acquirer', '--url', info.url, '--data-dir', dataDir, 'rules', ...args], { cwd: workDir });
      const { code } = await child.waitForExit(CALL_BOUND_MS);
      assert.equal(code, 0, `rules ${args.join(' ')}\nstdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`);
      return child.stdout();
    };

    // The CLI finds the demo merchant's key in the data directory by itself.
    const listed = JSON.parse(await rules(['list', '--json'])) as { data: Array<{ id: string; summary: string; enabled: boolean }> };
    assert.equal(listed.data.length, 1);
    const seeded = listed.data[0]!;
    assert.equal(seeded.summary, 'Block prepaid cards on customer-initiated purchases (except payments with metadata product = “plus”)');

    const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { acquirer: { secret_key: string } };
    const url = new URL(info.url);
    const stripe = new Stripe(credentials.acquirer.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const customer = await stripe.customers.create({ email: 'buyer@example.com' });
    // A Visa prepaid test card: adding it (a card verification) is not a purchase, so the rule lets it through.
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: '4000009990000005', exp_month: 12, exp_year: 2030, cvc: '123' } });
    const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true, usage: 'off_session' });
    assert.equal(setup.status, 'succeeded');

    const byHand = () => stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true });
    await assert.rejects(byHand(), (e: any) => {
      assert.ok(e instanceof Stripe.errors.StripeCardError);
      assert.equal(e.decline_code, 'card_not_supported');
      return true;
    });
    const autoRecharge = await stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, off_session: true });
    assert.equal(autoRecharge.status, 'succeeded', 'merchant-initiated: out of the rule\'s scope');

    assert.match(await rules(['disable', seeded.id]), /is disabled/);
    assert.equal((await byHand()).status, 'succeeded', 'with the rule off, the same payment goes through');
    assert.match(await rules(['enable', seeded.id]), /is enabled/);
    await assert.rejects(byHand(), (e: any) => e.decline_code === 'card_not_supported');

    // A rule added from the CLI applies to the next payment, off-session too.
    const added = JSON.parse(await rules(['add', '--country-not-in', 'GB', '--description', 'UK cards only', '--json'])) as { id: string };
    await assert.rejects(
      stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, off_session: true }),
      (e: any) => e.decline_code === 'card_not_supported',
    );
    assert.equal(await rules(['remove', added.id]), `Removed ${added.id}.\n`);
    assert.match(await rules(['list']), new RegExp(`^  ${seeded.id}  on   block  Block prepaid cards on customer-initiated purchases, except the Plus subscription\\n$`));
  } finally {
    server.child.kill('SIGTERM');
    await server.waitForExit(EXIT_BOUND_MS);
  }
});
