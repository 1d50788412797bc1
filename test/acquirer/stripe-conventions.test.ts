import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { parseForm } from '../../src/acquirer/stripe/form-body.ts';
import type { StripeEndpoint } from '../../src/acquirer/stripe/route.ts';
import { AppError } from '../../src/platform/errors.ts';
import { AcquirerError } from '../../src/acquirer/errors.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// An endpoint made for these tests: it counts its runs, echoes what it read,
// and declines like a card when asked, so the framework's rules show plainly.
let runs = 0;
const echo: StripeEndpoint<{ name: string; amount: number | undefined; tags: string[] | undefined; decline: boolean }> = {
  method: 'POST',
  url: '/echo',
  summary: 'test echo',
  parse: (params) => ({
    name: params.requiredString('name', { maxChars: 20 }),
    amount: params.integer('amount', { min: 1 }),
    tags: params.stringList('tags'),
    decline: params.boolean('decline') ?? false,
  }),
  run: async (input) => {
    runs += 1;
    if (input.decline) throw new AcquirerError('card_declined', 'Your card was declined.', { declineCode: 'insufficient_funds', extra: { charge: 'ch_x' } });
    return { object: 'echo', run: runs, ...input };
  },
};

let f: AcquirerFixture;
beforeEach(async () => {
  runs = 0;
  f = await acquirerFixture({ endpoints: () => [echo] });
});
afterEach(async () => f.close());

test('form bodies with brackets parse into objects and arrays', () => {
  assert.deepEqual(parseForm('a=1&card[exp_month]=12&expand[0]=x&expand[1]=y&m[k]=v+w&e[]=p&e[]=q'), {
    a: '1',
    card: { exp_month: '12' },
    expand: ['x', 'y'],
    m: { k: 'v w' },
    e: ['p', 'q'],
  });
  assert.throws(() => parseForm('__proto__[x]=1'), (e: unknown) => e instanceof AppError && e.code === 'body_invalid');
  assert.throws(() => parseForm('a[b=1'), (e: unknown) => e instanceof AppError && e.code === 'body_invalid');
  assert.throws(() => parseForm('a=1&a[b]=2'), (e: unknown) => e instanceof AppError && e.code === 'body_invalid');
});

test('the SDK reaches an endpoint; parameters are typed and unknown ones refused', async () => {
  const ok = (await f.stripe.rawRequest('POST', '/v1/echo', { name: 'x', amount: 5, tags: ['a', 'b'] })) as any;
  assert.equal(ok.name, 'x');
  assert.equal(ok.amount, 5);
  assert.deepEqual(ok.tags, ['a', 'b']);
  await assert.rejects(f.stripe.rawRequest('POST', '/v1/echo', { name: 'x', colour: 'red' }), (e: any) => {
    assert.ok(e instanceof Stripe.errors.StripeInvalidRequestError);
    assert.equal(e.code, 'parameter_unknown');
    assert.equal(e.param, 'colour');
    return true;
  });
  await assert.rejects(f.stripe.rawRequest('POST', '/v1/echo', { amount: 5 }), (e: any) => e.code === 'parameter_missing' && e.param === 'name');
  await assert.rejects(f.stripe.rawRequest('POST', '/v1/echo', { name: 'x', amount: 'ten' }), (e: any) => e.code === 'parameter_invalid' && e.param === 'amount');
  assert.equal(runs, 1, 'refused requests never run');
});

test('idempotency keys: a replay answers the saved response, other parameters are refused, declines are replayed too', async () => {
  const first = (await f.stripe.rawRequest('POST', '/v1/echo', { name: 'x' }, { idempotencyKey: 'k1' })) as any;
  const again = (await f.stripe.rawRequest('POST', '/v1/echo', { name: 'x' }, { idempotencyKey: 'k1' })) as any;
  assert.equal(first.run, 1);
  assert.equal(again.run, 1);
  assert.equal(runs, 1);
  await assert.rejects(f.stripe.rawRequest('POST', '/v1/echo', { name: 'y' }, { idempotencyKey: 'k1' }), (e: any) => {
    assert.ok(e instanceof Stripe.errors.StripeIdempotencyError);
    return true;
  });
  for (let i = 0; i < 2; i++) {
    await assert.rejects(f.stripe.rawRequest('POST', '/v1/echo', { name: 'x', decline: true }, { idempotencyKey: 'k2' }), (e: any) => {
      assert.ok(e instanceof Stripe.errors.StripeCardError);
      assert.equal(e.code, 'card_declined');
      assert.equal(e.decline_code, 'insufficient_funds');
      assert.equal((e.raw as { charge?: string }).charge, 'ch_x');
      return true;
    });
  }
  assert.equal(runs, 2, 'the decline ran once and was replayed');
  // A validation failure saves nothing: the same key then works with good parameters.
  await assert.rejects(f.stripe.rawRequest('POST', '/v1/echo', { name: 'x', amount: '0' }, { idempotencyKey: 'k3' }));
  const later = (await f.stripe.rawRequest('POST', '/v1/echo', { name: 'x', amount: 1 }, { idempotencyKey: 'k3' })) as any;
  assert.equal(later.amount, 1);
});

test('keys: none, unknown, publishable, and one merchant never replays another merchant\'s key', async () => {
  await assert.rejects(f.stripeFor('sk_test_' + 'x'.repeat(32)).rawRequest('POST', '/v1/echo', { name: 'x' }), (e: any) => {
    assert.ok(e instanceof Stripe.errors.StripeAuthenticationError);
    assert.match(e.message, /Invalid API Key provided: sk_test_\*+xxxx/);
    return true;
  });
  const none = await fetch(`${f.url}/v1/echo`, { method: 'POST' });
  assert.equal(none.status, 401);
  await assert.rejects(f.stripeFor(f.merchant.publishableKey).rawRequest('POST', '/v1/echo', { name: 'x' }), (e: any) => e.statusCode === 403);
  const other = await f.addMerchant({ name: 'Other' });
  await f.stripe.rawRequest('POST', '/v1/echo', { name: 'x' }, { idempotencyKey: 'shared' });
  const theirs = (await f.stripeFor(other.secretKey).rawRequest('POST', '/v1/echo', { name: 'x' }, { idempotencyKey: 'shared' })) as any;
  assert.equal(theirs.run, 2);
});
