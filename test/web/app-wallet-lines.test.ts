import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRANSFER_KINDS } from '../../src/issuer/money/statement.ts';

// The wallet's lines said "Between wallet and card" for a load, an unload, a
// closed card's balance coming back and the opening fee alike, and still for a
// closed card's refund and its dispute credits and reversals. They are named
// by the statement's `transfer_kind`, with the card's last four digits.

type Translate = (key: string, vars?: Record<string, string | number>) => string;
interface Entry {
  readonly type: string;
  readonly transfer_kind?: string | null;
  readonly card?: { readonly id: string; readonly last4: string | null } | null;
}
// The app's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
const load = async <T>(path: string) => (await import(new URL(`../../src/web/app/${path}`, import.meta.url).href)) as T;
const { translator } = await load<{ translator: (lang: string) => Translate }>('i18n.ts');
const { walletLineLabel } = await load<{ walletLineLabel: (t: Translate, entry: Entry) => string }>('wording.ts');

const en = translator('en');
const zh = translator('zh-CN');
const card = { id: 'card_01', last4: '4242' };

test('each card move on the wallet reads as what it was, with its card, in both languages', () => {
  const cases: [string, string, string][] = [
    ['card_load', 'Loaded to card •••• 4242', '转入尾号 4242 的卡'],
    ['card_unload', 'Moved back from card •••• 4242', '从尾号 4242 的卡转回'],
    ['card_close_sweep', 'Card •••• 4242 closed: balance returned', '尾号 4242 的卡注销，余额退回'],
    ['card_fee', 'Opening fee, card •••• 4242', '开卡费（尾号 4242 的卡）'],
    ['merchant_refund', 'Refund to wallet (card •••• 4242 closed)', '退款至钱包（尾号 4242 的卡已注销）'],
    ['dispute_provisional_credit', 'Temporary credit (dispute), card •••• 4242', '临时退款（争议中，尾号 4242 的卡）'],
    ['dispute_credit', 'Dispute won: money returned, card •••• 4242', '争议胜诉，款项退回（尾号 4242 的卡）'],
    ['dispute_reversal', 'Temporary credit taken back (dispute), card •••• 4242', '收回临时退款（争议，尾号 4242 的卡）'],
  ];
  // Every kind the API documents has its wording.
  assert.deepEqual(cases.map(([kind]) => kind), [...TRANSFER_KINDS]);
  for (const [kind, english, chinese] of cases) {
    assert.equal(walletLineLabel(en, { type: 'transfer', transfer_kind: kind, card }), english);
    assert.equal(walletLineLabel(zh, { type: 'transfer', transfer_kind: kind, card }), chinese);
  }
  // All differ, and none is the old catch-all.
  for (const t of [en, zh]) {
    const labels = TRANSFER_KINDS.map((kind) => walletLineLabel(t, { type: 'transfer', transfer_kind: kind, card: { id: 'card_01', last4: null } }));
    assert.equal(new Set(labels).size, labels.length);
    assert.ok(!labels.includes(t('line_transfer')));
  }
  assert.equal(walletLineLabel(en, { type: 'transfer', transfer_kind: 'card_load', card: null }), 'Loaded to a card');
  assert.equal(walletLineLabel(zh, { type: 'transfer', transfer_kind: 'card_fee', card: null }), '开卡费');
  assert.equal(walletLineLabel(en, { type: 'transfer', transfer_kind: 'merchant_refund', card: null }), 'Refund to wallet (card closed)');
  assert.equal(walletLineLabel(zh, { type: 'transfer', transfer_kind: 'dispute_reversal', card: null }), '收回临时退款（争议）');
});

test('a transfer of no kind, or of a kind the app does not know yet, reads as before; other types keep their labels', () => {
  assert.equal(walletLineLabel(en, { type: 'transfer', transfer_kind: null, card: null }), 'Between wallet and card');
  assert.equal(walletLineLabel(zh, { type: 'transfer' }), '钱包与卡片之间划转');
  assert.equal(walletLineLabel(en, { type: 'transfer', transfer_kind: 'card_something_new', card }), 'Between wallet and card');
  assert.equal(walletLineLabel(en, { type: 'top_up', transfer_kind: null, card: null }), 'Alipay top-up');
  assert.equal(walletLineLabel(zh, { type: 'withdrawal_fee', transfer_kind: null, card: null }), '提现手续费');
});
