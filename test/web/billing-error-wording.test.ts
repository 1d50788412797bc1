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
});

test('a refusal worded for developers (parameter_invalid, parameter_missing) keeps the page’s sentence in English too', () => {
  const developerWords = { code: 'parameter_invalid', message: 'Invalid card[exp_month]: must be an integer from 1 to 12.' };
  assert.equal(say(developerWords, 'en'), 'Something entered is not valid; check the form and try again.');
  assert.equal(say({ code: 'parameter_missing', message: 'Missing required param: email.' }, 'en'), 'Something required is missing; check the form and try again.');
  assert.equal(say(developerWords, 'zh-CN'), '填写的内容有误，请检查表单后重试。');
});

test('an unknown code shows the API’s message; no answer says so', () => {
  assert.equal(say({ code: 'no_such_code_yet', message: 'Something new happened.' }, 'zh-CN'), 'Something new happened.');
  assert.notEqual(say(null, 'en'), '');
  assert.notEqual(say(null, 'zh-CN'), say(null, 'en'));
});
