import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { DOCS_CSP } from '../../src/platform/http/openapi.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, waitForText } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// The API reference (/docs, Swagger UI) is public, so it must not be a way
// in: a strict Content-Security-Policy on the page and on every file under
// it (scripts from this server only, nothing inline, no eval), and no other
// site may frame it. A real browser renders the whole reference under that
// policy with nothing refused.

let testDb: TestDatabase;
let app: FastifyInstance;
let url: string;

before(async () => {
  testDb = await createTestDatabase();
  app = await createHttpServer({
    db: testDb.db,
    logger: createLogger({ level: 'silent' }),
    version: '9.9.9-test',
    routes: [
      async (routes) => {
        routes.post('/widgets', { schema: { summary: 'Make a widget', body: { type: 'object', properties: { name: { type: 'string' } } } } }, async () => ({ id: 'w_1' }));
      },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await app.close();
  await testDb.cleanup();
});

/** The policy's directives by name. */
function directives(header: unknown): Map<string, string> {
  assert.equal(typeof header, 'string', 'a Content-Security-Policy header');
  return new Map((header as string).split(';').map((part) => part.trim()).filter(Boolean).map((part) => [part.split(/\s+/)[0]!, part.slice(part.indexOf(' ') + 1)]));
}

test('/docs and every file under it carry the strict policy: no inline script, no eval, no framing, nothing from elsewhere', async () => {
  const page = await app.inject({ method: 'GET', url: '/docs' });
  assert.equal(page.statusCode, 200);
  const policy = directives(page.headers['content-security-policy']);
  assert.equal(policy.get('default-src'), "'none'");
  assert.equal(policy.get('script-src'), "'self'");
  assert.equal(policy.get('frame-ancestors'), "'none'");
  assert.equal(policy.get('base-uri'), "'none'");
  assert.equal(policy.get('connect-src'), "'self'");
  for (const [name, value] of policy) assert.doesNotMatch(value, /unsafe-|https?:|\*/, `${name} ${value}`);
  assert.doesNotMatch(page.body, /<script>|<script(?![^>]*\bsrc=)[^>]*>|\son\w+=/i, 'the page has no inline script or handler');

  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  assert.ok(assets.length >= 5, assets.join(' '));
  for (const asset of [...assets, '/docs/json', '/docs/static/oauth2-redirect.html']) {
    const answer = await app.inject({ method: 'GET', url: asset });
    assert.equal(answer.statusCode, 200, asset);
    assert.equal(answer.headers['content-security-policy'], DOCS_CSP, asset);
  }
  // The policy is the reference's own: other routes keep theirs.
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).headers['content-security-policy'], undefined);
});

test('the reference renders in Chromium under that policy: operations listed and expanded, nothing refused, no request elsewhere', { timeout: 120_000, skip: NO_CHROMIUM }, async () => {
  const profile = mkdtempSync(join(tmpdir(), 'cardlane-docs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    const elsewhere: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(url) && !request.url().startsWith('data:')) elsewhere.push(request.url());
    });
    await page.goto(`${url}/docs`);
    await waitForText(page, '.swagger-ui .info .title', /Cardlane/);
    // Open an operation and "Try it out": the most script and markup the page renders.
    await page.click('.opblock-summary-path >> text=/widgets');
    await page.click('button.try-out__btn');
    await page.locator('.execute').waitFor({ state: 'visible' });
    await page.click('.execute');
    await waitForText(page, '.responses-wrapper .live-responses-table', /200/);
    assert.deepEqual(problems, []);
    assert.deepEqual(elsewhere, []);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
