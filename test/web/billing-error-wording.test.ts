import assert from 'node:assert/strict';
import { test } from 'node:test';

// The billing page's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
type Wording = (error: { code?: string; message?: string } | null | undefined, t: unknown, lang: string) => string;
const strings = (await import(new URL('../../src/web/billing/strings.ts', import.meta.url).href)) as {
  errorWording: Wording;
  translator: (lang: string) => unknown;
};
const say = (error: { code?: string; message?: string } | null | undefined, lang: 'en' | 'zh-CN') => strings.errorWording(error, strings.translator(lang), lang);

test('a refused field: an English reader is told which field (the API’s message); a Chinese reader the page’s own sentence', () => {
  const invalid = { code: 'billing_profile_invalid', message: 'tax_id: a VAT number starts with its country code (DE123456789).' };
  assert.equal(say(invalid, 'en'), invalid.message);
  assert.equal(say(invalid, 'zh-CN'), '开票信息中有一项（名称、地址、国家或税号）无效。');
  const missing = { code: 'parameter_missing', message: 'Missing required param: email.' };
  assert.equal(say(missing, 'en'), missing.message);
  assert.equal(say(missing, 'zh-CN'), '缺少必填内容，请检查表单后重试。');
});

test('other known codes are said in the page’s words in both languages; an unknown code shows the API’s message; no answer says so', () => {
  assert.equal(say({ code: 'parameter_invalid' }, 'en'), 'Something entered is not valid; check the form and try again.');
  assert.equal(say({ code: 'no_such_code_yet', message: 'Something new happened.' }, 'zh-CN'), 'Something new happened.');
  assert.notEqual(say(null, 'en'), '');
  assert.notEqual(say(null, 'zh-CN'), say(null, 'en'));
});
