import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printTable, type Io } from '../../src/cli/output.ts';
import type { ReconciledFacts } from '../../src/demo/story/story-facts.ts';
import type { ReconciledRow } from '../../src/demo/story/story-reconcile.ts';
import { storyText } from '../../src/demo/story/story-text.ts';
import { displayWidth, padEndToWidth, padStartToWidth } from '../../src/platform/text-width.ts';

// `cardlane demo story --lang zh-CN` printed its reconciliation with padEnd/
// padStart, which count characters: "预授权 $5.00" (9 characters, 12 columns)
// and "$10.00" (6, 6) padded to 10 characters ended 3 columns apart, so the
// amounts and the card's column wandered in Chinese. Cells are padded by
// display width now (a CJK character takes two columns), in the story and in
// the CLI's tables alike.

test('display width: CJK and full-width characters take two columns, combining marks none, the rest one', () => {
  const cases: [string, number][] = [
    ['', 0],
    ['$10.00', 6],
    ['验卡', 4],
    ['预授权 $5.00', 12],
    ['无预授权', 8],
    ['卡片：', 6],
    ['　', 2], // the ideographic space
    ['（GMT+8）', 9],
    ['¥1,000.00', 9],
    ['VISA •••• 4242', 14],
    ['e\u0301', 1], // e + combining acute
    ['✗', 1],
    ['🙂', 2],
    ['𠀀', 2], // CJK extension B (a surrogate pair)
  ];
  for (const [text, width] of cases) assert.equal(displayWidth(text), width, JSON.stringify(text));
  assert.equal(padEndToWidth('验卡', 8), '验卡    ');
  assert.equal(padStartToWidth('$5.00', 12), '       $5.00');
  assert.equal(padEndToWidth('手动充值x', 8), '手动充值x', 'a cell already wider is left as it is');
});

const row = (over: Partial<ReconciledRow>): ReconciledRow => ({
  organization: 'org_story',
  payment: 'bpa_01KDEMO0000000000000000',
  kind: 'purchase',
  billing_status: 'succeeded',
  billing_amount: 1_000,
  billing_net: 1_000,
  issuer_authorization: 'iauth_1',
  card_status: 'settled',
  card_decline_code: null,
  card_net: 1_000,
  card_released: 0,
  agrees: true,
  problem: null,
  ...over,
});

const facts: ReconciledFacts = {
  agree: true,
  rows: [
    row({ kind: 'verification', billing_amount: 500, billing_net: 0, card_status: 'reversed', card_net: 0, card_released: 500 }),
    row({ kind: 'purchase', billing_status: 'failed', billing_net: 0, issuer_authorization: null, card_status: null, card_net: 0 }),
    row({ kind: 'auto_recharge' }),
    row({ organization: 'org_plus_5', kind: 'verification', billing_status: 'failed', billing_amount: 0, billing_net: 0, card_status: 'declined', card_decline_code: '57', card_net: 0 }),
    row({ organization: 'org_plus_2', kind: 'subscription', billing_amount: 2_000, billing_net: 2_000, card_net: 2_000 }),
  ],
  billing_total_net: 3_000,
  card_total_net: 3_000,
  unexplained_card_authorizations: [],
  problems: [],
  card: 'card_1',
  organizations: ['org_story', 'org_plus_2', 'org_plus_5'],
  card_available: 500,
  credits_bought: 1_000,
  credits_used: 100,
  credit_balance: 900,
};

/** The display column at which `marker` starts on each line. */
function columnsOf(lines: readonly string[], marker: string): number[] {
  return lines.map((l) => displayWidth(l.slice(0, l.indexOf(marker))));
}

for (const lang of ['zh-CN', 'en'] as const) {
  test(`the seed story's reconciliation lines up its columns by display width (${lang})`, () => {
    const text = storyText(lang).reconciled(facts);
    const [billing, card, paid] = lang === 'zh-CN' ? ['账单：', '卡片：', ' 扣款 '] : ['billing: ', 'card: ', ' paid '];
    // The rows' lines (the organizations' headings and the totals are not columns).
    const lines = text.filter((l) => l.includes(billing));
    assert.equal(lines.length, facts.rows.length, text.join('\n'));
    for (const marker of [billing, card, paid]) {
      const columns = columnsOf(lines, marker);
      assert.equal(new Set(columns).size, 1, `"${marker}" starts at columns ${columns.join(', ')}:\n${lines.join('\n')}`);
    }
    // The amounts are right-aligned: each ends where the card's column begins, two columns before it.
    const amountEnds = lines.map((l) => displayWidth(l.slice(0, l.indexOf(card)).trimEnd()));
    assert.equal(new Set(amountEnds).size, 1, lines.join('\n'));
    if (lang === 'zh-CN') assert.ok(lines.some((l) => l.includes('预授权 $5.00')) && lines.some((l) => l.includes('无预授权')));
  });
}

test('the CLI’s tables line up a Chinese cell with Latin ones', () => {
  let out = '';
  const io: Io = { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => true } };
  printTable(io, [['验卡', '预授权 $5.00', 'x'], ['purchase', '$10.00', 'y']], '', { alignRight: [1] });
  const lines = out.trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => displayWidth(l)), [displayWidth(lines[0]!), displayWidth(lines[0]!)]);
  assert.deepEqual(lines, ['验卡      预授权 $5.00  x', 'purchase        $10.00  y']);
});
