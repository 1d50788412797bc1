import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import Fastify from 'fastify';
import { APP_CONTENT_SECURITY_POLICY, appPageRoutes, billingPageRoutes, pickAppLanguage, webPageContentSecurityPolicy } from '../../src/web/index.ts';

test('the app speaks Chinese unless the reader prefers English', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'zh-CN'],
    ['', 'zh-CN'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-FR,fr;q=0.9', 'zh-CN'],
    ['fr;q=1, en;q=0.5, zh;q=0.4', 'en'],
    ['en;q=0.3, zh-TW;q=0.8', 'zh-CN'],
    ['en;q=0', 'zh-CN'],
    ['EN', 'en'],
  ];
  for (const [header, expected] of cases) assert.equal(pickAppLanguage(header), expected, String(header));
});

const built = existsSync(new URL('../../dist/web/app/assets/app.js', import.meta.url));

test('/app: the document with its language, a strict CSP and no framing; the bundle compressed', { skip: built ? false : 'run `npm run build` first' }, async () => {
  const app = Fastify();
  await app.register(appPageRoutes({ sandbox: true }));
  try {
    const page = await app.inject({ url: '/app', headers: { 'accept-language': 'en-US,en;q=0.9' } });
    assert.equal(page.statusCode, 200);
    // The sandbox hints name this server (sandbox-cli-options.ts): nothing to add for one on the default data directory and address.
    assert.match(page.body, /<html lang="en" data-sandbox="true" data-cli-options="">/);
    assert.equal(page.headers['content-security-policy'], APP_CONTENT_SECURITY_POLICY);
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['cache-control'], 'no-store');
    // No inline script: every <script> has a src.
    assert.equal([...page.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)].length, 0);
    const zh = await app.inject({ url: '/app/' });
    assert.match(zh.body, /<html lang="zh-CN"/);

    const js = await app.inject({ url: '/app/assets/app.js', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-encoding'], 'br');
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.ok(js.rawPayload.length < 100 * 1024, `first-load JS is ${js.rawPayload.length} bytes compressed`);
    const plain = await app.inject({ url: '/app/assets/app.css' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal((await app.inject({ url: '/app/assets/secrets.json' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/app/assets/..%2F..%2Fpackage.json' })).statusCode, 404);
  } finally {
    await app.close();
  }
});

const billingBuilt = existsSync(new URL('../../dist/web/billing/assets/app.js', import.meta.url));

test('/billing: served as the app is — the reader’s language, the same strict CSP plus the payment provider’s origin once known', { skip: billingBuilt ? false : 'run `npm run build` first' }, async () => {
  let provider: string | null = null;
  const app = Fastify();
  await app.register(billingPageRoutes({ providerOrigin: () => provider }));
  try {
    const early = await app.inject({ url: '/billing', headers: { 'accept-language': 'en-US,en;q=0.9' } });
    assert.equal(early.statusCode, 200);
    assert.match(early.body, /<html lang="en">/);
    assert.equal(early.headers['content-security-policy'], APP_CONTENT_SECURITY_POLICY, 'no provider yet: this origin only');
    assert.equal([...early.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)].length, 0);
    provider = 'http://127.0.0.1:4400';
    const later = await app.inject({ url: '/billing/' });
    assert.match(later.body, /<html lang="zh-CN">/);
    assert.equal(later.headers['content-security-policy'], webPageContentSecurityPolicy(['http://127.0.0.1:4400']));
    assert.match(String(later.headers['content-security-policy']), /connect-src 'self' http:\/\/127\.0\.0\.1:4400; .*frame-ancestors 'none'/);
    const js = await app.inject({ url: '/billing/assets/app.js', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(js.headers['content-encoding'], 'gzip');
    assert.ok(js.rawPayload.length < 100 * 1024, `first-load JS is ${js.rawPayload.length} bytes gzipped`);
    assert.equal((await app.inject({ url: '/billing/assets/index.html' })).statusCode, 404);
  } finally {
    await app.close();
  }
});
