import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { runCli } from '../../src/cli/program.ts';
import { walletEntryLabel } from '../../src/cli/commands/issuer/wallet.ts';
import { TRANSFER_KINDS } from '../../src/issuer/money/statement.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// The wallet statement gave `transfer_kind` only to card moves. The other
// money that lands in (or leaves) the wallet for a card came as `transfer`
// with `transfer_kind: null`, which the app words "Between wallet and card":
// a merchant's refund credited to the wallet because the card was closed
// (ledger code 33), and a closed card's dispute postings — the provisional
// credit (60), the credit of a won dispute (62) and the provisional credit
// taken back (64). Each has its kind now, with the card it was for; and
// `cardlane issuer statement` prints the app's English words for them.

type Json = Record<string, any>;

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-wallet-kinds-'));
const cliDir = mkdtempSync(join(tmpdir(), 'cardlane-wallet-kinds-cli-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 4, 1));
let cardlane: Cardlane;
let stripe: Stripe;
let op: string;
let token: string;
let card: { id: string; last4: string };
const paid = { refunded: 300, lost: 500, won: 700 }; // within the demo card's $20

async function issuer(method: string, path: string, auth?: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${cardlane.url}/issuer/v1${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function ok(method: string, path: string, auth?: string, body?: unknown): Promise<Json> {
  const answer = await issuer(method, path, auth, body);
  assert.equal(answer.status, 200, `${method} ${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function smsCode(): Promise<string> {
  const sms = await ok('GET', `/operator/sms?phone=${encodeURIComponent(cardlane.demoCardholder.phone)}`, op);
  return /\b(\d{6})\b/.exec(sms.data[0].body)![1]!;
}

async function cli(args: readonly string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
  const code = await runCli(['node', 'cardlane', 'issuer', '--url', cardlane.url, '--data-dir', cliDir, ...args], io);
  assert.equal(code, 0, `issuer ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`);
  return stdout;
}

/** A settled card payment at the demo merchant; its issuer authorization id. */
async function pay(pm: Stripe.PaymentMethod, amount: number): Promise<{ intent: string; authorization: string }> {
  const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'succeeded');
  const charge = await stripe.charges.retrieve(pi.latest_charge as string);
  const [row] = await cardlane.db.all<{ id: string }>(`SELECT id FROM issuer_authorizations WHERE request_id = ?`, [charge.payment_method_details!.card!.network_transaction_id]);
  return { intent: pi.id, authorization: row!.id };
}

before(async () => {
  for (const name of ['CARDLANE_URL', 'CARDLANE_DATA_DIR']) delete process.env[name];
  cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  stripe = new Stripe(cardlane.demoMerchant.secret_key, { host: '127.0.0.1', port: Number(new URL(cardlane.url).port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  op = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
  const auth = { authorization: `Bearer ${cardlane.demoMerchant.secret_key}` };
  // The demo merchant's rules refuse prepaid cards on payments by hand: off, to pay with the demo card directly.
  const rules = (await (await fetch(`${cardlane.url}/v1/risk_rules`, { headers: auth })).json()) as { data: Array<{ id: string }> };
  for (const rule of rules.data) await fetch(`${cardlane.url}/v1/risk_rules/${rule.id}`, { method: 'DELETE', headers: auth });

  await ok('POST', '/sessions/code', undefined, { phone: cardlane.demoCardholder.phone });
  token = (await ok('POST', '/sessions', undefined, { phone: cardlane.demoCardholder.phone, code: await smsCode() })).token;
  clock.advanceMs(61_000);
  const cardId = cardlane.demoCardholder.card_id;
  await ok('POST', `/cards/${cardId}/reveal-code`, token);
  const number = (await ok('POST', `/cards/${cardId}/reveal`, token, { code: await smsCode() })) as { number: string; cvc: string; exp_month: number; exp_year: number };
  card = { id: cardId, last4: (await ok('GET', `/cards/${cardId}`, token)).last4 };
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: number.number, exp_month: number.exp_month, exp_year: number.exp_year, cvc: number.cvc } });

  // Three settled payments, then the card is closed: what comes back for them goes to the wallet.
  const refunded = await pay(pm, paid.refunded);
  const lost = await pay(pm, paid.lost);
  const won = await pay(pm, paid.won);
  clock.advanceMs(1_000);
  await ok('POST', `/cards/${cardId}/close`, token);

  clock.advanceMs(1_000);
  await stripe.refunds.create({ payment_intent: refunded.intent });

  // Disputed with a provisional credit; the merchant answers and the issuer decides for the merchant: taken back.
  clock.advanceMs(1_000);
  await ok('PATCH', '/operator/settings', op, { dispute_provisional_credit: 1 });
  const lostCase = await ok('POST', '/disputes', token, { authorization_id: lost.authorization, reason: 'not_as_described', evidence: 'not what was sold' });
  const lostDispute = (await stripe.disputes.list({ payment_intent: lost.intent })).data[0]!;
  clock.advanceMs(1_000);
  await stripe.disputes.update(lostDispute.id, { evidence: { uncategorized_text: 'as described' } });
  clock.advanceMs(1_000);
  assert.equal((await ok('POST', `/operator/disputes/${lostCase.id}/decide`, op, { winner: 'merchant' })).status, 'lost');

  // Disputed with no provisional credit; the merchant accepts: the cardholder won, credited then.
  clock.advanceMs(1_000);
  await ok('PATCH', '/operator/settings', op, { dispute_provisional_credit: 0 });
  await ok('POST', '/disputes', token, { authorization_id: won.authorization, reason: 'product_not_received', evidence: 'never came' });
  const wonDispute = (await stripe.disputes.list({ payment_intent: won.intent })).data[0]!;
  clock.advanceMs(1_000);
  await stripe.disputes.close(wonDispute.id);
});

after(async () => {
  await cardlane?.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(cliDir, { recursive: true, force: true });
});

test('a closed card\'s refund and its dispute credits and reversal on the wallet statement say what they were, and for which card', async () => {
  const statement = await ok('GET', '/wallet/statement?limit=100', token);
  const transfers = statement.data.filter((e: Json) => e.type === 'transfer');
  assert.ok(
    transfers.every((e: Json) => e.transfer_kind !== null),
    `no wallet transfer left without its kind: ${JSON.stringify(transfers.filter((e: Json) => e.transfer_kind === null))}`,
  );
  const named = { id: card.id, last4: card.last4 };
  assert.deepEqual(
    statement.data.slice(0, 5).map((e: Json) => [e.type, e.transfer_kind, e.card, e.amount.amount_minor, e.status]),
    [
      ['transfer', 'dispute_credit', named, paid.won, 'settled'],
      ['transfer', 'dispute_reversal', named, -paid.lost, 'settled'],
      ['transfer', 'dispute_provisional_credit', named, paid.lost, 'settled'],
      ['transfer', 'merchant_refund', named, paid.refunded, 'settled'],
      ['transfer', 'card_close_sweep', named, statement.data[4].amount.amount_minor, 'settled'],
    ],
  );
  // Every kind the statement gives is one the schema documents.
  for (const e of transfers) assert.ok((TRANSFER_KINDS as readonly string[]).includes(e.transfer_kind), e.transfer_kind);
});

test('cardlane issuer statement prints the app\'s English words for each transfer kind, and --json carries transfer_kind', async () => {
  clock.advanceMs(61_000); // a phone gets one SMS a minute
  await cli(['sign-in', '--phone', cardlane.demoCardholder.phone]);
  await cli(['verify', '--phone', cardlane.demoCardholder.phone, '--code', await smsCode()]);

  const text = await cli(['statement', '--limit', '100']);
  const l4 = card.last4;
  const lines = text.split('\n').map((l) => l.trim());
  // Each line: its time in the reader's zone (`2026-05-01 08:01 GMT+8`), the amount, the words.
  const when = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d \S+`;
  const expected: Array<[RegExp, string]> = [
    [new RegExp(`^${when} +\\$7\\.00  `), `Dispute won: money returned, card •••• ${l4} (settled)`],
    [new RegExp(`^${when} +-\\$5\\.00  `), `Temporary credit taken back (dispute), card •••• ${l4} (settled)`],
    [new RegExp(`^${when} +\\$5\\.00  `), `Temporary credit (dispute), card •••• ${l4} (settled)`],
    [new RegExp(`^${when} +\\$3\\.00  `), `Refund to wallet (card •••• ${l4} closed) (settled)`],
    [new RegExp(`^${when} +\\S+  `), `Card •••• ${l4} closed: balance returned (settled)`],
  ];
  expected.forEach(([start, words], i) => {
    const line = lines[i]!;
    assert.ok(start.test(line) && line.endsWith(`  ${words}`), `line ${i}: ${JSON.stringify(line)}, expected ${words}\n${text}`);
  });
  assert.doesNotMatch(text, / transfer \(/, 'no transfer left as the bare type');

  const page = JSON.parse(await cli(['statement', '--limit', '100', '--json'])) as { data: Json[] };
  assert.deepEqual(
    page.data.slice(0, 4).map((e) => [e.transfer_kind, e.card]),
    [
      ['dispute_credit', { id: card.id, last4: l4 }],
      ['dispute_reversal', { id: card.id, last4: l4 }],
      ['dispute_provisional_credit', { id: card.id, last4: l4 }],
      ['merchant_refund', { id: card.id, last4: l4 }],
    ],
  );
});

test('the CLI words every transfer kind as the app does in English, with and without the card\'s last four', async () => {
  type Translate = (key: string, vars?: Record<string, string | number>) => string;
  type Entry = { type: string; transfer_kind?: string | null; card?: { id: string; last4: string | null } | null };
  // The app's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
  const load = async <T>(path: string) => (await import(new URL(`../../src/web/app/${path}`, import.meta.url).href)) as T;
  const { translator } = await load<{ translator: (lang: string) => Translate }>('i18n.ts');
  const { walletLineLabel } = await load<{ walletLineLabel: (t: Translate, entry: Entry) => string }>('wording.ts');
  const en = translator('en');
  for (const kind of TRANSFER_KINDS) {
    for (const named of [{ id: 'card_01', last4: '4242' }, { id: 'card_01', last4: null }, null]) {
      const entry = { type: 'transfer', transfer_kind: kind, card: named };
      assert.equal(walletEntryLabel(entry), walletLineLabel(en, entry), `${kind} ${JSON.stringify(named)}`);
    }
  }
  // Other entries, and a kind neither knows yet, keep the type.
  assert.equal(walletEntryLabel({ type: 'top_up', transfer_kind: null, card: null }), 'top_up');
  assert.equal(walletEntryLabel({ type: 'transfer', transfer_kind: 'something_new', card: null }), 'transfer');
});
