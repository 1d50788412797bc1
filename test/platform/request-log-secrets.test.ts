import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { loggableUrl } from '../../src/platform/log-redaction.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * The request log's `url` is written as the client sent it. An attacker (or a
 * careless integration) can put a card number into a URL percent-encoded —
 * `4530%200000%201790%203312`, `4530+0000+…` in a query — where the line
 * scrubber, which looks for digits with single spaces or dashes, does not see
 * it; and Stripe.js's own retrieve sends an intent's `client_secret` in the
 * query. Neither may reach the log.
 */

const PAN = '4530000017903312';
const SECRET = 'pi_01M96J1MJF965MY47AH8YXRFA2_secret_1ui8GFoiGEfDt2QCnySvoh';

let testDb: TestDatabase;
let app: FastifyInstance;
const lines: string[] = [];

before(async () => {
  testDb = await createTestDatabase();
  app = await createHttpServer({
    db: testDb.db,
    logger: createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } }),
    version: 'test',
    routes: [
      async (routes) => {
        routes.get('/things/:id', async (request) => ({ id: (request.params as { id: string }).id }));
      },
    ],
  });
});

after(async () => {
  await app.close();
  await testDb.cleanup();
});

function loggedUrls(): string[] {
  return lines.map((line) => JSON.parse(line) as { url?: string; req?: { url?: string } }).flatMap((record) => [record.url, record.req?.url].filter((url): url is string => url !== undefined));
}

test('request log: a card number percent-encoded in the path or query is masked like any other', async () => {
  lines.length = 0;
  const urls = [
    '/things/4530%200000%201790%203312',
    '/things/4530%2D0000%2D1790%2D3312',
    '/things/x?email=4530+0000+1790+3312',
    '/things/x?card%5Bnumber%5D=4530000017903312',
    '/things/x?q=4530%25200000%25201790%25203312',
    '/nowhere/4530%200000%201790%203312',
  ];
  for (const url of urls) await app.inject({ method: 'GET', url });
  const logged = loggedUrls();
  assert.ok(logged.length >= urls.length, `every request is logged (${logged.length})`);
  const digitsOf = (text: string) => text.replace(/%2[0D]|%25|[^0-9]/gi, '');
  for (const url of logged) assert.ok(!digitsOf(url).includes(PAN), `card number in the log: ${url}`);
  assert.ok(logged.some((url) => url.includes('453000******3312')), 'the masked number (BIN and last 4) stays readable');
});

test('request log: client_secret and other secret query parameters are redacted, the rest stays readable', async () => {
  lines.length = 0;
  await app.inject({ method: 'GET', url: `/things/pi_1?client_secret=${SECRET}&expand%5B%5D=customer&limit=3` });
  await app.inject({ method: 'GET', url: `/things/pi_1?payment_intent_client_secret=${SECRET}&token=abc&api_key=sk_test_x` });
  const logged = loggedUrls();
  assert.ok(logged.length >= 2);
  for (const url of logged) {
    assert.ok(!url.includes('_secret_'), `client secret in the log: ${url}`);
    assert.ok(!url.includes('sk_test_x') && !url.includes('token=abc'), `secret in the log: ${url}`);
  }
  assert.ok(logged.some((url) => url.startsWith('/things/pi_1?') && url.includes('client_secret=[REDACTED]') && url.includes('limit=3')), logged.join('\n'));
});

test('loggableUrl keeps ordinary URLs as they were and copes with broken escapes', () => {
  assert.equal(loggableUrl('/v1/customers?limit=3&starting_after=cus_1'), '/v1/customers?limit=3&starting_after=cus_1');
  assert.equal(loggableUrl('/issuer/v1/operator/sms?phone=%2B8613800000001'), '/issuer/v1/operator/sms?phone=%2B8613800000001');
  assert.equal(loggableUrl('/v1/x/%E0%A4%A'), '/v1/x/%E0%A4%A');
  assert.equal(loggableUrl('/v1/x?client_secret=%ZZ'), '/v1/x?client_secret=[REDACTED]');
  assert.equal(loggableUrl(`/v1/x/${'%20'.repeat(3)}`), '/v1/x/%20%20%20');
});
