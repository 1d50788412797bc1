import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// An intent's client_secret was `<id>_secret_<the id generator's next id>`:
// ids made in one millisecond are consecutive, so it was the intent's id
// plus one. It is now 128 random bits, unrelated to any id.

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The body of the id the generator makes right after `id` in the same millisecond (the old secret's suffix). */
function nextIdBody(id: string): string {
  const digits = id.slice(id.indexOf('_') + 1).split('');
  for (let i = digits.length - 1; i >= 0; i--) {
    const value = CROCKFORD.indexOf(digits[i]!);
    if (value < 31) {
      digits[i] = CROCKFORD[value + 1]!;
      break;
    }
    digits[i] = '0';
  }
  return digits.join('');
}

function assertUnguessable(id: string, secret: string | null): void {
  assert.ok(secret !== null);
  const match = new RegExp(`^${id}_secret_([0-9A-Za-z]{22})$`).exec(secret);
  assert.ok(match, `Stripe's form <id>_secret_<22 base62 characters>: ${secret}`);
  const suffix = match[1]!;
  assert.notEqual(suffix.slice(0, 22), nextIdBody(id).slice(0, 22), 'not the next id');
  assert.ok(!suffix.startsWith(id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11)), "not made from the id's time");
}

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints });
});
afterEach(async () => {
  await f.close();
});

test('setup intents: client_secrets are random, not derived from the id, distinct, and retrieving with one still works', async () => {
  const [a, b] = [await f.stripe.setupIntents.create({}), await f.stripe.setupIntents.create({})];
  assertUnguessable(a.id, a.client_secret);
  assertUnguessable(b.id, b.client_secret);
  assert.notEqual(a.client_secret!.split('_secret_')[1], b.client_secret!.split('_secret_')[1]);
  const again = await f.stripe.setupIntents.retrieve(a.id, { client_secret: a.client_secret! });
  assert.equal(again.client_secret, a.client_secret, 'stored, and returned as it was');
});

test('payment intents: client_secrets are random, not derived from the id, distinct, and retrieving with one still works', async () => {
  const [a, b] = [await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }), await f.stripe.paymentIntents.create({ amount: 2000, currency: 'usd' })];
  assertUnguessable(a.id, a.client_secret);
  assertUnguessable(b.id, b.client_secret);
  assert.notEqual(a.client_secret!.split('_secret_')[1], b.client_secret!.split('_secret_')[1]);
  const again = await f.stripe.paymentIntents.retrieve(a.id, { client_secret: a.client_secret! });
  assert.equal(again.client_secret, a.client_secret, 'stored, and returned as it was');
});

test('an intent made before random secrets keeps the secret it was given', async () => {
  const si = await f.stripe.setupIntents.create({});
  const old = `${si.id}_secret_${nextIdBody(si.id)}`;
  await f.db.run('UPDATE acquirer_setup_intents SET client_secret = ? WHERE id = ?', [old, si.id]);
  assert.equal((await f.stripe.setupIntents.retrieve(si.id, { client_secret: old })).client_secret, old);
});
