import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripeDeclineFor } from '../../src/acquirer/payments/decline-mapping.ts';
import { CONDITION_KINDS, type RiskCondition } from '../../src/acquirer/risk/rule-types.ts';
import { FOLLOW_UP_ONLY_NETWORK_REASONS, NETWORK_FORMAT_REFUSAL } from '../../src/doctor/catalogue-network.ts';
import {
  CATALOGUE,
  catalogueEntry,
  entryForDecision,
  HIGHEST_RISK_REASON,
  LANGS,
  RULE_REASONS,
  SEED_CAUSES,
  UNKNOWN_ISSUER_REASON,
  UNKNOWN_NETWORK_REASON,
  type CatalogueEntry,
} from '../../src/doctor/catalogue.ts';
import { diagnose } from '../../src/doctor/diagnose.ts';
import { declineText, hasDeclineText } from '../../src/issuer/authorization/decline-text.ts';
import { AUTHORIZATION_REASONS } from '../../src/issuer/authorization/reasons.ts';
import type { AuthorizationRequest, IsoResponseCode } from '../../src/network/messages.ts';
import { checkAuthorization } from '../../src/network/message-validation.ts';
import { NETWORK_REASONS } from '../../src/network/network-answers.ts';
import { decideTestAuthorization } from '../../src/network/test-issuers/test-bank-script.ts';
import { TEST_CARDS } from '../../src/network/test-issuers/test-cards.ts';
import { answeredFacts, blockedFacts, rule } from './synthetic-facts.ts';

// The catalogue is built from the parties' own reason lists: a reason added
// to any of them without an entry fails here.

test('every reason of Cardlane\'s issuer has an entry, with the issuer\'s ISO code and the acquirer\'s Stripe mapping', () => {
  for (const [reason, iso] of Object.entries(AUTHORIZATION_REASONS)) {
    if (reason === 'approved') continue;
    const entry = catalogueEntry(reason);
    assert.ok(entry, `no catalogue entry for issuer reason ${reason}`);
    assert.equal(entry.decidedBy, 'issuer', reason);
    assert.equal(entry.isoCode, iso, reason);
    const stripe = stripeDeclineFor({ responseCode: iso, reason });
    assert.deepEqual([entry.stripeCode, entry.stripeDeclineCode, entry.adviceCode], [stripe.code, stripe.declineCode, stripe.adviceCode], reason);
  }
});

test('every answer the scripted test bank can give has an entry', () => {
  const request = (purpose: AuthorizationRequest['purpose'], initiator: AuthorizationRequest['initiator'], cvv2: string | null, expYear = 2030): AuthorizationRequest => ({
    type: 'authorization',
    id: 'auth_1',
    purpose,
    card: { pan: '4242424242424242', expMonth: 12, expYear, cvv2 },
    amount: { minor: purpose === 'purchase' ? 1000 : 0, currency: 'USD' },
    merchant: { acquirerId: 'cardlane-acquirer', merchantId: 'acct_1', name: 'ACME', mcc: '5734', country: 'US' },
    entryMode: cvv2 === null ? 'credential_on_file' : 'ecommerce',
    initiator,
    avs: { line1: '1 Main St', postalCode: '94104' },
    merchantCustomerRef: null,
    sentAtMs: 0,
  });
  const nowMs = Date.UTC(2026, 10, 25);
  const reasons = new Set<string>();
  for (const card of [...TEST_CARDS, undefined]) {
    for (const r of [request('purchase', 'customer', '123'), request('purchase', 'merchant', null), request('account_verification', 'customer', '123'), request('purchase', 'customer', '123', 2020)]) {
      for (const verified of [false, true]) reasons.add(`${decideTestAuthorization(card, r, nowMs, verified).code} ${decideTestAuthorization(card, r, nowMs, verified).reason}`);
    }
  }
  for (const answer of reasons) {
    const [code, reason] = answer.split(' ') as [IsoResponseCode, string];
    if (reason === 'approved') continue;
    const entry = entryForDecision('issuer', reason);
    assert.notEqual(entry.reason, UNKNOWN_ISSUER_REASON, `no catalogue entry for the test bank's ${reason}`);
    assert.equal(entry.isoCode, code, reason);
  }
});

test('every decline the network answers itself has an entry; format refusals share one', () => {
  for (const reason of Object.values(NETWORK_REASONS)) {
    if (FOLLOW_UP_ONLY_NETWORK_REASONS.has(reason)) continue;
    const entry = entryForDecision('network', reason);
    assert.notEqual(entry.reason, UNKNOWN_NETWORK_REASON, `no catalogue entry for network reason ${reason}`);
    assert.equal(entry.decidedBy, 'network');
  }
  // Real refusals from the network's own format checks.
  const good = {
    type: 'authorization', id: 'a1', purpose: 'purchase', initiator: 'customer', entryMode: 'ecommerce',
    card: { pan: '4242424242424242', expMonth: 12, expYear: 2030, cvv2: '123' }, amount: { minor: 100, currency: 'USD' },
    merchant: { acquirerId: 'x', merchantId: 'm', name: 'M', mcc: '5734', country: 'US' }, avs: null, merchantCustomerRef: null, sentAtMs: 0,
  };
  const broken = [{ ...good, purpose: 'gift' }, { ...good, amount: { minor: 0, currency: 'USD' } }, { ...good, card: { ...good.card, pan: '1234' } }, { ...good, merchant: { ...good.merchant, mcc: 'x' } }];
  for (const request of broken) {
    const refusal = checkAuthorization(request)!;
    assert.ok(refusal);
    const entry = entryForDecision('network', refusal.reason);
    assert.equal(entry.reason, NETWORK_FORMAT_REFUSAL, refusal.reason);
  }
});

test('every kind of merchant rule condition, and the built-in highest-risk list, has its entries', () => {
  for (const kind of CONDITION_KINDS) {
    const reasons = RULE_REASONS[kind];
    assert.ok(reasons.length > 0, kind);
    for (const reason of reasons) assert.equal(catalogueEntry(reason)?.decidedBy, 'acquirer_rule', reason);
  }
  assert.equal(catalogueEntry(HIGHEST_RISK_REASON)?.decidedBy, 'acquirer');
});

test('every entry explains itself in English and Chinese, and the issuer\'s own statement text is its remedy', () => {
  const cjk = /[\u4e00-\u9fff]/;
  for (const entry of CATALOGUE.values()) {
    for (const lang of LANGS) {
      const text = entry.text[lang];
      for (const field of ['title', 'explanation', 'remedy'] as const) assert.ok(text[field].trim().length > 0, `${entry.reason} ${lang} ${field}`);
      if (lang === 'zh-CN') assert.match(text.explanation + text.remedy + text.title, cjk, `${entry.reason} zh-CN is Chinese`);
      else assert.doesNotMatch(text.explanation + text.remedy + text.title, cjk, `${entry.reason} en is English`);
    }
    assert.ok((SEED_CAUSES as readonly string[]).includes(entry.seedCause), entry.reason);
    assert.equal(entry.retryable, entry.adviceCode === 'try_again_later', entry.reason);
    if (entry.decidedBy === 'issuer' && hasDeclineText(entry.reason) && !['invalid_amount', 'currency_not_supported'].includes(entry.reason)) {
      assert.equal(entry.text.en.remedy, declineText(entry.reason).en, entry.reason);
      assert.equal(entry.text['zh-CN'].remedy, declineText(entry.reason).zh, entry.reason);
    }
  }
});

test("the seed's six causes are each covered, and system failures are the retryable ones", () => {
  const by = (cause: string) => [...CATALOGUE.values()].filter((e) => e.seedCause === cause).map((e) => e.reason);
  for (const cause of SEED_CAUSES) assert.ok(by(cause).length > 0, cause);
  assert.deepEqual(by('card_country'), ['rule_card_country']);
  assert.deepEqual(by('card_type'), ['rule_card_funding']);
  for (const reason of by('system_failure')) assert.equal(catalogueEntry(reason)!.retryable, true, reason);
  assert.equal(catalogueEntry('card_frozen')!.seedCause, 'issuer_security_policy');
  assert.equal(catalogueEntry('insufficient_funds')!.retryable, true);
  assert.equal(catalogueEntry('rule_card_funding')!.retryable, false);
});

/** A condition of each kind, for building blocked attempts. */
const CONDITIONS: Record<(typeof CONDITION_KINDS)[number], RiskCondition> = {
  card_country: { kind: 'card_country', not_in: ['GB'] },
  card_funding: { kind: 'card_funding', in: ['prepaid'] },
  velocity: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 3, window_seconds: 3600 },
  amount: { kind: 'amount', currency: 'usd', above_minor: 500 },
  avs: { kind: 'avs', block_if_line1_fails: true, block_if_postal_code_fails: true },
  cvc: { kind: 'cvc', block_if_fails: true },
  name_check: { kind: 'name_check', in: ['no_match'] },
  card_fingerprint: { kind: 'card_fingerprint', in: ['fpSYNTHETIC00001'] },
};

const RULE_DECLINE_CODES: Record<string, { code: string; phase: 'pre' | 'post' }> = {
  rule_card_country: { code: 'card_not_supported', phase: 'pre' },
  rule_card_funding: { code: 'card_not_supported', phase: 'pre' },
  rule_amount: { code: 'transaction_not_allowed', phase: 'pre' },
  rule_card_fingerprint: { code: 'merchant_blacklist', phase: 'pre' },
  rule_velocity: { code: 'card_velocity_exceeded', phase: 'pre' },
  rule_avs_postal_code: { code: 'incorrect_zip', phase: 'post' },
  rule_avs_line1: { code: 'incorrect_address', phase: 'post' },
  rule_cvc: { code: 'incorrect_cvc', phase: 'post' },
  rule_name_check: { code: 'generic_decline', phase: 'post' },
};

test('every catalogue entry is reached by the doctor\'s diagnosis of the records that carry it', () => {
  const reached = new Set<string>();
  const check = (entry: CatalogueEntry, got: ReturnType<typeof diagnose>) => {
    assert.equal(got.entry?.reason, entry.reason, `${entry.reason} is diagnosed as ${got.entry?.reason}`);
    assert.equal(got.decidedBy, entry.decidedBy, entry.reason);
    assert.equal(got.outcome, 'declined');
    reached.add(entry.reason);
  };
  for (const entry of CATALOGUE.values()) {
    if (entry.decidedBy === 'acquirer_rule') {
      const kind = CONDITION_KINDS.find((k) => RULE_REASONS[k].includes(entry.reason))!;
      const { code, phase } = RULE_DECLINE_CODES[entry.reason]!;
      assert.equal(entry.stripeDeclineCode, code, `${entry.reason}: the evaluator's decline code`);
      const got = diagnose(blockedFacts(rule(CONDITIONS[kind]), code, phase));
      check(entry, got);
      assert.equal(got.reachedIssuer, phase === 'post', entry.reason);
      assert.deepEqual(got.hops.map((h) => `${h.party}/${h.status}`), phase === 'pre'
        ? ['acquirer/blocked', 'network/not_reached', 'issuer/not_reached']
        : ['acquirer/sent', 'network/routed', 'issuer/approved', 'acquirer/reversed']);
    } else if (entry.decidedBy === 'acquirer') {
      check(entry, diagnose(blockedFacts(null, entry.stripeDeclineCode)));
    } else {
      const reason = entry.reason === NETWORK_FORMAT_REFUSAL ? 'invalid_mcc' : entry.reason === UNKNOWN_ISSUER_REASON ? 'some_new_reason' : entry.reason === UNKNOWN_NETWORK_REASON ? 'some_new_reason' : entry.reason;
      const got = diagnose(answeredFacts(entry.decidedBy, entry.isoCode!, reason));
      check(entry, got);
      assert.equal(got.isoCode, entry.isoCode);
    }
  }
  assert.equal(reached.size, CATALOGUE.size);
});
