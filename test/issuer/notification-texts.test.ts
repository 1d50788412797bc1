import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smsBody, type NotificationEvent } from '../../src/issuer/notifications/notifier.ts';

// The text messages a cardholder gets: Chinese first, then English, each value spaced from the Chinese — and a card
// whose last four are not known reads as "your card", never as an empty gap ("尾号  的卡", "Card : …").

const event = (kind: NotificationEvent['kind'], reason: string | null = null): NotificationEvent => ({
  kind,
  cardholderId: 'ch_1',
  subjectId: 'auth_1',
  eventKey: 'k1',
  merchantName: 'Acme',
  amountMinor: 1200,
  currency: 'USD',
  reason,
  createdAtMs: 0,
});

test('a text names the card by its last four, each value spaced from the Chinese', () => {
  assert.equal(smsBody(event('authorization'), '4242'), '【Cardlane】你尾号 4242 的卡在 Acme 消费 $12.00（预授权）。如非本人操作，请立即冻结卡片。 Card 4242: $12.00 at Acme.');
  assert.match(smsBody(event('decline', '51'), '4242'), /^【Cardlane】你尾号 4242 的卡在 Acme 的 \$12\.00 交易被拒绝：.+ Card 4242: \$12\.00 at Acme declined\.$/);
});

test('without the last four: "your card" in both languages, no empty gap', () => {
  for (const kind of ['authorization', 'decline', 'dispute'] as const) {
    const text = smsBody(event(kind, kind === 'decline' ? '51' : kind === 'dispute' ? 'won' : null), null);
    assert.doesNotMatch(text, / {2}|尾号|Card :/, text);
    assert.match(text, /^【Cardlane】你的卡在 Acme /, text);
  }
  assert.match(smsBody(event('authorization'), null), / Your card: \$12\.00 at Acme\.$/);
});

test('a foreign amount keeps its own exponent and says its currency: a ¥1,500 purchase is JPY 1,500, not 15.00', () => {
  const jpy = { ...event('authorization'), amountMinor: 1_500, currency: 'JPY' };
  assert.match(smsBody(jpy, '4242'), /消费 JPY 1,500（预授权）.* Card 4242: JPY 1,500 at Acme\.$/);
  assert.match(smsBody({ ...event('authorization'), amountMinor: 8_640, currency: 'CNY' }, '4242'), /消费 ¥86\.40（/);
  assert.match(smsBody({ ...event('authorization'), amountMinor: 123_456, currency: 'USD' }, '4242'), /消费 \$1,234\.56（/);
});

test('without a merchant name the place is left out, and a long name is cut between characters, never inside an emoji', () => {
  for (const kind of ['authorization', 'decline', 'dispute'] as const) {
    const text = smsBody({ ...event(kind, kind === 'decline' ? '51' : kind === 'dispute' ? 'won' : null), merchantName: null }, '4242');
    assert.doesNotMatch(text, / {2}| at [.:]|在 /, text);
  }
  assert.match(smsBody({ ...event('authorization'), merchantName: '' }, '4242'), /^【Cardlane】你尾号 4242 的卡消费 \$12\.00（预授权）.* Card 4242: \$12\.00\.$/);
  const text = smsBody({ ...event('authorization'), merchantName: `${'a'.repeat(39)}😀😀` }, '4242');
  assert.ok(text.includes(`${'a'.repeat(39)}😀 消费`), text);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(text), 'no lone surrogate');
});
