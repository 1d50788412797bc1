import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTrace } from '../../src/doctor/render-text.ts';
import type { Trace, TraceAttempt } from '../../src/doctor/trace-types.ts';

// `cardlane doctor` prints a trace for a person at a terminal: each attempt's time in the reader's
// zone (the CLI passes the machine's), never raw UTC, and in Chinese every word of the path — the
// parties, what each did, the card's funding — not English codes in a Chinese sentence.

function attempt(lang: 'en' | 'zh-CN'): TraceAttempt {
  return {
    reference: 'iauth_1',
    created_at: '2026-12-07T09:59:28.636Z',
    merchant: { name: 'SHOP', country: 'US' },
    amount: 500,
    currency: 'usd',
    initiated_by: 'customer',
    purpose: 'purchase',
    card: { brand: 'visa', last4: '4233', funding: 'prepaid', country: 'US' },
    reached_network: true,
    reached_issuer: true,
    hops: [
      { party: 'acquirer', status: 'sent', at: null, summary: 's1', reason: null, iso_code: null },
      { party: 'network', status: 'routed', at: null, summary: 's2', reason: null, iso_code: '51' },
      { party: 'issuer', status: 'declined', at: null, summary: 's3', reason: 'insufficient_funds', iso_code: '51' },
    ],
    verdict: {
      outcome: 'declined',
      decided_by: 'issuer',
      reason: 'insufficient_funds',
      title: lang === 'en' ? 'Not enough money on the card' : '卡内余额不足',
      explanation: 'why',
      remedy: 'what',
      iso_code: '51',
      stripe_code: 'card_declined',
      stripe_decline_code: 'insufficient_funds',
      advice_code: null,
      retryable: true,
      seed_cause: 'insufficient_funds_or_limit',
    },
    seed_remedy: { recommended: false, because: 'not_a_merchant_rule', summary: 'no', steps: [], keep_on_card: null },
    issuer_authorization: 'iauth_1',
  };
}

function trace(lang: 'en' | 'zh-CN'): Trace {
  return {
    object: 'doctor_trace',
    view: 'cardholder',
    lang,
    query: { id: 'pi_1' },
    subject: { kind: 'payment_intent', id: 'pi_1' },
    summary: 'summary',
    billing: null,
    attempts: [attempt(lang)],
    notes: [],
  };
}

test("an attempt's time is the reader's, with its zone named — not UTC's ISO string", () => {
  const shanghai = renderTrace(trace('en'), 'Asia/Shanghai');
  assert.doesNotMatch(shanghai, /2026-12-07T09:59:28\.636Z/);
  assert.match(shanghai, /· 2026-12-07 17:59:28 GMT\+8 ·/);
  assert.match(renderTrace(trace('en'), 'Europe/Berlin'), /· 2026-12-07 10:59:28 GMT\+1 ·/);
  // Without a zone, the doctor's default for the language: UTC for English, China's for Chinese.
  assert.match(renderTrace(trace('en')), /· 2026-12-07 09:59:28 UTC ·/);
  assert.match(renderTrace(trace('zh-CN')), /· 2026-12-07 17:59:28 GMT\+8 ·/);
});

test('a Chinese trace names the parties, their steps and the card type in Chinese', () => {
  const text = renderTrace(trace('zh-CN'), 'Asia/Shanghai');
  assert.doesNotMatch(text, /acquirer|network|issuer +declined|routed|prepaid/);
  assert.match(text, /1\. 收单机构 +已发出 +s1/);
  assert.match(text, /2\. 卡组织 +已转发 +s2/);
  assert.match(text, /3\. 发卡行 +已拒绝 +s3/);
  assert.match(text, /visa •••• 4233（预付卡，US）/);
  // English stays as it was.
  const en = renderTrace(trace('en'), 'UTC');
  assert.match(en, /1\. acquirer sent {19}s1/);
  assert.match(en, /visa •••• 4233 \(prepaid, US\)/);
});
