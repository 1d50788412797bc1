import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ACQUIRER_ERROR_CODES } from '../../src/acquirer/errors.ts';
import { BILLING_ERROR_CODES } from '../../src/billing/errors.ts';
import { ISSUER_ERROR_CODES } from '../../src/issuer/errors.ts';
import { AppError, errorRegistry } from '../../src/platform/errors.ts';
import { toHttpError } from '../../src/platform/http/error-mapper.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';

test('every registered code is snake_case with a 4xx/5xx status and a message', () => {
  for (const [code, spec] of Object.entries(errorRegistry([ISSUER_ERROR_CODES, ACQUIRER_ERROR_CODES, BILLING_ERROR_CODES]))) {
    assert.match(code, /^[a-z]+(_[a-z0-9]+)*$/, code);
    assert.ok(spec.status >= 400 && spec.status <= 599, code);
    assert.ok(spec.message.length > 0, code);
  }
});

test('an AppError maps to its own status and body', () => {
  const mapped = toHttpError(new AppError('resource_missing', 'No such customer: cus_1', { param: 'customer' }));
  assert.equal(mapped.status, 404);
  assert.equal(mapped.internal, false);
  assert.deepEqual(mapped.body, {
    error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer: cus_1', param: 'customer' },
  });
  const card = toHttpError(new AppError('parameter_invalid', 'x', { declineCode: 'generic_decline' }));
  assert.equal(card.body.error.decline_code, 'generic_decline');
});

test('unknown errors become a generic 500; their detail never reaches the body', () => {
  for (const thrown of [new Error('relation "cards" does not exist'), 'a string', null, { statusCode: 502, message: 'upstream' }]) {
    const mapped = toHttpError(thrown, { requestId: 'req_1' });
    assert.equal(mapped.status, 500);
    assert.equal(mapped.internal, true);
    assert.equal(mapped.body.error.type, 'api_error');
    assert.equal(mapped.body.error.code, 'internal_error');
    assert.match(mapped.body.error.message, /req_1/);
    assert.doesNotMatch(JSON.stringify(mapped.body), /relation|upstream/);
  }
});

let app: FastifyInstance;
const logLines: string[] = [];

before(async () => {
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => logLines.push(line) } });
  app = await createHttpServer({
    db: { ping: async () => undefined },
    logger,
    version: 'test',
    routes: [
      async (routes) => {
        routes.post(
          '/v1/charges',
          {
            schema: {
              body: {
                type: 'object',
                required: ['amount'],
                properties: {
                  amount: { type: 'integer', minimum: 1 },
                  card: { type: 'object', properties: { number: { type: 'string', minLength: 13 } } },
                  items: { type: 'array', items: { type: 'object', properties: { quantity: { type: 'integer' } } } },
                },
              },
            },
          },
          async () => ({ ok: true }),
        );
        routes.get('/v1/broken', async () => {
          throw new Error('SELECT secret FROM internals failed');
        });
        routes.get('/v1/missing', async () => {
          throw new AppError('resource_missing', 'No such card: card_123', { param: 'card' });
        });
      },
    ],
  });
});

after(async () => {
  await app.close();
});

test('schema validation errors come out as Stripe-style 400s naming the param, table-driven', async () => {
  const cases = [
    { payload: { amount: 0 }, code: 'parameter_invalid', param: 'amount', message: /Invalid amount: must be >= 1/ },
    { payload: { amount: 'ten' }, code: 'parameter_invalid', param: 'amount', message: /Invalid amount/ },
    { payload: { amount: 1, card: { number: '42' } }, code: 'parameter_invalid', param: 'card[number]', message: /card\[number\]/ },
    { payload: { amount: 1, items: [{ quantity: 'x' }] }, code: 'parameter_invalid', param: 'items[0][quantity]', message: /items\[0\]\[quantity\]/ },
    { payload: { card: {} }, code: 'parameter_missing', param: 'amount', message: /^Missing required param: amount\.$/ },
  ];
  for (const { payload, code, param, message } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/charges', payload });
    assert.equal(response.statusCode, 400, JSON.stringify(payload));
    const body = response.json();
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, code);
    assert.equal(body.error.param, param);
    assert.match(body.error.message, message);
  }
});

test('body problems get stable codes instead of Fastify internals', async () => {
  const cases = [
    { headers: { 'content-type': 'application/json' }, payload: '{"amount":', status: 400, code: 'body_invalid' },
    { headers: { 'content-type': 'text/xml' }, payload: '<amount/>', status: 415, code: 'unsupported_media_type' },
    { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ amount: 1, pad: 'x'.repeat(1_100_000) }), status: 413, code: 'body_too_large' },
  ];
  for (const { headers, payload, status, code } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/charges', headers, payload });
    assert.equal(response.statusCode, status, code);
    assert.equal(response.json().error.code, code);
    assert.doesNotMatch(response.body, /FST_/);
  }
});

test('a thrown bug answers 500 internal_error; the detail is only in the log', async () => {
  const response = await app.inject({ method: 'GET', url: '/v1/broken' });
  assert.equal(response.statusCode, 500);
  const body = response.json();
  assert.equal(body.error.type, 'api_error');
  assert.equal(body.error.code, 'internal_error');
  assert.doesNotMatch(response.body, /SELECT|internals/);
  const requestId = response.headers['request-id'];
  assert.match(String(requestId), /^req_/);
  assert.ok(body.error.message.includes(requestId));
  const logged = logLines.map((line) => JSON.parse(line)).find((line) => line.request_id === requestId && line.level === 'error');
  assert.ok(logged, 'the failure is logged with its request id');
  assert.match(logged.err.message, /SELECT secret FROM internals failed/);
  assert.match(logged.err.stack, /error-mapper\.test\.ts/);
});

test('an AppError thrown by a route and an unknown route', async () => {
  const missing = await app.inject({ method: 'GET', url: '/v1/missing' });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), {
    error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such card: card_123', param: 'card' },
  });
  const unknown = await app.inject({ method: 'DELETE', url: '/v1/nothing/here?x=1' });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), {
    error: { type: 'invalid_request_error', code: 'route_not_found', message: 'Unrecognized request URL (DELETE: /v1/nothing/here).' },
  });
});
