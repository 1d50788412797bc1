import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PaymentJson } from '../../src/demo/story/story-customer.ts';
import type { StatementLineJson } from '../../src/demo/story/story-issuer.ts';
import { reconcile, type PaymentLink } from '../../src/demo/story/story-reconcile.ts';

// The story's own records, reduced to what reconcile reads: a verification
// (hold released), a purchase the merchant's rule blocked (never on the
// card), a recharge captured, and a recharge the issuer declined (51).

const usd = (minor: number) => ({ amount_minor: minor, currency: 'USD', formatted: `$${(minor / 100).toFixed(2)}` });

function payment(id: string, kind: PaymentJson['kind'], status: PaymentJson['status'], amount: number, refunded = 0): PaymentJson {
  return {
    id,
    kind,
    status,
    amount: usd(amount),
    refunded: usd(refunded),
    initiator: kind === 'auto_recharge' ? 'merchant' : 'customer',
    payment_method: 'pm_1',
    provider_payment: null,
    failure: null,
    receipt: null,
    created_at: '2026-01-01T00:00:00.000Z',
  };
}

function line(authorization: string, type: string, amount: number, status: StatementLineJson['status'], code: string | null = null): StatementLineJson {
  return {
    id: `${authorization}:${type}`,
    type,
    amount,
    status,
    created_at: '2026-01-01T00:00:00.000Z',
    merchant: { name: 'ACME AI API' },
    authorization,
    decline: code === null ? null : { response_code: code, reason: 'insufficient_funds', message_zh: '余额不足', message_en: 'Insufficient funds' },
  };
}

const story: PaymentLink[] = [
  { payment: payment('bpa_verify', 'verification', 'succeeded', 500), issuerAuthorization: 'iauth_verify' },
  { payment: payment('bpa_buy', 'purchase', 'failed', 1000), issuerAuthorization: null },
  { payment: payment('bpa_recharge', 'auto_recharge', 'succeeded', 1000), issuerAuthorization: 'iauth_recharge' },
  { payment: payment('bpa_recharge2', 'auto_recharge', 'failed', 1000), issuerAuthorization: 'iauth_recharge2' },
];

const card: StatementLineJson[] = [
  line('iauth_recharge2', 'authorization', -1000, 'declined', '51'),
  line('iauth_recharge', 'clearing', -1000, 'settled'),
  line('iauth_recharge', 'authorization', -1000, 'settled'),
  line('iauth_verify', 'reversal', 500, 'reversed'),
  line('iauth_verify', 'account_verification', -500, 'reversed'),
  { ...line('x', 'load', 1500, 'settled'), authorization: null, merchant: null },
];

test('the story’s records agree: each payment matches its card lines and the totals match to the cent', () => {
  const result = reconcile(story, card);
  assert.deepEqual(result.problems, []);
  assert.equal(result.agree, true);
  assert.equal(result.billing_total_net, 1000);
  assert.equal(result.card_total_net, 1000);
  assert.deepEqual(
    result.rows.map((r) => [r.payment, r.card_status, r.card_net, r.card_released, r.card_decline_code]),
    [
      ['bpa_verify', 'reversed', 0, 500, null],
      ['bpa_buy', null, 0, 0, null],
      ['bpa_recharge', 'settled', 1000, 0, null],
      ['bpa_recharge2', 'declined', 0, 0, '51'],
    ],
  );
});

const disagreements: Array<{ name: string; links: PaymentLink[]; lines: StatementLineJson[]; problem: RegExp }> = [
  {
    name: 'a payment billing kept that the card never paid',
    links: story,
    lines: card.filter((l) => !(l.authorization === 'iauth_recharge' && l.type === 'clearing')),
    problem: /bpa_recharge: billing kept 1000 cents, the card paid 0 cents/,
  },
  {
    name: 'a card authorization no billing payment accounts for',
    links: story.filter((l) => l.payment.id !== 'bpa_recharge2'),
    lines: card,
    problem: /iauth_recharge2 is on the card but belongs to no billing payment/,
  },
  {
    name: 'a verification hold not released in full',
    links: story,
    lines: card.map((l) => (l.type === 'reversal' ? { ...l, amount: 300 } : l)),
    problem: /released for 300 cents/,
  },
  {
    name: 'a decline billing saw that the card shows as approved',
    links: story,
    lines: card.map((l) => (l.authorization === 'iauth_recharge2' ? { ...l, status: 'reversed' as const, decline: null } : l)),
    problem: /billing says declined, the card says reversed/,
  },
  {
    name: 'a refund on one side only',
    links: story.map((l) => (l.payment.id === 'bpa_recharge' ? { ...l, payment: payment('bpa_recharge', 'auto_recharge', 'succeeded', 1000, 400) } : l)),
    lines: card,
    problem: /billing kept 600 cents, the card paid 1000 cents/,
  },
  {
    name: 'a payment still processing',
    links: story.map((l) => (l.payment.id === 'bpa_buy' ? { ...l, payment: payment('bpa_buy', 'purchase', 'processing', 1000) } : l)),
    lines: card,
    problem: /still waiting/,
  },
];

for (const { name, links, lines, problem } of disagreements) {
  test(`they disagree when there is ${name}`, () => {
    const result = reconcile(links, lines);
    assert.equal(result.agree, false);
    assert.match(result.problems.join('\n'), problem);
  });
}

test('a refund on both sides agrees', () => {
  const links = story.map((l) => (l.payment.id === 'bpa_recharge' ? { ...l, payment: payment('bpa_recharge', 'auto_recharge', 'succeeded', 1000, 400) } : l));
  const lines = [...card, line('iauth_recharge', 'refund', 400, 'refunded')];
  const result = reconcile(links, lines);
  assert.deepEqual(result.problems, []);
  assert.equal(result.card_total_net, 600);
});

test('a Plus account’s verification refused by the accounts-per-merchant rule (57) held nothing and agrees; each row names its organization', () => {
  const fifth: PaymentLink = { organization: 'org_fifth', payment: payment('bpa_fifth', 'verification', 'failed', 500), issuerAuthorization: 'iauth_fifth' };
  const plus: PaymentLink = { organization: 'org_plus', payment: payment('bpa_plus', 'subscription', 'succeeded', 2000), issuerAuthorization: 'iauth_plus' };
  const lines = [
    ...card,
    line('iauth_fifth', 'account_verification', -500, 'declined', '57'),
    line('iauth_plus', 'clearing', -2000, 'settled'),
    line('iauth_plus', 'authorization', -2000, 'settled'),
  ];
  const result = reconcile([...story.map((l) => ({ ...l, organization: 'org_story' })), plus, fifth], lines);
  assert.deepEqual(result.problems, []);
  assert.deepEqual([result.billing_total_net, result.card_total_net], [3000, 3000]);
  const row = result.rows.find((r) => r.payment === 'bpa_fifth')!;
  assert.deepEqual([row.organization, row.card_status, row.card_decline_code, row.card_released, row.agrees], ['org_fifth', 'declined', '57', 0, true]);
  // An approved verification that kept its hold is still a disagreement.
  const kept = reconcile([{ ...fifth, payment: payment('bpa_fifth', 'verification', 'succeeded', 500) }], [line('iauth_fifth', 'account_verification', -500, 'pending')]);
  assert.match(kept.problems.join('\n'), /released for 0 cents/);
});
