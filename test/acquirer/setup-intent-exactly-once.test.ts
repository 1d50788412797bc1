import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { releaseOpenVerifications } from '../../src/acquirer/payments/card-verification.ts';
import { SetupIntentFlow } from '../../src/acquirer/payments/setup-intent-flow.ts';
import { createMerchant, type MerchantWithKeys } from '../../src/acquirer/merchants/merchants.ts';
import type { AuthorizationRequest } from '../../src/network/messages.ts';
import type { VerificationHoldRelease } from '../../src/acquirer/merchants/verification-hold-release.ts';
import { DEMO_MERCHANT } from '../support/acquirer-fixture.ts';
import { browse, pressChallengeButton, threeDSecureFixture, type ThreeDSecureFixture } from '../support/three-d-secure-fixture.ts';

/**
 * A SetupIntent's confirm and its 3-D Secure continuation happen exactly
 * once: two confirms at once send one verification; a confirm or a
 * continuation cut short after its claim is finished by the sweep
 * (resumeStuck) with the same verification, a repeat at the issuer; a cancel
 * while a confirm is out is refused (the set-up is processing, as at Stripe),
 * and one that comes first wins. The merchant here keeps a $5 verification hold for a day, so a
 * verification that stood by mistake would show as money held at the issuer.
 */

const HOLD = 500;
const STUCK_AGE_MS = 60_000;

let f: ThreeDSecureFixture;
let stripe: Stripe;
let merchant: MerchantWithKeys;
let flow: SetupIntentFlow;
beforeEach(async () => {
  f = await threeDSecureFixture();
  ({ merchant, stripe } = await addMerchant({ kind: 'after_hours', hours: 24 }));
  flow = new SetupIntentFlow(f.deps, f.deps.cvcCache);
});
afterEach(async () => {
  await f.assertAudit();
  await f.close();
});

async function addMerchant(verificationHoldRelease: VerificationHoldRelease): Promise<{ merchant: MerchantWithKeys; stripe: Stripe }> {
  const added = await f.db.transaction((tx) =>
    createMerchant(tx, { ids: f.deps.ids, random: f.deps.random, nowMs: f.clock.nowMs() }, { ...DEMO_MERCHANT, name: 'Holds AI', cardVerificationAmountMinor: HOLD, verificationHoldRelease }),
  );
  const client = new Stripe(added.secretKey, { host: '127.0.0.1', port: new URL(f.url).port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  return { merchant: added, stripe: client };
}

async function setUpIntent(number: string): Promise<Stripe.SetupIntent> {
  const customer = await stripe.customers.create({ email: `${number}@example.com` });
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } } as Stripe.PaymentMethodCreateParams);
  return stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, usage: 'off_session' });
}

/** The next authorization waits at the network's door until released: a confirm "in flight". */
function holdNextAuthorization(): { arrived: Promise<void>; release(): void } {
  const real = f.network.authorize.bind(f.network);
  let release!: () => void;
  let arrived!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen = new Promise<void>((resolve) => (arrived = resolve));
  f.network.authorize = async (request: AuthorizationRequest) => {
    f.network.authorize = real;
    arrived();
    await gate;
    return real(request);
  };
  return { arrived: seen, release };
}

/** The process dies right after the issuer answered the authorization (the acquirer never hears the answer). */
function crashAfterAuthorization(): void {
  const real = f.network.authorize.bind(f.network);
  f.network.authorize = async (request: AuthorizationRequest) => {
    f.network.authorize = real;
    await real(request);
    throw new Error('simulated crash after the authorization');
  };
}

/** The process dies just before the verification's release goes out. */
function crashBeforeRelease(): void {
  const real = f.network.reverse.bind(f.network);
  f.network.reverse = async () => {
    f.network.reverse = real;
    throw new Error('simulated crash before the release');
  };
}

async function setupEvents(si: string, type: string): Promise<number> {
  const events = await stripe.events.list({ limit: 100, type });
  return events.data.filter((e) => (e.data.object as { id: string }).id === si).length;
}

/** Verifications the acquirer sent for the set-up (each its own authorization at the issuer). */
async function verifications(si: string): Promise<{ id: string; status: string; authorization_open: number }[]> {
  const rows = await f.db.all<{ id: string; status: string; authorization_open: number }>(
    "SELECT id, status, authorization_open FROM acquirer_charges WHERE setup_intent_id = ? AND purpose = 'account_verification' ORDER BY created_at_ms, id",
    [si],
  );
  return rows.map((r) => ({ ...r, authorization_open: Number(r.authorization_open) }));
}

/** What the test bank still holds for this merchant's verifications. */
async function heldAtIssuer(): Promise<number> {
  const row = await f.db.get<{ held: number | string | null }>(
    "SELECT SUM(authorized_minor - released_minor - cleared_minor) AS held FROM test_bank_authorizations WHERE purpose = 'account_verification' AND merchant_id = ?",
    [merchant.merchant.id],
  );
  return Number(row?.held ?? 0);
}

test('two confirms at once: one verification, one setup_intent.succeeded; the second is refused (setup_intent_unexpected_state)', async () => {
  const si = await setUpIntent('4242424242424242');
  const held = holdNextAuthorization();
  const first = stripe.setupIntents.confirm(si.id);
  await held.arrived;
  await assert.rejects(stripe.setupIntents.confirm(si.id), (error: any) => error.code === 'setup_intent_unexpected_state' && /processing/.test(error.message));
  held.release();
  assert.equal((await first).status, 'succeeded');
  assert.equal((await verifications(si.id)).length, 1);
  assert.equal(await setupEvents(si.id, 'setup_intent.succeeded'), 1);
  assert.equal(await heldAtIssuer(), HOLD, 'the one verification hold the merchant keeps');
});

test('a confirm cut short after the issuer approved: processing until the sweep finishes it with the same verification (a repeat), once', async () => {
  const si = await setUpIntent('4242424242424242');
  crashAfterAuthorization();
  await assert.rejects(stripe.setupIntents.confirm(si.id));
  assert.equal((await stripe.setupIntents.retrieve(si.id)).status, 'processing');
  // A live confirm's claim is not taken: only one far older than the network's time-out.
  assert.equal(await flow.resumeStuck(f.clock.nowMs(), STUCK_AGE_MS), 0);
  f.clock.advanceMs(STUCK_AGE_MS + 1000);
  assert.equal(await flow.resumeStuck(f.clock.nowMs(), STUCK_AGE_MS), 1);
  assert.equal(await flow.resumeStuck(f.clock.nowMs(), STUCK_AGE_MS), 0, 'nothing left to resume');
  const done = await stripe.setupIntents.retrieve(si.id);
  assert.equal(done.status, 'succeeded');
  const sent = await verifications(si.id);
  assert.equal(sent.length, 1, 'the cut verification resumed, not a second one');
  assert.equal(done.latest_attempt, sent[0]!.id);
  assert.equal(await setupEvents(si.id, 'setup_intent.succeeded'), 1);
  assert.equal(await heldAtIssuer(), HOLD, 'one hold, the one the merchant keeps');
});

test('a confirm cut short before its release went out: the sweep finishes the set-up, and the verification sweep releases the hold', async () => {
  ({ merchant, stripe } = await addMerchant({ kind: 'immediately' }));
  const si = await setUpIntent('4242424242424242');
  crashBeforeRelease();
  await assert.rejects(stripe.setupIntents.confirm(si.id));
  assert.equal(await heldAtIssuer(), HOLD, 'the hold the cut confirm left');
  f.clock.advanceMs(STUCK_AGE_MS + 1000);
  assert.equal(await flow.resumeStuck(f.clock.nowMs(), STUCK_AGE_MS), 1);
  assert.equal((await stripe.setupIntents.retrieve(si.id)).status, 'succeeded');
  await releaseOpenVerifications(f.deps, f.clock.nowMs(), STUCK_AGE_MS);
  assert.deepEqual((await verifications(si.id)).map((v) => v.authorization_open), [0]);
  assert.equal(await heldAtIssuer(), 0);
  assert.equal(await setupEvents(si.id, 'setup_intent.succeeded'), 1);
});

test('a 3-D Secure continuation cut short after its claim is finished by the sweep: succeeded once, one verification after the challenge', async () => {
  const si = await setUpIntent('4000002500003155');
  const waiting = await stripe.setupIntents.confirm(si.id, { return_url: 'https://shop.example/saved' });
  assert.equal(waiting.status, 'requires_action');
  const back = await pressChallengeButton(waiting.next_action!.redirect_to_url!.url!, 'complete');
  crashAfterAuthorization();
  assert.equal((await browse(back)).status, 500);
  assert.equal((await stripe.setupIntents.retrieve(si.id)).status, 'processing');
  // A reload of the return page (or the challenge sweep) finds it claimed and sends nothing.
  assert.equal((await browse(back)).status, 200);
  f.clock.advanceMs(STUCK_AGE_MS + 1000);
  assert.equal(await flow.resumeStuck(f.clock.nowMs(), STUCK_AGE_MS), 1);
  assert.equal((await stripe.setupIntents.retrieve(si.id)).status, 'succeeded');
  const approved = await f.db.all("SELECT id FROM acquirer_charges WHERE setup_intent_id = ? AND network_response_code = '00'", [si.id]);
  assert.equal(approved.length, 1);
  assert.equal(await setupEvents(si.id, 'setup_intent.succeeded'), 1);
  assert.equal(await heldAtIssuer(), HOLD, 'the one hold the merchant keeps');
});

test('a set-up an older version left processing after its challenge (claimed, no attempt of its own) is finished by the sweep with the authentication, not failed', async () => {
  const si = await setUpIntent('4000002500003155');
  const waiting = await stripe.setupIntents.confirm(si.id, { return_url: 'https://shop.example/saved' });
  assert.equal(waiting.status, 'requires_action');
  // The customer passed the challenge; the old continuation claimed the set-up and died before verifying again. What
  // it left, as migration acquirer/019 finds it: processing, the 1A attempt as the latest, the authentication kept.
  await pressChallengeButton(waiting.next_action!.redirect_to_url!.url!, 'complete');
  await f.db.run("UPDATE acquirer_setup_intents SET status = 'processing', claimed_at_ms = created_at_ms WHERE id = ?", [si.id]);
  f.clock.advanceMs(STUCK_AGE_MS + 1000);
  assert.equal(await flow.resumeStuck(f.clock.nowMs(), STUCK_AGE_MS), 1);
  const done = await stripe.setupIntents.retrieve(si.id);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.last_setup_error));
  assert.equal(await setupEvents(si.id, 'setup_intent.succeeded'), 1);
  assert.equal(await setupEvents(si.id, 'setup_intent.setup_failed'), 0);
  const approved = await f.db.all("SELECT id FROM acquirer_charges WHERE setup_intent_id = ? AND network_response_code = '00'", [si.id]);
  assert.equal(approved.length, 1);
});

test('a cancel while a confirm is out is refused (processing, as at Stripe); the confirm finishes the set-up once, and a cancel that comes first wins', async () => {
  const si = await setUpIntent('4242424242424242');
  const held = holdNextAuthorization();
  const confirming = stripe.setupIntents.confirm(si.id);
  await held.arrived;
  // Its verification is out at the issuer: only the confirm (or the sweep) learns the answer, so only it may end the set-up.
  await assert.rejects(stripe.setupIntents.cancel(si.id), (error: any) => error.code === 'setup_intent_unexpected_state' && /processing/.test(error.message));
  held.release();
  assert.equal((await confirming).status, 'succeeded');
  assert.equal((await stripe.setupIntents.retrieve(si.id)).status, 'succeeded');
  assert.equal(await setupEvents(si.id, 'setup_intent.succeeded'), 1);
  assert.equal(await setupEvents(si.id, 'setup_intent.canceled'), 0);
  assert.equal((await verifications(si.id)).length, 1, 'one verification');
  assert.equal(await heldAtIssuer(), HOLD, 'the one hold this merchant keeps, nothing more');
  // And a cancel that comes first: the confirm is refused before anything is sent.
  const other = await setUpIntent('4242424242424242');
  await stripe.setupIntents.cancel(other.id);
  await assert.rejects(stripe.setupIntents.confirm(other.id), (error: any) => error.code === 'setup_intent_unexpected_state');
  assert.equal((await verifications(other.id)).length, 0);
});
