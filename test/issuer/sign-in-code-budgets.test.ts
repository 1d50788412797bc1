import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW, OTP_SENDS_PER_RECIPIENT_PER_WINDOW } from '../../src/platform/identity/one-time-codes.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { identityFixture, PHONE_A, type IdentityFixture } from '../support/identity-fixture.ts';

// A cardholder signs in with a code sent by SMS. The phone's five codes an
// hour were everyone's: anyone who knew the number could ask for five and
// keep the cardholder out of their card for an hour. Now each client has its
// own five, and ten in all still cap the SMS a phone receives.

let f: IdentityFixture;
let app: FastifyInstance;
beforeEach(async () => {
  f = await identityFixture(71);
  app = await createHttpServer({ db: f.db, logger: createLogger({ level: 'silent' }), version: 'test', routes: [{ plugin: identityRoutes({ db: f.db, deps: f.deps }), prefix: '/issuer/v1' }] });
});
afterEach(async () => {
  await app.close();
  await f.cleanup();
});

async function post(path: string, remoteAddress: string, payload: Record<string, string>) {
  const answer = await app.inject({ method: 'POST', url: `/issuer/v1${path}`, remoteAddress, payload });
  return { status: answer.statusCode, body: answer.json(), retryAfter: answer.headers['retry-after'] };
}

function askCode(address: string) {
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  return post('/sessions/code', address, { phone: PHONE_A });
}

test("someone asking for a cardholder's codes spends only their own client's budget: the cardholder still signs in", async () => {
  for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_PER_WINDOW; i++) assert.equal((await askCode('198.51.100.66')).status, 200);
  const refused = await askCode('198.51.100.66');
  assert.deepEqual([refused.status, refused.body.error.code], [429, 'rate_limited']);
  assert.ok(Number(refused.retryAfter) > 0, 'with Retry-After');

  // Before: 429 rate_limited here too, for the rest of the hour.
  const mine = await askCode('192.0.2.10');
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  const signedIn = await post('/sessions', '192.0.2.10', { phone: PHONE_A, code: await f.lastCode(PHONE_A) });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
});

test('the phone keeps a ceiling: ten codes an hour from all clients together', async () => {
  const clients = ['198.51.100.1', '198.51.100.2'];
  for (const client of clients) for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW / clients.length; i++) assert.equal((await askCode(client)).status, 200);
  const third = await askCode('198.51.100.3');
  assert.deepEqual([third.status, third.body.error.code], [429, 'rate_limited']);
  assert.ok(Number(third.retryAfter) > 0);
});
