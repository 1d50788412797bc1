import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { billingMemberRoutes } from '../../src/billing/http/member-routes.ts';
import { readMemberMailbox, SandboxMemberMailer } from '../../src/billing/members/member-mail.ts';
import type { MemberDeps } from '../../src/billing/members/member-sign-in.ts';
import { addMember } from '../../src/billing/members/members.ts';
import { installOperatorKeys } from '../../src/issuer/identity/operator-keys.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW, OTP_SENDS_PER_RECIPIENT_PER_WINDOW } from '../../src/platform/identity/one-time-codes.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

// A member signs in with a code mailed to their address. The address's five
// codes an hour were everyone's: anyone who knew it could ask for five and
// lock the member out of the billing page for an hour. Now each client has
// its own five; ten in all from every client still cap what one mailbox gets.

let f: BillingFixture;
let app: FastifyInstance;
beforeEach(async () => {
  f = await billingFixture();
  const random = seededRandom(61);
  const ids = new IdGenerator(f.clock, random);
  const deps: MemberDeps = { clock: f.clock, ids, random, otpPepper: Buffer.alloc(32, 61), mailer: new SandboxMemberMailer(ids) };
  app = await createHttpServer({ db: f.db, logger: createLogger({ level: 'silent' }), version: 'test', routes: [{ plugin: billingMemberRoutes(f.db, deps, installOperatorKeys), prefix: '/billing/v1' }] });
});
afterEach(async () => {
  await app.close();
  await f.cleanup();
});

const MEMBER = 'owner@example.com';

async function post(path: string, remoteAddress: string, payload: Record<string, string>) {
  const answer = await app.inject({ method: 'POST', url: `/billing/v1${path}`, remoteAddress, payload });
  return { status: answer.statusCode, body: answer.json(), retryAfter: answer.headers['retry-after'] };
}

/** Asks for a code for the member from `address`, the resend cooldown waited out first. */
function askCode(address: string) {
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  return post('/sessions/code', address, { email: MEMBER });
}

test("someone asking for the member's codes from their own client spends only that client's budget: the member still signs in", async () => {
  const { orgId } = await f.newOrg('Acme');
  await f.db.transaction((tx) => addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId, email: MEMBER, role: 'owner' }));

  for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_PER_WINDOW; i++) assert.equal((await askCode('198.51.100.66')).status, 200);
  const refused = await askCode('198.51.100.66');
  assert.deepEqual([refused.status, refused.body.error.code], [429, 'rate_limited']);
  assert.ok(Number(refused.retryAfter) > 0, 'with Retry-After');

  // Before: 429 rate_limited here too, for the rest of the hour.
  const mine = await askCode('192.0.2.10');
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  const [letter] = await readMemberMailbox(f.db, MEMBER, 1);
  const code = /\b(\d{6})\b/.exec(letter!.subject)![1]!;
  const session = await post('/sessions', '192.0.2.10', { email: MEMBER, code });
  assert.equal(session.status, 200, JSON.stringify(session.body));
});

test('the mailbox keeps a ceiling: ten codes an hour from all clients together', async () => {
  const clients = ['198.51.100.1', '198.51.100.2'];
  for (const client of clients) for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_ALL_ADDRESSES_PER_WINDOW / clients.length; i++) assert.equal((await askCode(client)).status, 200);
  const third = await askCode('198.51.100.3');
  assert.deepEqual([third.status, third.body.error.code], [429, 'rate_limited']);
  assert.match(third.body.error.message, /Too many codes were sent to this address/);
  assert.ok(Number(third.retryAfter) > 0);
});
