// Chinese texts read as Chinese: every people-facing string in src/ that holds
// Chinese is checked against the glossary (one name for one thing) and for
// English words a Chinese reader would stumble on ("off-session", a raw rule
// predicate). Names and common abbreviations are allowed (LATIN_IN_CHINESE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
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
