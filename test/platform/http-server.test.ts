import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

const silent = createLogger({ level: 'silent' });
let testDb: TestDatabase;
let app: FastifyInstance;

before(async () => {
  testDb = await createTestDatabase();
  app = await createHttpServer({
    db: testDb.db,
    logger: silent,
    version: '9.9.9-test',
    routes: [
      {
        prefix: '/widgets/v1',
        plugin: async (routes) => {
          routes.get(
            '/widgets/:id',
            {
              schema: {
                summary: 'Retrieve a widget',
                params: { type: 'object', properties: { id: { type: 'string' } } },
                response: { 200: { type: 'object', properties: { id: { type: 'string' } } }, 404: { $ref: 'ErrorResponse#' } },
              },
            },
            async (request) => ({ id: (request.params as { id: string }).id }),
          );
        },
      },
    ],
  });
});

after(async () => {
  await app.close();
  await testDb.cleanup();
});

test('/healthz says the process is alive', async () => {
  const response = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { status: 'ok' });
  assert.match(String(response.headers['request-id']), /^req_[0-9A-Z]{26}$/);
});

test('/readyz pings the database', async () => {
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { status: 'ok', checks: { database: 'ok' } });
});

test('/readyz answers 503 database_unavailable when the database fails or hangs', async () => {
  const failing = { ping: () => Promise.reject(new Error('connect ECONNREFUSED')) };
  const hanging = { ping: () => new Promise<void>(() => undefined) };
  for (const db of [failing, hanging]) {
    const server = await createHttpServer({ db, logger: silent, version: 'test', readinessTimeoutMs: 50 });
    try {
      const response = await server.inject({ method: 'GET', url: '/readyz' });
      assert.equal(response.statusCode, 503);
      assert.deepEqual(response.json(), {
        error: { type: 'api_error', code: 'database_unavailable', message: 'The database is not reachable; retry shortly.' },
      });
      assert.equal((await server.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'still alive');
    } finally {
      await server.close();
    }
  }
});

test('/metrics serves Prometheus text with default metrics, request durations and module metrics', async () => {
  const widgets = new Counter({ name: 'cardlane_test_widgets_total', help: 'test', registers: [app.metrics] });
  widgets.inc(3);
  await app.inject({ method: 'GET', url: '/healthz' });
  await app.inject({ method: 'GET', url: '/widgets/v1/widgets/w_1' });
  await app.inject({ method: 'GET', url: '/no/such/route' });
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^text\/plain/);
  const text = response.body;
  assert.match(text, /^process_cpu_user_seconds_total \d/m);
  assert.match(text, /^cardlane_build_info\{version="9\.9\.9-test"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_count\{route="\/healthz",method="GET",status_code="200"\} \d+$/m);
  assert.match(text, /^http_request_duration_seconds_count\{route="\/widgets\/v1\/widgets\/:id",method="GET",status_code="200"\} 1$/m);
  assert.match(text, /^http_request_duration_seconds_count\{route="\(unmatched\)",method="GET",status_code="404"\} \d+$/m);
  assert.match(text, /^cardlane_test_widgets_total 3$/m);
});

test('/openapi.json documents every route from its schemas; /docs is served from local files', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  assert.equal(doc.openapi, '3.0.3');
  assert.equal(doc.info.version, '9.9.9-test');
  for (const path of ['/healthz', '/readyz', '/metrics', '/widgets/v1/widgets/{id}']) assert.ok(doc.paths[path], path);
  assert.equal(doc.paths['/widgets/v1/widgets/{id}'].get.summary, 'Retrieve a widget');
  assert.ok(doc.components.schemas.ErrorResponse, 'the shared error schema is a named component');
  assert.equal(doc.paths['/openapi.json'], undefined, 'the document does not list itself');

  const page = await app.inject({ method: 'GET', url: '/docs' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]!);
  assert.ok(scripts.length > 0);
  for (const src of scripts) {
    assert.ok(src.startsWith('/docs/'), `${src} is served by us, not a CDN`);
    const asset = await app.inject({ method: 'GET', url: src });
    assert.equal(asset.statusCode, 200, src);
  }
});

test('closing: new requests are turned away, requests in flight finish, then the server stops', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  const server = await createHttpServer({
    db: testDb.db,
    logger: silent,
    version: 'test',
    routes: [
      async (routes) => {
        routes.get('/slow', async () => {
          entered();
          await gate;
          return { done: true };
        });
      },
    ],
  });
  let closingStarted!: () => void;
  const closing = new Promise<void>((resolve) => (closingStarted = resolve));
  // Runs after the server's own preClose hook, which switches it to closing mode.
  server.addHook('preClose', async () => closingStarted());
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as AddressInfo;
  const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
  await inHandler;
  const closed = server.close();
  await closing;
  const late = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
  // A new connection is refused outright, or (racing the listener's close) answered 503.
  if (late !== null) {
    assert.equal(late.status, 503);
    assert.equal(((await late.json()) as { error: { code: string } }).error.code, 'service_unavailable');
  }
  release();
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { done: true });
  assert.equal(response.headers.get('connection'), 'close', 'clients are told to reconnect elsewhere');
  await closed;
});
