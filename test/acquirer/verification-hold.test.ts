import assert from 'node:assert/strict';
import { cryptoRandom, IdGenerator } from '../../src/platform/ids.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { releaseDueVerificationHolds, releaseOpenVerifications } from '../../src/acquirer/payments/card-verification.ts';
import { DEMO_VERIFICATION_HOLD_MINOR, DEMO_VERIFICATION_HOLD_RELEASE, prepareDemoMerchant } from '../../src/acquirer/acquirer-start.ts';
import { getDemoMerchant, type MerchantWithKeys } from '../../src/acquirer/merchants/merchants.ts';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import { createRiskRule } from '../../src/acquirer/risk/risk-rules.ts';
import { cardStatement } from '../../src/issuer/cards/statement.ts';
import { runCli } from '../../src/cli/program.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// A merchant account configured for a verification hold (the seed's "$5 when
// you add a card, released afterwards"): the official SDK's setup intents and
// attach calls are unchanged; the Cardlane card's issuer sees a $5.00
// account-verification authorization that is reversed at once.

const HOLD = 500;

let f: AcquirerFixture & { base: CardFixture };
let holding: MerchantWithKeys;
let stripe: Stripe;
beforeEach(async () => {
  const base = await cardFixture();
  f = await acquirerFixture({ base, endpoints: acquirerEndpoints, network: (b) => testPaymentNetwork(b, b.issuer) });
  holding = await f.addMerchant({ name: 'OpenAI', cardVerificationAmountMinor: HOLD });
  stripe = f.stripeFor(holding.secretKey);
});
afterEach(async () => {
  await f.base.assertConsistent();
  await f.close();
});

const PROGRAM_ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };

function paymentMethod(client: Stripe, card: OpenedCard) {
  return client.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
    billing_details: { name: 'Li Lei', address: PROGRAM_ADDRESS },
  });
}

interface IssuerRecord {
  purpose: string;
  amount_minor: number;
  response_code: string;
  reason: string;
  status: string;
  approved_usd_minor: number;
  held_usd_minor: number;
  released_usd_minor: number;
}

/** The issuer's authorization records for the card, oldest first, money as numbers (PostgreSQL returns BIGINT as text). */
async function issuerRecords(card: OpenedCard): Promise<IssuerRecord[]> {
  const rows = await f.db.all<IssuerRecord>(
    `SELECT purpose, amount_minor, response_code, reason, status, approved_usd_minor, held_usd_minor, released_usd_minor
       FROM issuer_authorizations WHERE card_id = ? ORDER BY created_at_ms, id`,
    [card.cardId],
  );
  return rows.map((r) => ({
    ...r,
    amount_minor: Number(r.amount_minor),
    approved_usd_minor: Number(r.approved_usd_minor),
    held_usd_minor: Number(r.held_usd_minor),
    released_usd_minor: Number(r.released_usd_minor),
  }));
}

const reversedHold = (amount: number): IssuerRecord => ({
  purpose: 'account_verification',
  amount_minor: amount,
  response_code: '00',
  reason: 'approved',
  status: 'reversed',
  approved_usd_minor: amount,
  held_usd_minor: 0,
  released_usd_minor: amount,
});

/** The card's statement lines about card payments, as (type, amount, status), sorted. */
async function paymentLines(card: OpenedCard): Promise<string[]> {
  const { lines } = await cardStatement(f.base.ledger, f.db, { cardholderId: card.cardholderId, cardId: card.cardId, limit: 100 });
  return lines.filter((l) => l.type !== 'load').map((l) => `${l.type} ${l.amountUsdMinor} ${l.status}`).sort();
}

async function cardErrorOf(promise: Promise<unknown>): Promise<Stripe.errors.StripeCardError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Stripe.errors.StripeCardError, `expected a card error, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a decline');
}

test('a setup intent on a Cardlane card with $15 holds $5.00 and releases it at once; the balance stays $15.00', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 1500 });
  const customer = await stripe.customers.create({ email: 'li@example.com' });
  const pm = await paymentMethod(stripe, card);
  const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true, usage: 'off_session' });
  assert.equal(si.status, 'succeeded');
  assert.equal((await stripe.paymentMethods.retrieve(pm.id)).customer, customer.id);

  const charge = await stripe.charges.retrieve(si.latest_attempt as string);
  assert.deepEqual([charge.amount, charge.currency, charge.status, charge.captured, charge.amount_captured], [HOLD, 'usd', 'succeeded', false, 0]);

  assert.deepEqual(await issuerRecords(card), [reversedHold(HOLD)]);
  assert.deepEqual(await paymentLines(card), ['account_verification -500 reversed', 'reversal 500 reversed']);
  assert.equal(await f.base.available(card), 1500);
  const [issuerSide] = await f.db.all<{ initiator: string }>('SELECT initiator FROM issuer_authorizations WHERE card_id = ?', [card.cardId]);
  assert.equal(issuerSide?.initiator, 'customer', 'a verification is customer-initiated');
});

test('attaching a payment method verifies with the same hold, released at once', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 1500 });
  const customer = await stripe.customers.create({ email: 'li@example.com' });
  const pm = await paymentMethod(stripe, card);
  const attached = await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
  assert.equal(attached.customer, customer.id);
  assert.deepEqual(await issuerRecords(card), [reversedHold(HOLD)]);
  assert.equal(await f.base.available(card), 1500);
});

test('a Cardlane card with $3 cannot cover the $5.00 hold: declined insufficient_funds, not saved, nothing held', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 300 });
  const customer = await stripe.customers.create({ email: 'li@example.com' });

  const pm = await paymentMethod(stripe, card);
  const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id });
  const error = await cardErrorOf(stripe.setupIntents.confirm(si.id));
  assert.deepEqual([error.code, error.decline_code, (error.raw as { network_decline_code?: string }).network_decline_code], ['card_declined', 'insufficient_funds', '51']);
  const failed = await stripe.setupIntents.retrieve(si.id);
  assert.equal(failed.status, 'requires_payment_method');
  assert.equal(failed.last_setup_error?.decline_code, 'insufficient_funds');
  assert.equal((await stripe.charges.retrieve(failed.latest_attempt as string)).amount, HOLD, 'the failed verification shows what it asked for');

  const other = await paymentMethod(stripe, card);
  const attach = await cardErrorOf(stripe.paymentMethods.attach(other.id, { customer: customer.id }));
  assert.equal(attach.decline_code, 'insufficient_funds');

  for (const id of [pm.id, other.id]) assert.equal((await stripe.paymentMethods.retrieve(id)).customer, null, `${id} is not attached`);
  assert.equal((await stripe.customers.listPaymentMethods(customer.id)).data.length, 0);
  assert.deepEqual(
    (await issuerRecords(card)).map((r) => [r.purpose, r.amount_minor, r.status, r.reason]),
    [
      ['account_verification', HOLD, 'declined', 'insufficient_funds'],
      ['account_verification', HOLD, 'declined', 'insufficient_funds'],
    ],
  );
  assert.equal(await f.base.available(card), 300);
});

test("the seed's merchant (prepaid cards blocked on customer-initiated purchases) still verifies a prepaid Cardlane card with the hold", async () => {
  await f.db.transaction((tx) => createRiskRule(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, holding.merchant.id, BLOCK_PREPAID_ON_CUSTOMER_INITIATED));
  const card = await f.base.openCard({ loadUsdMinor: 1500 });
  const customer = await stripe.customers.create({ email: 'li@example.com' });
  const pm = await paymentMethod(stripe, card);
  assert.equal(pm.card?.funding, 'prepaid');
  const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
  assert.equal(si.status, 'succeeded');
  assert.deepEqual(await issuerRecords(card), [reversedHold(HOLD)]);
  assert.equal(await f.base.available(card), 1500);

  // The rule is live: the top-up by hand is blocked before the network, as in the seed.
  const blocked = await cardErrorOf(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true }));
  assert.equal(blocked.decline_code, 'card_not_supported');
  assert.equal((await issuerRecords(card)).length, 1, 'the blocked purchase never reached the issuer');
});

test('a merchant left at the default verifies for $0, holding nothing', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 300 });
  const customer = await f.stripe.customers.create({ email: 'li@example.com' });
  const pm = await paymentMethod(f.stripe, card);
  const si = await f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
  assert.equal(si.status, 'succeeded');
  assert.equal((await f.stripe.charges.retrieve(si.latest_attempt as string)).amount, 0);
  const [record] = await issuerRecords(card);
  assert.deepEqual([record?.purpose, record?.amount_minor, record?.approved_usd_minor, record?.released_usd_minor], ['account_verification', 0, 0, 0]);
  assert.equal(await f.base.available(card), 300);
});

test('/v1/account_settings: read and change the verification amount with the secret key; bad amounts are refused and change nothing', async () => {
  const settings = (await f.stripe.rawRequest('GET', '/v1/account_settings', {})) as any;
  assert.deepEqual(
    { ...settings, lastResponse: undefined },
    { object: 'account_settings', account: f.merchant.merchant.id, default_currency: 'usd', card_verification_amount: 0, verification_hold_release: 'immediately', livemode: false, lastResponse: undefined },
  );
  const changed = (await f.stripe.rawRequest('POST', '/v1/account_settings', { card_verification_amount: 100 })) as any;
  assert.equal(changed.card_verification_amount, 100);
  for (const bad of [-1, 10_001, '5.00']) {
    await assert.rejects(f.stripe.rawRequest('POST', '/v1/account_settings', { card_verification_amount: bad }), (e: any) => {
      assert.equal(e.type, 'StripeInvalidRequestError');
      assert.equal(e.param, 'card_verification_amount');
      return true;
    });
  }
  assert.equal(((await f.stripe.rawRequest('GET', '/v1/account_settings', {})) as any).card_verification_amount, 100);
  assert.equal(((await stripe.rawRequest('GET', '/v1/account_settings', {})) as any).card_verification_amount, HOLD, 'each merchant its own');
});

test('cardlane acquirer settings shows and sets the amount; the next verification holds it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-settings-cli-'));
  const saved = { ...process.env };
  for (const name of ['CARDLANE_URL', 'CARDLANE_DATA_DIR', 'CARDLANE_MERCHANT_KEY']) delete process.env[name];
  try {
    writeFileSync(join(dataDir, 'demo-credentials.json'), JSON.stringify({ acquirer: { merchant_id: f.merchant.merchant.id, secret_key: f.merchant.secretKey, url: `${f.url}/v1` } }));
    const cli = async (args: readonly string[]) => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
      const code = await runCli(['node', 'cardlane', 'acquirer', '--data-dir', dataDir, 'settings', ...args], io);
      return { code, stdout, stderr };
    };

    const shown = await cli([]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /card verification\s+zero-amount verification \(nothing held\)\n/);
    const set = await cli(['--verification-amount', '5.00', '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).card_verification_amount, 500);
    const human = await cli(['--verification-amount', '2.5', '--merchant', f.merchant.merchant.id]);
    assert.match(human.stdout, /^Updated acct_\w+: cards added from now on get a USD 2\.50 hold, released at once\.\n/);
    assert.match(human.stdout, /card verification\s+USD 2\.50 hold, released at once\n/);

    for (const [args, message] of [
      [['--verification-amount', '5.001'], /USD has 2 decimal places/],
      [['--verification-amount', 'five'], /not an amount/],
      [['--verification-amount', '-1'], /from 0 \(a zero-amount verification\) to USD 100\.00/],
      [['--verification-amount', '100.01'], /to USD 100\.00, got "100\.01"/],
      [['--merchant', holding.merchant.id, '--verification-amount', '0'], /the key in use is acct_\w+'s, not acct_\w+'s/],
    ] as const) {
      const refused = await cli(args);
      assert.equal(refused.code, 2, args.join(' '));
      assert.match(refused.stderr, message);
    }
    assert.equal(((await f.stripe.rawRequest('GET', '/v1/account_settings', {})) as any).card_verification_amount, 250, 'refusals changed nothing');
    assert.equal(((await stripe.rawRequest('GET', '/v1/account_settings', {})) as any).card_verification_amount, HOLD);

    const card = await f.base.openCard({ loadUsdMinor: 1500 });
    const pm = await paymentMethod(f.stripe, card);
    const si = await f.stripe.setupIntents.create({ payment_method: pm.id, confirm: true });
    assert.equal(si.status, 'succeeded');
    assert.deepEqual(await issuerRecords(card), [reversedHold(250)]);
  } finally {
    process.env = saved;
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('cardlane acquirer settings words the release policy the API answers, and --json is the API\'s object', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-settings-release-cli-'));
  const saved = { ...process.env };
  for (const name of ['CARDLANE_URL', 'CARDLANE_DATA_DIR', 'CARDLANE_MERCHANT_KEY']) delete process.env[name];
  try {
    writeFileSync(join(dataDir, 'demo-credentials.json'), JSON.stringify({ acquirer: { merchant_id: holding.merchant.id, secret_key: holding.secretKey, url: `${f.url}/v1` } }));
    const cli = async (args: readonly string[]) => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
      const code = await runCli(['node', 'cardlane', 'acquirer', '--data-dir', dataDir, 'settings', ...args], io);
      assert.equal(code, 0, stderr);
      return stdout;
    };
    for (const [release, worded] of [
      ['after_hours:6', 'USD 5.00 hold, released after 6 hours'],
      ['after_hours:1', 'USD 5.00 hold, released after 1 hour'],
      ['never', 'USD 5.00 hold, never released (it lapses with the authorization)'],
      ['immediately', 'USD 5.00 hold, released at once'],
    ] as const) {
      const api = (await stripe.rawRequest('POST', '/v1/account_settings', { verification_hold_release: release })) as any;
      const shown = await cli([]);
      assert.ok(shown.includes(`card verification  ${worded}\n`), `${release}:\n${shown}`);
      const { lastResponse: _, ...object } = api;
      assert.deepEqual(JSON.parse(await cli(['--json'])), object);
    }
  } finally {
    process.env = saved;
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the demo merchant `cardlane up` creates has the seed\'s $5.00 verification hold', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-demo-merchant-'));
  try {
    await prepareDemoMerchant(f.db, { clock: f.clock, ids: new IdGenerator(f.clock, cryptoRandom), random: cryptoRandom }, dataDir);
    assert.equal(DEMO_VERIFICATION_HOLD_MINOR, 500);
    assert.equal((await getDemoMerchant(f.db))?.cardVerificationAmountMinor, DEMO_VERIFICATION_HOLD_MINOR);
    assert.deepEqual((await getDemoMerchant(f.db))?.verificationHoldRelease, { kind: 'after_hours', hours: 6 });
    assert.deepEqual(DEMO_VERIFICATION_HOLD_RELEASE, { kind: 'after_hours', hours: 6 });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a verification hold whose release the network could not take is released by the sweep, once', async () => {
  await f.close();
  const base = await cardFixture();
  let refusals = 1;
  f = await acquirerFixture({
    base,
    endpoints: acquirerEndpoints,
    network: (b) => {
      const network = testPaymentNetwork(b, b.issuer);
      const reverse = network.reverse.bind(network);
      // The first release is answered 91 (issuer unavailable), as a network in trouble would.
      network.reverse = async (request) =>
        refusals-- > 0
          ? { type: 'follow_up_response', id: request.id, originalId: request.originalId, responseCode: '91', reason: 'issuer_unavailable', amount: { minor: 0, currency: 'USD' }, decidedBy: 'network' }
          : reverse(request);
      return network;
    },
  });
  holding = await f.addMerchant({ name: 'OpenAI', cardVerificationAmountMinor: HOLD });
  stripe = f.stripeFor(holding.secretKey);
  const card = await f.base.openCard({ loadUsdMinor: 1500 });
  const customer = await stripe.customers.create({ email: 'li@example.com' });
  const pm = await paymentMethod(stripe, card);
  await assert.rejects(stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true }), { code: 'processing_error' });
  assert.equal(await f.base.available(card), 1000, 'the hold is still on the card');

  assert.equal(await releaseOpenVerifications(f.deps, f.clock.nowMs(), 60_000), 0, 'not stuck yet');
  f.clock.advanceMs(61_000);
  assert.equal(await releaseOpenVerifications(f.deps, f.clock.nowMs(), 60_000), 1);
  assert.equal(await f.base.available(card), 1500);
  assert.equal(await releaseOpenVerifications(f.deps, f.clock.nowMs(), 60_000), 0);
  assert.deepEqual(await issuerRecords(card), [reversedHold(HOLD)]);
});

const HOUR_MS = 60 * 60 * 1000;

test('a merchant that keeps its holds for 6 hours: the $5.00 stays on the card, and the task releases it at its time, once', async () => {
  const keeping = await f.addMerchant({ name: 'Acme AI', cardVerificationAmountMinor: HOLD, verificationHoldRelease: { kind: 'after_hours', hours: 6 } });
  const client = f.stripeFor(keeping.secretKey);
  const card = await f.base.openCard({ loadUsdMinor: 1500 });
  const customer = await client.customers.create({ email: 'li@example.com' });
  const pm = await paymentMethod(client, card);
  const si = await client.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true, usage: 'off_session' });
  assert.equal(si.status, 'succeeded', 'the card is saved: the hold is no reason to wait');
  assert.equal(await f.base.available(card), 1000, 'the $5.00 hold is still on the card');
  const [held] = await issuerRecords(card);
  assert.deepEqual([held?.purpose, held?.held_usd_minor, held?.released_usd_minor], ['account_verification', HOLD, 0]);

  // Neither the task before its time nor the stuck-release sweep touches it.
  f.clock.advanceMs(6 * HOUR_MS - 1);
  assert.equal(await releaseDueVerificationHolds(f.deps, f.clock.nowMs()), 0);
  assert.equal(await releaseOpenVerifications(f.deps, f.clock.nowMs(), 60_000), 0);
  assert.equal(await f.base.available(card), 1000);

  f.clock.advanceMs(1);
  assert.equal(await releaseDueVerificationHolds(f.deps, f.clock.nowMs()), 1);
  assert.equal(await f.base.available(card), 1500);
  assert.equal(await releaseDueVerificationHolds(f.deps, f.clock.nowMs()), 0, 'released once');
  assert.deepEqual(await issuerRecords(card), [reversedHold(HOLD)]);
  assert.deepEqual(await paymentLines(card), ['account_verification -500 reversed', 'reversal 500 reversed']);
});

test('a crash between the release and its record: the next run sends the same release, which the issuer applies once', async () => {
  const keeping = await f.addMerchant({ name: 'Acme AI', cardVerificationAmountMinor: HOLD, verificationHoldRelease: { kind: 'after_hours', hours: 1 } });
  const client = f.stripeFor(keeping.secretKey);
  const card = await f.base.openCard({ loadUsdMinor: 1500 });
  const pm = await paymentMethod(client, card);
  await client.setupIntents.create({ payment_method: pm.id, confirm: true });
  f.clock.advanceMs(HOUR_MS);
  await Promise.all([releaseDueVerificationHolds(f.deps, f.clock.nowMs()), releaseDueVerificationHolds(f.deps, f.clock.nowMs())]);
  // As if the process stopped after the issuer took the release but before the acquirer wrote it down.
  await f.db.run("UPDATE acquirer_charges SET authorization_open = 1 WHERE purpose = 'account_verification'");
  assert.equal(await releaseDueVerificationHolds(f.deps, f.clock.nowMs()), 1);
  assert.equal(await f.base.available(card), 1500, 'not $20.00: the repeat released nothing more');
  assert.deepEqual(await issuerRecords(card), [reversedHold(HOLD)]);
  assert.deepEqual(await paymentLines(card), ['account_verification -500 reversed', 'reversal 500 reversed']);
});

test('a merchant that never releases: the hold stays until the issuer lets the authorization lapse', async () => {
  const keeping = await f.addMerchant({ name: 'Acme AI', cardVerificationAmountMinor: HOLD, verificationHoldRelease: { kind: 'never' } });
  const client = f.stripeFor(keeping.secretKey);
  const card = await f.base.openCard({ loadUsdMinor: 1500 });
  const pm = await paymentMethod(client, card);
  await client.setupIntents.create({ payment_method: pm.id, confirm: true });
  f.clock.advanceMs(200 * HOUR_MS);
  assert.equal(await releaseDueVerificationHolds(f.deps, f.clock.nowMs()), 0);
  assert.equal(await releaseOpenVerifications(f.deps, f.clock.nowMs(), 60_000), 0);
  const [held] = await issuerRecords(card);
  assert.equal(held?.released_usd_minor, 0, 'the merchant sent no release');
});

test('/v1/account_settings: verification_hold_release is read and set; bad values are refused with the parameter and change nothing', async () => {
  const read = async () => ((await f.stripe.rawRequest('GET', '/v1/account_settings', {})) as any).verification_hold_release;
  assert.equal(await read(), 'immediately');
  const both = (await f.stripe.rawRequest('POST', '/v1/account_settings', { card_verification_amount: 500, verification_hold_release: 'after_hours:24' })) as any;
  assert.deepEqual([both.card_verification_amount, both.verification_hold_release], [500, 'after_hours:24']);
  for (const bad of ['after_hours:0', 'after_hours:169', 'after_hours:1.5', 'after_hours:', 'later', 'IMMEDIATELY', 'after_hours:06']) {
    await assert.rejects(f.stripe.rawRequest('POST', '/v1/account_settings', { verification_hold_release: bad }), (e: any) => {
      assert.equal(e.type, 'StripeInvalidRequestError');
      assert.equal(e.code, 'parameter_invalid');
      assert.equal(e.param, 'verification_hold_release');
      return true;
    });
  }
  // One bad setting in a request refuses the whole request.
  await assert.rejects(f.stripe.rawRequest('POST', '/v1/account_settings', { card_verification_amount: 100, verification_hold_release: 'soon' }));
  assert.equal(((await f.stripe.rawRequest('GET', '/v1/account_settings', {})) as any).card_verification_amount, 500);
  assert.equal(await read(), 'after_hours:24');
  assert.equal(((await f.stripe.rawRequest('POST', '/v1/account_settings', { verification_hold_release: 'never' })) as any).verification_hold_release, 'never');
  assert.equal(((await f.stripe.rawRequest('POST', '/v1/account_settings', { verification_hold_release: 'immediately' })) as any).verification_hold_release, 'immediately');
});
