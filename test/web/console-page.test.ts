import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import Fastify from 'fastify';
import { APP_CONTENT_SECURITY_POLICY, CONSOLE_PATH, consolePageRoutes } from '../../src/web/index.ts';
import { EVIDENCE_FIELDS } from '../../src/acquirer/disputes/dispute-store.ts';

// The operator console's document and strings. Its browser modules are type-checked by their own tsconfig (with the DOM), so
// they are loaded here at run time only.
type T = (key: string, vars?: Record<string, string | number>) => string;
const strings = (await import(new URL('../../src/web/console/strings.ts', import.meta.url).href)) as {
  translator: (lang: string) => T;
  errorWording: (t: T, status: number, error: { code?: string; message?: string } | null) => string;
  evidenceLabel: (t: T, field: string) => string;
};
const source = (await import('node:fs')).readFileSync(new URL('../../src/web/console/strings.ts', import.meta.url), 'utf8');

const built = existsSync(new URL('../../dist/web/console/assets/app.js', import.meta.url));

test('/console: the reader’s language, the strict CSP every page has (this origin only), no framing, never cached; the bundle small', { skip: built ? false : 'run `npm run build` first' }, async () => {
  const app = Fastify();
  await app.register(consolePageRoutes());
  try {
    assert.equal(CONSOLE_PATH, '/console');
    const page = await app.inject({ url: '/console', headers: { 'accept-language': 'en-US,en;q=0.9' } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<html lang="en">/);
    assert.equal(page.headers['content-security-policy'], APP_CONTENT_SECURITY_POLICY);
    assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal([...page.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)].length, 0, 'no inline script');
    assert.doesNotMatch(page.body, /\sstyle=/, 'no inline style');
    assert.match((await app.inject({ url: '/console/' })).body, /<html lang="zh-CN">/);
    const js = await app.inject({ url: '/console/assets/app.js', headers: { 'accept-encoding': 'br' } });
    assert.equal(js.headers['content-encoding'], 'br');
    assert.ok(js.rawPayload.length < 100 * 1024, `first-load JS is ${js.rawPayload.length} bytes compressed`);
    assert.equal((await app.inject({ url: '/console/assets/index.html' })).statusCode, 404);
  } finally {
    await app.close();
  }
});

test('every string in both languages, the same placeholders in each, Chinese in the Chinese', () => {
  const en = strings.translator('en');
  const zh = strings.translator('zh-CN');
  const keys = [...source.slice(source.indexOf('const en = {'), source.indexOf('export type StringKey')).matchAll(/^ {2}(\w+): /gm)].map((m) => m[1]!);
  assert.ok(keys.length > 100, `${keys.length} keys read`);
  for (const key of keys) {
    const [english, chinese] = [en(key), zh(key)];
    assert.ok(english && chinese, key);
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(placeholders(chinese), placeholders(english), key);
    if (!/^(periodShown)$/.test(key)) assert.match(chinese, /[\u3000-\u9fff\uff00-\uffef]/, `${key}: ${chinese}`);
  }
});

test('a refusal is said in the reader’s words by its code, never as a bare code or the API’s English', () => {
  const zh = strings.translator('zh-CN');
  const en = strings.translator('en');
  assert.equal(strings.errorWording(zh, 409, { code: 'kyc_not_pending', message: 'This verification is no longer pending.' }), '这项认证已经审核过了。');
  assert.equal(strings.errorWording(en, 403, { code: 'csrf_token_invalid' }), 'This page is out of date. Reload it and try again.');
  assert.equal(strings.errorWording(zh, 400, { code: 'parameter_invalid', message: 'Invalid status.' }), '页面发送了服务器不接受的内容，请刷新后重试。');
  assert.equal(strings.errorWording(en, 0, null), 'Cardlane could not be reached. Check the connection and try again.');
  assert.equal(strings.errorWording(zh, 500, { code: 'internal_error' }), '出了点问题（internal_error），请重试。');
});

test('the merchant’s dispute evidence is named in the reader’s words, every field Stripe takes, never as its snake_case name', () => {
  const en = strings.translator('en');
  const zh = strings.translator('zh-CN');
  assert.equal(strings.evidenceLabel(en, 'uncategorized_text'), 'Other evidence');
  assert.equal(strings.evidenceLabel(zh, 'uncategorized_text'), '其他证据');
  assert.equal(strings.evidenceLabel(zh, 'shipping_tracking_number'), '运单号');
  for (const field of EVIDENCE_FIELDS) {
    for (const t of [en, zh]) {
      const label = strings.evidenceLabel(t, field);
      assert.ok(label !== field && !label.includes('_'), `${field}: ${label}`);
    }
    assert.match(strings.evidenceLabel(zh, field), /[\u4e00-\u9fff]/, field);
  }
  // A field this page does not know yet (Stripe adds some): shown as Stripe names it, not dropped.
  assert.equal(strings.evidenceLabel(en, 'enhanced_evidence'), 'enhanced_evidence');
  assert.equal(strings.evidenceLabel(en, 'toString'), 'toString');
});

test('a top-up’s rate says which way it goes (CNY per USD), and a refused sign-in key is not called an ended session', () => {
  const en = strings.translator('en');
  const zh = strings.translator('zh-CN');
  const line = { cny: '¥1,000.00', usd: '$137.50', fee: '¥10.00', rate: '7.20' };
  assert.equal(en('topUpLine', line), '¥1,000.00 → $137.50 (fee ¥10.00; 7.20 CNY per USD)');
  assert.equal(zh('topUpLine', line), '¥1,000.00 → $137.50（手续费 ¥10.00，汇率 7.20 元/美元）');
  assert.doesNotMatch(en('wrongKey'), /session/i);
  assert.doesNotMatch(zh('wrongKey'), /会话/);
});
