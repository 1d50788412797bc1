// Chinese texts read as Chinese: every people-facing string in src/ that holds
// Chinese is checked against the glossary (one name for one thing) and for
// English words a Chinese reader would stumble on ("off-session", a raw rule
// predicate). Names and common abbreviations are allowed (LATIN_IN_CHINESE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { AcquirerDisputeRecord, IssuerDisputeRecord, NetworkDisputeMessageRecord } from '../../src/doctor/dispute-records.ts';
import { traceDispute } from '../../src/doctor/dispute-trace.ts';
import { renderDisputeTrace } from '../../src/doctor/render-dispute.ts';
import { GLOSSARY, LATIN_IN_CHINESE, type Term } from '../../src/platform/glossary.ts';

const SRC = new URL('../../src', import.meta.url).pathname;
// Han characters, and the full-width punctuation that marks a Chinese piece of
// a template even when its Han characters sit in another piece.
const CJK = /[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]/;
const HAN = /[\u4e00-\u9fff]/;

interface Text {
  readonly file: string;
  readonly text: string;
}

/**
 * Files whose Chinese is not prose to check: the glossary itself (it lists
 * the variants to avoid), and the card element's browser script, which is
 * source code in a string (its messages are checked by its own browser test).
 */
const NOT_PROSE = ['platform/glossary.ts', 'acquirer/stripe-js/card-element-source.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every literal piece of text (strings, template pieces, JSX text) that holds Chinese. */
function chineseTexts(): Text[] {
  const texts: Text[] = [];
  for (const path of sourceFiles(SRC)) {
    const kind = path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false, kind);
    const visit = (node: ts.Node): void => {
      if (
        ts.isStringLiteral(node) ||
        ts.isNoSubstitutionTemplateLiteral(node) ||
        ts.isTemplateHead(node) ||
        ts.isTemplateMiddle(node) ||
        ts.isTemplateTail(node) ||
        ts.isJsxText(node)
      ) {
        if (CJK.test(node.text) && !NOT_PROSE.some((file) => path.endsWith(file))) texts.push({ file: relative(SRC, path), text: node.text });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return texts;
}

/**
 * The Chinese sentences of a text, without what is not prose: placeholders
 * (`{amount}`), quotations of an English message (“Your card was declined”),
 * request lines and paths, and codes (anything with a digit or underscore).
 * A bilingual message ("… / 自动充值已暂停") is split so its English half is
 * not read as Chinese.
 */
export function chineseSentences(text: string): string[] {
  return text
    .split(/[。！？\n]|\s\/\s/)
    .map((sentence) =>
      sentence
        .replace(/\{[^{}]*\}/g, ' ')
        .replace(/“[^”]*”|"[^"]*"|「[^」]*」|'[^']*'/g, ' ')
        .replace(/\b(?:GET|POST|DELETE|PUT|PATCH)\s+\S+/g, ' ')
        .replace(/(?:^|\s|（|\()\/[\w/?=&.:%…-]+/g, ' ')
        .replace(/[A-Za-z0-9_.-]*(?:\d|_)[A-Za-z0-9_.-]*/g, ' '),
    )
    .filter((sentence) => CJK.test(sentence));

}

function englishWordsIn(sentence: string): string[] {
  return [...sentence.matchAll(/[A-Za-z][A-Za-z'-]*/g)].map((m) => m[0]).filter((word) => !LATIN_IN_CHINESE.has(word));
}

const TEXTS = chineseTexts();

test('Chinese texts carry no English word outside the allow-list', () => {
  const found = TEXTS.flatMap(({ file, text }) =>
    chineseSentences(text).flatMap((sentence) =>
      englishWordsIn(sentence).map((word) => `${file}: "${word}" in ${JSON.stringify(sentence.trim())}`),
    ),
  );
  assert.deepEqual(found, []);
});

test('Chinese texts name each concept as the glossary does', () => {
  const terms: [string, Term][] = Object.entries(GLOSSARY);
  const found = TEXTS.flatMap(({ file, text }) =>
    terms.flatMap(([name, term]) =>
      (term.avoid ?? []).filter((variant) => text.includes(variant)).map((variant) => `${file}: "${variant}" — the glossary says "${term.zh}" (${name})`),
    ),
  );
  assert.deepEqual(found, []);
});

test('the checks themselves: an English word in a Chinese sentence is found; names, codes, quotes and placeholders are not', () => {
  const words = (text: string) => chineseSentences(text).flatMap(englishWordsIn);
  assert.deepEqual(words('自动充值任务在后台（off-session）扣款'), ['off-session']);
  assert.deepEqual(words('规则 :card_country: != \'CN\' 拦截了付款'), []);
  assert.deepEqual(words('规则 if amount > 100 then block'), ['if', 'amount', 'then', 'block']);
  assert.deepEqual(words('卡被拒绝（ISO 51），商户显示“Your card was declined”。'), []);
  assert.deepEqual(words('Auto-recharge is paused: your card was declined / 自动充值已暂停：卡被拒'), []);
  assert.deepEqual(words('尾号 {last4} 的卡在 {merchant} 消费 {amount}'), []);
  assert.deepEqual(words('用运营密钥读取（GET /billing/v1/sandbox/mail?to=…）'), []);
});

test('the glossary: every term has both languages and no variant is another term\'s word', () => {
  const terms = Object.values(GLOSSARY) as Term[];
  for (const term of terms) {
    assert.ok(term.en.length > 0 && HAN.test(term.zh), term.en);
    for (const variant of term.avoid ?? []) {
      assert.ok(!terms.some((other) => other.zh === variant), `${variant} is avoided but is a glossary word`);
    }
  }
});

// Cardlane speaks to a person in one voice. A new user's walk through found
// the doctor saying 您 where the app says 你, "{merchant}的" beside the app's
// "尾号 4242 的卡" (the app's style puts a space between Latin words or numbers
// and Chinese), and "状态: 审核中" / "原因: …" with an ASCII colon in a Chinese
// line. The app and the doctor were made one voice first; the rest of what a
// person reads followed: the issuer's texts (its notifications, its 3-D Secure
// challenge page, its decline reasons), the billing page and billing's e-mails,
// invoices and explanations, the operator console (staff are readers too: one
// product voice), and the CLI.
const ONE_VOICE = ['web/', 'doctor/', 'issuer/', 'billing/', 'cli/'];
const oneVoiceTexts = () => TEXTS.filter(({ file }) => ONE_VOICE.some((dir) => file.startsWith(dir)));
/**
 * Placeholders and template values that hold Chinese words (a status, a role,
 * the doctor's name of a check, "商户的"), which take no space. A template value
 * whose expression names Chinese (`why.zh`, `cardZh`) or holds it is one too.
 */
const CHINESE_PLACEHOLDERS = new Set(['status', 'role', 'check', 'whose', 'initiated', 'zh']);

/** What breaks the one voice in a Chinese text: 您, Latin or a Latin placeholder run into Han, an ASCII colon. */
export function voiceProblems(text: string): string[] {
  const problems: string[] = [];
  if (text.includes('您')) problems.push('您 (the app says 你)');
  for (const m of text.matchAll(/[\u4e00-\u9fff][A-Za-z0-9]|[A-Za-z0-9][\u4e00-\u9fff]/g)) problems.push(`no space in "${m[0]}"`);
  for (const m of text.matchAll(/[\u4e00-\u9fff]\{(\w+)\}|\{(\w+)\}[\u4e00-\u9fff]/g)) {
    if (!CHINESE_PLACEHOLDERS.has(m[1] ?? m[2] ?? '')) problems.push(`no space in "${m[0]}"`);
  }
  for (const sentence of chineseSentences(text)) {
    if (/[\u4e00-\u9fff）」”]\s*:(?:\s|$)/.test(sentence)) problems.push(`ASCII colon in ${JSON.stringify(sentence.trim())}`);
  }
  return problems;
}

test('Chinese texts say 你, space Latin from Chinese as the app does, and use ： in Chinese', () => {
  const found = oneVoiceTexts().flatMap(({ file, text }) => voiceProblems(text).map((problem) => `${file}: ${problem} in ${JSON.stringify(text)}`));
  assert.deepEqual(found, []);
});

/**
 * Every template that holds Chinese, with each value shown as a placeholder
 * named after it (`尾号${card}的卡` reads "尾号{card}的卡"): a card's last four,
 * a merchant or an amount put into a Chinese sentence needs the spaces a
 * literal "{amount}" would.
 */
function chineseTemplates(): Text[] {
  const found: Text[] = [];
  for (const dir of ONE_VOICE) {
    for (const path of sourceFiles(join(SRC, dir))) {
      const kind = path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
      const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true, kind);
      const placeholder = (value: ts.Expression): string => {
        const code = value.getText(source);
        if (/zh/i.test(code) || HAN.test(code)) return 'zh';
        if (ts.isIdentifier(value)) return value.text;
        return ts.isPropertyAccessExpression(value) ? value.name.text : 'value';
      };
      const visit = (node: ts.Node): void => {
        if (ts.isTemplateExpression(node) && [node.head, ...node.templateSpans.map((span) => span.literal)].some((piece) => HAN.test(piece.text))) {
          const text = node.head.text + node.templateSpans.map((span) => `{${placeholder(span.expression)}}${span.literal.text}`).join('');
          found.push({ file: relative(SRC, path), text });
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return found;
}

test('a value put into a Chinese template is spaced from the Chinese as a placeholder is', () => {
  const found = chineseTemplates().flatMap(({ file, text }) =>
    voiceProblems(text)
      .filter((problem) => problem.startsWith('no space'))
      .map((problem) => `${file}: ${problem} in ${JSON.stringify(text)}`),
  );
  assert.deepEqual(found, []);
});

/**
 * A colon the code puts between a translated label and its value: JSX text
 * starting with ":" after `{t(…)}` in the app, and `${say(lang, en, zh)}: `
 * in the doctor — both read "状态: 审核中" in Chinese.
 */
function labelColons(): string[] {
  const found: string[] = [];
  for (const dir of ONE_VOICE) {
    for (const path of sourceFiles(join(SRC, dir))) {
      const kind = path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
      const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true, kind);
      const visit = (node: ts.Node): void => {
        if (ts.isJsxText(node) && /^\s*:/.test(node.text)) found.push(`${relative(SRC, path)}: JSX text "${node.text.trim()}"`);
        if (ts.isTemplateSpan(node) && /^\s*:/.test(node.literal.text) && ts.isCallExpression(node.expression)) {
          const zh = node.expression.arguments[2];
          if (zh !== undefined && ts.isStringLiteralLike(zh) && HAN.test(zh.text)) found.push(`${relative(SRC, path)}: "${zh.text}": …`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return found;
}

test('no translated label is joined to its value with an ASCII colon', () => {
  assert.deepEqual(labelColons(), []);
});

/**
 * The doctor's dispute trace for a terminal joins its pieces in code (a
 * message and its answer, a label and its value), so its Chinese is checked
 * as printed: a dispute the merchant won, every party's side, in Chinese.
 */
async function chineseDisputeText(): Promise<string> {
  const atMs = Date.UTC(2025, 2, 3, 4, 5);
  const issuer: IssuerDisputeRecord = {
    id: 'idsp_1', cardholderId: 'ch_1', cardId: 'card_1', authorizationId: 'auth_1', category: 'product_not_received', scheme: 'visa', reasonCode: '13.1',
    amountMinor: 500, currency: 'usd', status: 'lost', provisionalCreditMinor: 500, winner: 'merchant', createdAtMs: atMs, closedAtMs: atMs,
    steps: [{ step: 'opened', amountMinor: null, atMs }, { step: 'provisional_credit', amountMinor: 500, atMs }, { step: 'lost', amountMinor: -500, atMs }],
  };
  const acquirer: AcquirerDisputeRecord = {
    id: 'du_1', merchantId: 'acct_1', chargeId: 'ch_1', paymentIntentId: 'pi_1', networkChargebackId: 'idsp_1', kind: 'chargeback', reason: 'product_not_received',
    networkReasonCode: '13.1', amountMinor: 500, feeMinor: 1500, currency: 'usd', status: 'won', funds: 'reinstated', dueByMs: atMs, submissionCount: 1, createdAtMs: atMs, closedAtMs: atMs,
  };
  const message = (type: NetworkDisputeMessageRecord['type'], reason: string): NetworkDisputeMessageRecord => ({
    id: `msg_${type}`, type, sender: 'issuer', chargebackId: 'idsp_1', originalId: null, action: null, winner: null, responseCode: '00', reason, atMs,
  });
  const messages = [message('chargeback', 'opened'), message('representment', 'received'), message('dispute_decision', 'already_disputed')];
  const ports = {
    acquirer: { dispute: async () => acquirer, disputeOfChargeback: async () => acquirer },
    issuer: { dispute: async () => issuer },
    network: { disputeMessagesOf: async () => messages },
  } as unknown as Parameters<typeof traceDispute>[0];
  const trace = await traceDispute(ports, 'du_1', { view: 'operator' }, 'zh-CN');
  // A date reads "2025年3月3日" in Chinese, as Intl writes it: not a number run into a sentence.
  return renderDisputeTrace(trace, 'Asia/Shanghai').replace(/\d{4}年\d{1,2}月\d{1,2}日/g, '{date}');
}

test('the doctor\'s dispute trace, as printed in Chinese, says 你 and uses ：', async () => {
  const text = await chineseDisputeText();
  assert.match(text, /拒付（发卡行 → 收单行）/, 'the trace holds the network\'s messages');
  assert.deepEqual(text.split('\n').flatMap(voiceProblems), []);
});

test('the one-voice checks themselves', () => {
  assert.deepEqual(voiceProblems('尾号 {last4} 的卡，{seconds} 秒后隐藏'), []);
  assert.deepEqual(voiceProblems('提现{status}：{amount}'), []);
  assert.deepEqual(voiceProblems('请您联系银行'), ['您 (the app says 你)']);
  assert.deepEqual(voiceProblems('{merchant}的付款'), ['no space in "{merchant}的"']);
  assert.deepEqual(voiceProblems('已邀请 {email} 成为{role}'), []);
  assert.deepEqual(voiceProblems('【Cardlane】尾号{card}的卡'), ['no space in "号{card}"']);
  assert.deepEqual(voiceProblems('Acme的付款用了3次'), ['no space in "e的"', 'no space in "了3"']);
  assert.deepEqual(voiceProblems('原因: 余额不足'), ['ASCII colon in "原因: 余额不足"']);
  assert.deepEqual(voiceProblems('Reason: not enough money / 原因：余额不足'), []);
});
