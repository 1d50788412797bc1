import assert from 'node:assert/strict';
import { test } from 'node:test';

// The app's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
type Translate = (key: string, vars?: Record<string, string | number>) => string;
interface StatementLine {
  readonly id: string;
  readonly type: string;
  readonly amount: number;
  readonly status: string;
  readonly created_at: string;
  readonly merchant: { readonly name: string; readonly country: string } | null;
  readonly authorization: string | null;
  readonly decline: null;
}
const load = async <T>(path: string) => (await import(new URL(`../../src/web/app/${path}`, import.meta.url).href)) as T;
const { ApiError } = await load<{ ApiError: new (status: number, code: string, message: string, param: string | null) => Error }>('api.ts');
const { translator } = await load<{ translator: (lang: string) => Translate }>('i18n.ts');
const { errorText } = await load<{ errorText: (t: Translate, error: unknown) => string }>('ui.tsx');
const { foldClearings, lineLabel } = await load<{
  foldClearings: (lines: readonly StatementLine[]) => readonly StatementLine[];
  lineLabel: (t: Translate, type: string) => string;
}>('wording.ts');

// The wording a new cardholder hit: a refused field worded as "check the amount" whatever it was,
// wallet lines shown as raw ledger keys, and one card payment read as two charges.

const en = translator('en');
const zh = translator('zh-CN');

test('a refused field is named by its param; an unknown param reads as a general check', () => {
  const refused = (code: string, param: string | null) => new ApiError(400, code, 'Missing required param.', param);
  assert.equal(errorText(en, refused('parameter_missing', 'code')), 'Enter the 6-digit code from the SMS.');
  assert.equal(errorText(zh, refused('parameter_invalid', 'code')), '请输入短信中的 6 位验证码。');
  assert.equal(errorText(en, refused('parameter_invalid', 'phone')), 'Enter your mobile number, like 138 0013 8000.');
  assert.equal(errorText(en, refused('parameter_invalid', 'cny_amount')), 'Please check the amount.');
  assert.equal(errorText(zh, refused('parameter_invalid', 'amount')), '请检查金额。');
  assert.equal(errorText(en, refused('parameter_invalid', 'cursor')), 'Please check what you entered.');
  assert.equal(errorText(zh, refused('parameter_missing', null)), '请检查填写的内容。');
});

test('every wallet and card statement type the issuer API returns has a label in both languages; an unknown one a generic label', () => {
  // Wallet: src/issuer/http/money-schemas.ts's enum; card: the statement's ledger, authorization, event and dispute lines.
  const wallet = ['top_up', 'withdrawal', 'withdrawal_fee', 'transfer'];
  const card = [
    'authorization', 'account_verification', 'clearing', 'refund', 'reversal', 'network_reversal', 'release_on_close', 'expiry',
    'incremental_authorization', 'load', 'unload', 'close_sweep', 'dispute_provisional_credit', 'dispute_credit', 'dispute_reversal',
  ];
  for (const type of [...wallet, ...card]) {
    for (const t of [en, zh]) {
      const label = lineLabel(t, type);
      assert.notEqual(label, type, `${type} is shown as its raw key`);
      assert.notEqual(label, t('line_other'), `${type} has no label of its own`);
    }
  }
  assert.equal(lineLabel(en, 'withdrawal_fee'), 'Withdrawal fee');
  assert.equal(lineLabel(zh, 'withdrawal_fee'), '提现手续费');
  assert.equal(lineLabel(en, 'code_32'), 'Other activity');
  assert.equal(lineLabel(zh, 'something_new'), '其他交易');
});

const line = (id: string, type: string, amount: number, authorization: string | null, status = 'settled'): StatementLine => ({
  id,
  type,
  amount,
  status,
  created_at: '2026-12-07T08:00:00Z',
  merchant: authorization === null ? null : { name: 'Acme AI', country: 'US' },
  authorization,
  decline: null,
});

test('a card payment is one line: its clearing is not shown as a second debit, and what is shown still adds up', () => {
  const captured = [line('clr_1', 'clearing', -1_000, 'iauth_1'), line('iauth_1', 'authorization', -1_000, 'iauth_1'), line('tr_load', 'load', 2_000, null)];
  assert.deepEqual(foldClearings(captured).map((l) => l.id), ['iauth_1', 'tr_load']);

  // Captured for less: the clearing folds in, the released rest is its own line; the sum is what left the card.
  const partial = [line('rev_2', 'reversal', 400, 'iauth_2'), line('clr_2', 'clearing', -600, 'iauth_2'), line('iauth_2', 'authorization', -1_000, 'iauth_2')];
  const shown = foldClearings(partial);
  assert.deepEqual(shown.map((l) => l.id), ['rev_2', 'iauth_2']);
  assert.equal(shown.reduce((sum, l) => sum + l.amount, 0), -600);

  // Increments count towards what the payment held.
  const incremented = [line('clr_3', 'clearing', -1_500, 'iauth_3'), line('inc_3', 'incremental_authorization', -500, 'iauth_3'), line('iauth_3', 'authorization', -1_000, 'iauth_3')];
  assert.deepEqual(foldClearings(incremented).map((l) => l.id), ['inc_3', 'iauth_3']);

  // The payment's line is on an older page, or the clearing took more than was held: the clearing stays.
  assert.deepEqual(foldClearings([line('clr_4', 'clearing', -1_000, 'iauth_4')]).map((l) => l.id), ['clr_4']);
  const over = [line('clr_5', 'clearing', -1_200, 'iauth_5'), line('iauth_5', 'authorization', -1_000, 'iauth_5')];
  assert.deepEqual(foldClearings(over).map((l) => l.id), ['clr_5', 'iauth_5']);
});
