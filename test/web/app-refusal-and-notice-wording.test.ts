import assert from 'node:assert/strict';
import { test } from 'node:test';

// Sentences a reviewer's walk through the cardholder app found wrong for a person:
// a withdrawal below the minimum read "Something went wrong: A withdrawal is from
// 100 to 1000000 cents and must cover the fee" (the API's sentence for programs);
// "Withdrawal of $3.00 paid to your Alipay" when $2.50 was paid (the fee comes out
// first); and "No merchant account has paid with this card yet" beside a $12.00
// payment made without a customer account (which the accounts rule does not count).

type Translate = (key: string, vars?: Record<string, string | number>) => string;
// The app's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
const load = async <T>(path: string) => (await import(new URL(`../../src/web/app/${path}`, import.meta.url).href)) as T;
const { ApiError } = await load<{ ApiError: new (status: number, code: string, message: string, param: string | null) => Error }>('api.ts');
const { translator } = await load<{ translator: (lang: string) => Translate }>('i18n.ts');
const { errorText } = await load<{ errorText: (t: Translate, error: unknown) => string }>('ui.tsx');

const en = translator('en');
const zh = translator('zh-CN');

test('a top-up or withdrawal out of range is worded for a person, in both languages: no cents, no fen, no "something went wrong"', () => {
  const cases: Array<[string, string, RegExp, RegExp]> = [
    ['withdrawal_amount_out_of_range', 'A withdrawal is from 100 to 1000000 cents and must cover the fee.', /too small or too large for one withdrawal, or does not cover its fee/, /提现金额太小或太大，或不够支付手续费/],
    ['top_up_amount_out_of_range', 'A top-up is from 1000 to 5000000 fen (CNY minor units).', /too small or too large for one top-up/, /充值金额太小或太大/],
  ];
  for (const [code, apiSentence, english, chinese] of cases) {
    const error = new ApiError(400, code, apiSentence, 'amount');
    const inEnglish = errorText(en, error);
    const inChinese = errorText(zh, error);
    assert.match(inEnglish, english);
    assert.match(inChinese, chinese);
    for (const text of [inEnglish, inChinese]) assert.doesNotMatch(text, /cents|fen|minor units|\d{3}|Something went wrong|出错了/, text);
  }
});

test('a paid withdrawal’s notification does not say its whole amount reached Alipay: the fee came out first', () => {
  assert.equal(en('ntf_withdrawal_paid', { amount: '$3.00' }), 'Withdrawal of $3.00 done: paid to your Alipay less the fee');
  assert.equal(zh('ntf_withdrawal_paid', { amount: '$3.00' }), '提现 $3.00 已完成：扣除手续费后打款到你的支付宝');
});

test('with no merchant bound, the card says payments without a customer account do not count (it had said none had paid)', () => {
  assert.match(en('merchantsNone'), /customer accounts.*without an account does not count/);
  assert.match(zh('merchantsNone'), /客户账户.*不带客户账户的付款不计入/);
});
