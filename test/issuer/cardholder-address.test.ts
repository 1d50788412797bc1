import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { getCard } from '../../src/issuer/cards/cards.ts';
import { setCardholderBillingAddress } from '../../src/issuer/identity/cardholder-address.ts';
import { createOperatorKey } from '../../src/issuer/identity/operator-keys.ts';
import { OTP_RESEND_COOLDOWN_MS } from '../../src/platform/identity/one-time-codes.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { cardFixture, GOOD_AVS } from '../support/card-fixture.ts';
import { identityFixture, PHONE_A } from '../support/identity-fixture.ts';

// AVS proves something only if the address is the cardholder's: every card
// used to carry the program's public address, so any merchant could pass it.

const HOME = { line1: '77 Nanjing West Rd', city: 'San Jose', state: 'CA', postal_code: '95112', country: 'US' };

test('AVS checks the cardholder’s own billing address once set: the program’s public address then fails, theirs passes; the card shows it', async () => {
  const f = await cardFixture();
  try {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    // Before: the program's address, as for every existing cardholder (nothing breaks).
    assert.equal((await f.issuer.authorize(f.authRequest(card))).responseCode, '00');

    await f.db.transaction((tx) => setCardholderBillingAddress(tx, card.cardholderId, HOME, f.clock.nowMs()));
    const program = await f.issuer.authorize(f.authRequest(card, { avs: GOOD_AVS }));
    assert.equal(program.reason, 'avs_mismatch');
    assert.deepEqual(program.avs, { line1: 'fail', postalCode: 'fail' });
    const own = await f.issuer.authorize(f.authRequest(card, { avs: { line1: '77 Nanjing West Road', postalCode: '95112' } }));
    assert.equal(own.responseCode, '00');
    assert.deepEqual(own.avs, { line1: 'pass', postalCode: 'pass' });

    assert.equal((await getCard(f.db, card.cardId))!.billingAddress.line1, '77 Nanjing West Rd');
  } finally {
    await f.cleanup();
  }
});

test('PUT /issuer/v1/me/billing_address: the signed-in cardholder sets it; a bad address is a 400 that changes nothing', async () => {
  const f = await identityFixture(7);
  const app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: identityRoutes({ db: f.db, deps: f.deps }), prefix: '/issuer/v1' }],
  });
  try {
    const operatorKey = (await createOperatorKey(f.db, f.deps, 'test operator', f.clock.nowMs())).key;
    const inject = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token?: string) => {
      const response = await app.inject({
        method,
        url: `/issuer/v1${url}`,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'idempotency-key': `k${Math.random()}` },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
      return { status: response.statusCode, body: response.json() as Record<string, any> };
    };
    f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
    assert.equal((await inject('POST', '/sessions/code', { phone: PHONE_A })).status, 200);
    const inbox = await app.inject({ method: 'GET', url: `/issuer/v1/operator/sms?phone=${encodeURIComponent(PHONE_A)}`, headers: { authorization: `Bearer ${operatorKey}` } });
    const code = /\b(\d{6})\b/.exec((inbox.json() as any).data[0].body)![1]!;
    const signed = await inject('POST', '/sessions', { phone: PHONE_A, code });
    const token = signed.body.token as string;

    assert.equal((await inject('PUT', '/me/billing_address', HOME)).status, 401);
    const bad = await inject('PUT', '/me/billing_address', { ...HOME, postal_code: 'ABCDE' }, token);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'billing_address_invalid');
    const id = signed.body.cardholder.id as string;
    assert.equal((await f.db.get<{ billing_address: string | null }>('SELECT billing_address FROM issuer_cardholders WHERE id = ?', [id]))!.billing_address, null);

    const set = await inject('PUT', '/me/billing_address', HOME, token);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.billing_address.postal_code, '95112');
    assert.ok((await f.db.get<{ billing_address: string }>('SELECT billing_address FROM issuer_cardholders WHERE id = ?', [id]))!.billing_address.includes('95112'));
  } finally {
    await app.close();
    await f.cleanup();
  }
});
