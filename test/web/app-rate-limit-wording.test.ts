import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

// The app's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
type Translate = (key: string, vars?: Record<string, string | number>) => string;
const load = async <T>(path: string) => (await import(new URL(path, import.meta.url).href)) as T;
const { call } = await load<{ call: (method: 'POST', path: string, options: { body: unknown }) => Promise<unknown> }>('../../src/web/app/api.ts');
const { translator } = await load<{ translator: (lang: string) => Translate }>('../../src/web/app/i18n.ts');
const { errorText } = await load<{ errorText: (t: Translate, error: unknown) => string }>('../../src/web/app/ui.tsx');

// The cardholder app said "wait a minute" to every 429, while the hourly
// caps on sign-in codes can keep refusing for up to an hour: it now says
// what the API's Retry-After says, in both languages.

const en = translator('en');
const zh = translator('zh-CN');
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** What the app's `call` throws for a 429 answered with these headers. */
async function refusal(headers: Record<string, string>): Promise<unknown> {
  globalThis.fetch = async () =>
    new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Too many codes were requested from this network; try again later.' } }), {
      status: 429,
      headers: { 'content-type': 'application/json', ...headers },
    });
  return call('POST', '/issuer/v1/sessions/code', { body: { phone: '+8613800138000' } }).then(
    () => assert.fail('a 429 must throw'),
    (error: unknown) => error,
  );
}

test('a 429 says when to try again, from its Retry-After, in both languages', async () => {
  const hourly = await refusal({ 'retry-after': '2400' });
  assert.equal(errorText(en, hourly), 'Too many requests. Try again in 40 min.');
  assert.equal(errorText(zh, hourly), '请求太频繁，请 40 分钟后再试。');

  const cooldown = await refusal({ 'retry-after': '42' });
  assert.equal(errorText(en, cooldown), 'Too many requests. Try again in 42 s.');
  assert.equal(errorText(zh, cooldown), '请求太频繁，请 42 秒后再试。');

  assert.equal(errorText(en, await refusal({ 'retry-after': '61' })), 'Too many requests. Try again in 2 min.', 'rounded up, never sooner than the API said');

  const unsaid = await refusal({});
  assert.equal(errorText(en, unsaid), 'Too many requests. Try again later.');
  assert.equal(errorText(zh, unsaid), '请求太频繁，请稍后再试。');
});
