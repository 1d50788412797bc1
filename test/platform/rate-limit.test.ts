import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.ts';
import { clientKey, RateLimiter } from '../../src/platform/http/rate-limit.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { endpoint, registerEndpoints } from '../../src/platform/http/typed-route.ts';
import { createLogger } from '../../src/platform/logger.ts';

// The platform's per-client-address limit for routes anyone may call.

const policy = { name: 'test', burst: 3, perWindow: 6, windowMs: 60_000 };

test('a burst, then one request per window/perWindow; Retry-After says when', () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter(policy, clock);
  for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('203.0.113.7'), { ok: true });
  assert.deepEqual(limiter.take('203.0.113.7'), { ok: false, retryAfterMs: 10_000 });
  assert.deepEqual(limiter.take('198.51.100.1'), { ok: true }, 'another address has its own bucket');
  clock.advanceMs(9_999);
  assert.equal(limiter.take('203.0.113.7').ok, false);
  clock.advanceMs(1);
  assert.deepEqual(limiter.take('203.0.113.7'), { ok: true }, 'one request back after 10 s');
  assert.equal(limiter.take('203.0.113.7').ok, false);
  clock.advanceMs(24 * 60 * 60 * 1000);
  for (let i = 0; i < 3; i++) assert.equal(limiter.take('203.0.113.7').ok, true, 'refills to the burst, not beyond');
  assert.equal(limiter.take('203.0.113.7').ok, false);
});

test('the table of addresses is bounded: the address seen longest ago is forgotten', () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ ...policy, burst: 1, maxClients: 100 }, clock);
  assert.equal(limiter.take('10.0.0.1').ok, true);
  assert.equal(limiter.take('10.0.0.1').ok, false);
  for (let i = 0; i < 1_000; i++) limiter.take(`10.1.${i >> 8}.${i & 255}`);
  assert.equal(limiter.size, 100);
  assert.equal(limiter.take('10.0.0.1').ok, true, 'forgotten, so a fresh bucket: bounded memory costs at most that');
});

test('IPv6 clients are counted by their /64; IPv4 and IPv4-mapped addresses as they are', () => {
  assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.equal(clientKey('::ffff:127.0.0.1'), '::ffff:127.0.0.1');
  assert.equal(clientKey('192.0.2.1'), '192.0.2.1');
  assert.equal(clientKey(''), 'unknown');
  const limiter = new RateLimiter({ ...policy, burst: 1 }, new ManualClock());
  assert.equal(limiter.take('2001:db8:1:2::10').ok, true);
  assert.equal(limiter.take('2001:db8:1:2::99').ok, false, 'same /64');
  assert.equal(limiter.take('2001:db8:1:3::10').ok, true, 'another /64');
});

test('a policy that is not whole positive numbers is refused', () => {
  assert.throws(() => new RateLimiter({ ...policy, burst: 0 }, new ManualClock()), RangeError);
  assert.throws(() => new RateLimiter({ ...policy, windowMs: 1.5 }, new ManualClock()), RangeError);
});

test('an endpoint with a rateLimit answers 429 rate_limited with Retry-After before its handler runs, and documents the limit', async () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ ...policy, burst: 2 }, clock);
  let handled = 0;
  const app = await createHttpServer({
    db: { ping: async () => undefined },
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      async (app) =>
        registerEndpoints(app, [
          endpoint({
            method: 'POST',
            url: '/public',
            auth: null,
            rateLimit: limiter,
            schema: { summary: 'public', description: 'Anyone may call it.' },
            optionalBody: true,
            handler: async () => ({ handled: ++handled }),
          }),
        ]),
    ],
  });
  try {
    const post = (ip: string) => app.inject({ method: 'POST', url: '/public', remoteAddress: ip });
    assert.equal((await post('192.0.2.1')).statusCode, 200);
    assert.equal((await post('192.0.2.1')).statusCode, 200);
    const refused = await post('192.0.2.1');
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], '10');
    assert.equal(refused.json().error.code, 'rate_limited');
    assert.equal(refused.json().error.type, 'rate_limit_error');
    assert.equal(handled, 2, 'the handler did not run');
    assert.equal((await post('192.0.2.2')).statusCode, 200, 'another address is not limited');

    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Record<string, any>;
    assert.match(doc.paths['/public'].post.description, /^Anyone may call it\. Rate-limited per client address: 2 at once, then 6 per minute/);
  } finally {
    await app.close();
  }
});
