import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { renderDdl } from '../../src/platform/db/migrations.ts';
import { RateLimiter, clientKey, networkKey, takeFromEach } from '../../src/platform/http/rate-limit.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { endpoint, registerEndpoints } from '../../src/platform/http/typed-route.ts';
import {
  canResend,
  checkSendAllowed,
  hashCode,
  OTP_RATE_WINDOW_MS,
  OTP_RESEND_COOLDOWN_MS,
  OTP_SENDS_PER_ADDRESS_PER_WINDOW,
  OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW,
  OTP_SENDS_PER_RECIPIENT_PER_WINDOW,
} from '../../src/platform/identity/one-time-codes.ts';
import { OtpStore } from '../../src/platform/identity/otp-store.ts';
import { seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// Budgets that several clients share must not be ones a single client can
// spend for all of them: each client gets its own budget in front of the
// shared one, which stays as a ceiling (SECURITY.md, "Rate limits: whose
// budget is whose"). Here the platform's pieces: taking from several buckets
// at once, counting IPv6 networks, one-time codes' send budgets per client,
// and the client address itself (a forged X-Forwarded-For is not believed).

const perMinute = (name: string, burst: number) => ({ name, burst, perWindow: burst, windowMs: 60_000 });

test('takeFromEach takes from every bucket or from none, and names the one that refused with the longest wait', () => {
  const clock = new ManualClock();
  const client = new RateLimiter(perMinute('client', 2), clock);
  const ceiling = new RateLimiter(perMinute('ceiling', 3), clock);
  const take = (who: string) => takeFromEach([[client, who], [ceiling, 'shared']]);

  assert.deepEqual(take('a'), { ok: true });
  assert.deepEqual(take('a'), { ok: true });
  const spent = take('a');
  assert.ok(!spent.ok && spent.limiter === client && spent.retryAfterMs === 30_000);
  assert.equal(ceiling.waitMs('shared'), 0, "a client refused by its own budget took nothing from the shared one");
  assert.deepEqual(take('b'), { ok: true }, 'another client still gets through');

  const full = take('c');
  assert.ok(!full.ok && full.limiter === ceiling, 'the ceiling still holds');
  assert.equal(client.waitMs('c'), 0);
  clock.advanceMs(20_000);
  assert.deepEqual(take('c'), { ok: true }, "a request the ceiling refused cost its client nothing: c's two are whole");
  assert.equal(take('c').ok, false, 'the ceiling refills one request every 20 s');
  clock.advanceMs(20_000);
  assert.deepEqual(take('c'), { ok: true });
});

test('keys are taken as they are: a key hash and a client make one key, never cut short', () => {
  const limiter = new RateLimiter(perMinute('pair', 1), new ManualClock());
  const hash = 'f'.repeat(64);
  assert.deepEqual(takeFromEach([[limiter, `${hash} ${clientKey('192.0.2.1')}`]]), { ok: true });
  assert.deepEqual(takeFromEach([[limiter, `${hash} ${clientKey('192.0.2.2')}`]]), { ok: true }, 'another client with the same key has its own bucket');
  assert.equal(takeFromEach([[limiter, `${hash} ${clientKey('192.0.2.1')}`]]).ok, false);
});

test('networkKey counts an IPv6 address by its /48, so a household rotating the 256 /64s of its /56 counts once; IPv4 as clientKey does', () => {
  assert.equal(networkKey('2001:db8:aa:1::1'), '2001:db8:aa::/48');
  assert.equal(networkKey('2001:0db8:00aa:ff00:1:2:3:4'), '2001:db8:aa::/48');
  assert.notEqual(networkKey('2001:db8:ab:1::1'), networkKey('2001:db8:aa:1::1'));
  assert.equal(networkKey('192.0.2.1'), '192.0.2.1');
  assert.equal(networkKey('::ffff:192.0.2.1'), '::ffff:192.0.2.1');
  assert.equal(networkKey(''), 'unknown');
});

test('the client address is the socket peer: a forged X-Forwarded-For buys no fresh budget', async () => {
  const limiter = new RateLimiter(perMinute('forwarded', 2), new ManualClock());
  const app = await createHttpServer({
    db: { ping: async () => undefined },
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      async (app) =>
        registerEndpoints(app, [
          endpoint({ method: 'POST', url: '/public', auth: null, rateLimit: limiter, schema: { summary: 'public', description: 'Anyone.' }, optionalBody: true, handler: async (request) => ({ ip: request.ip }) }),
        ]),
    ],
  });
  try {
    const post = (forwardedFor: string, remoteAddress = '203.0.113.9') =>
      app.inject({ method: 'POST', url: '/public', remoteAddress, headers: { 'x-forwarded-for': forwardedFor, forwarded: `for=${forwardedFor}` } });
    const first = await post('198.51.100.1');
    assert.deepEqual([first.statusCode, first.json().ip], [200, '203.0.113.9'], 'the header is not the address');
    assert.equal((await post('198.51.100.2')).statusCode, 200);
    const third = await post('198.51.100.3');
    assert.deepEqual([third.statusCode, third.json().error.code, third.headers['retry-after']], [429, 'rate_limited', '30']);
    assert.equal((await post('198.51.100.4', '203.0.113.10')).statusCode, 200, 'another peer has its own budget');
  } finally {
    await app.close();
  }
});

// ---- One-time codes: a person's sending budget, per client ----

test('send limits with a per-client budget, as a property: allowed exactly when every rule allows; retryAfterMs is exact', () => {
  const hour = OTP_RATE_WINDOW_MS;
  const seen = new Set<string>();
  const sendTimes = (maxLength: number) => fc.array(fc.integer({ min: hour, max: 2 * hour }), { maxLength, size: 'max' });
  fc.assert(
    fc.property(sendTimes(8), sendTimes(10), sendTimes(30), fc.integer({ min: 2 * hour, max: 2 * hour + 30 * 60_000 }), (pair, others, addressOthers, now) => {
      // The client's own sends to the recipient are among the recipient's and among the address's.
      const recipient = [...pair, ...others];
      const address = [...pair, ...addressOthers];
      const recent = (sends: number[], at: number) => sends.filter((t) => at - t < hour).length;
      const last = recipient.length === 0 ? undefined : Math.max(...recipient);
      const decision = checkSendAllowed({ nowMs: now, recipientSentAtMs: recipient, pairSentAtMs: pair, addressSentAtMs: address });
      const recipientOk = (at: number) => recent(pair, at) < OTP_SENDS_PER_RECIPIENT_PER_WINDOW && recent(recipient, at) < OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW;
      const addressOk = (at: number) => recent(address, at) < OTP_SENDS_PER_ADDRESS_PER_WINDOW;
      assert.equal(decision.ok, canResend(last, now) && recipientOk(now) && addressOk(now));
      seen.add(decision.ok ? 'ok' : decision.reason);
      if (!decision.ok) {
        const passes = decision.reason === 'resend_cooldown' ? (at: number) => canResend(last, at) : decision.reason === 'recipient_rate_limit' ? recipientOk : addressOk;
        assert.equal(passes(now + decision.retryAfterMs), true);
        assert.equal(passes(now + decision.retryAfterMs - 1), false);
      }
    }),
    { numRuns: 500 },
  );
  assert.deepEqual([...seen].sort(), ['address_rate_limit', 'ok', 'recipient_rate_limit', 'resend_cooldown'], 'every outcome was exercised');
});

const T0 = Date.UTC(2026, 0, 1);
const PEPPER = Buffer.alloc(32, 5);
const store = new OtpStore({ table: 'budget_codes', recipientColumn: 'mailbox', recipientLock: (r) => `budget:recipient:${r}`, addressLock: (a) => `budget:address:${a}` });
const TABLE = `
CREATE TABLE budget_codes (
  id {{serial}},
  mailbox TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  client_address TEXT NOT NULL,
  sent_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  locked_at_ms BIGINT,
  consumed_at_ms BIGINT,
  voided_at_ms BIGINT
);`;

let t: TestDatabase;
let db: Database;
beforeEach(async () => {
  t = await createTestDatabase();
  db = t.db;
  await db.transaction((tx) => tx.exec(renderDdl(tx.dialect, TABLE)));
});
afterEach(async () => {
  await t.cleanup();
});

const random = seededRandom(3);
function issue(mailbox: string, clientAddress: string, nowMs: number) {
  return db.transaction((tx) => store.issue(tx, random, { recipient: mailbox, clientAddress, nowMs, hash: (code) => hashCode(PEPPER, mailbox, 'sign_in', code) }));
}

test("one client spends only its own five codes to a person: the person's own client still gets one, and the ceiling of ten holds", async () => {
  const victim = 'victim@example.com';
  let at = T0;
  for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_PER_WINDOW; i++, at += OTP_RESEND_COOLDOWN_MS) assert.ok((await issue(victim, '198.51.100.66', at)).ok);
  const attackerAgain = await issue(victim, '198.51.100.66', at);
  assert.ok(!attackerAgain.ok && attackerAgain.reason === 'recipient_rate_limit', 'the attacking client has spent its own budget');
  // Before: the mailbox's five were everyone's, and the person could not get a code for the rest of the hour.
  assert.ok((await issue(victim, '192.0.2.10', at)).ok, "the person's own client was not locked out");
  at += OTP_RESEND_COOLDOWN_MS;

  // A ceiling remains, for what a person receives: a second client takes the rest of the ten; a third is refused.
  for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW - OTP_SENDS_PER_RECIPIENT_PER_WINDOW - 1; i++, at += OTP_RESEND_COOLDOWN_MS) {
    assert.ok((await issue(victim, '203.0.113.20', at)).ok);
  }
  const third = await issue(victim, '203.0.113.30', at);
  assert.deepEqual(third, { ok: false, reason: 'recipient_rate_limit', retryAfterMs: OTP_RATE_WINDOW_MS - (at - T0) });
  assert.ok((await issue('someone-else@example.com', '203.0.113.30', at)).ok, "another person's budget is untouched");
});

test('the resend cooldown stays per person, whoever asked: one code a minute reaches anyone', async () => {
  assert.ok((await issue('p@example.com', '198.51.100.1', T0)).ok);
  const soon = await issue('p@example.com', '198.51.100.2', T0 + 1_000);
  assert.deepEqual(soon, { ok: false, reason: 'resend_cooldown', retryAfterMs: OTP_RESEND_COOLDOWN_MS - 1_000 });
});

test("IPv6 addresses in one /64 are one client for a code's budgets: rotating them buys nothing", async () => {
  // Before, each of a /64's addresses was a client of its own: twenty codes an hour each, without end.
  for (let i = 0; i < OTP_SENDS_PER_ADDRESS_PER_WINDOW; i++) assert.ok((await issue(`user${i}@example.com`, `2001:db8:7:7::${(i + 1).toString(16)}`, T0 + i)).ok);
  const rotated = await issue('one-more@example.com', '2001:db8:7:7:ffff::1', T0 + 100);
  assert.ok(!rotated.ok && rotated.reason === 'address_rate_limit');
  assert.ok((await issue('one-more@example.com', '2001:db8:7:8::1', T0 + 100)).ok, 'another /64 is another client');

  // And the person's budget per client: five from one /64, however its addresses rotate.
  let at = T0 + OTP_RATE_WINDOW_MS;
  for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_PER_WINDOW; i++, at += OTP_RESEND_COOLDOWN_MS) assert.ok((await issue('v@example.com', `2001:db8:9:9::${i + 1}`, at)).ok);
  const sixth = await issue('v@example.com', '2001:db8:9:9::99', at);
  assert.ok(!sixth.ok && sixth.reason === 'recipient_rate_limit');
});
