import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { auditLedger } from '../../src/ledger/audit.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { cardRoutes } from '../../src/issuer/http/card-routes.ts';
import { moneyRoutes } from '../../src/issuer/http/money-routes.ts';
import { cardProgram } from '../../src/issuer/cards/card-program.ts';
import type { CardDeps } from '../../src/issuer/cards/card-deps.ts';
import { kycGate } from '../../src/issuer/issuer-services.ts';
import { generateKeyring } from '../../src/issuer/keyring.ts';
import { AlipaySandbox } from '../../src/issuer/money/alipay-sandbox.ts';
import type { MoneyContext } from '../../src/issuer/money/context.ts';
import { ensureIssuerAccounts, ensureWallet, SYSTEM_ACCOUNTS, TRANSFER_CODES } from '../../src/issuer/money/ledger-accounts.ts';
import { SandboxPayoutProvider } from '../../src/issuer/money/sandbox-payout.ts';
import { TopUpService } from '../../src/issuer/money/top-up.ts';
import { WithdrawalService } from '../../src/issuer/money/withdrawal.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { identityFixture, PHONE_A, PHONE_B, type IdentityFixture } from '../support/identity-fixture.ts';

// The wallet statement named every card move `transfer` and nothing else, so
// the app could only say "between wallet and card" for a load, an unload, a
// closed card's balance coming back and the card's opening fee alike. `type`
// stays `transfer` (a public enum); `transfer_kind` and `card` say which.

type Json = Record<string, any>;

let f: IdentityFixture;
let app: FastifyInstance;
let ledger: Ledger;

beforeEach(async () => {
  f = await identityFixture(11);
  ledger = new Ledger(f.clock);
  await ensureIssuerAccounts(ledger, f.db);
  const ctx: MoneyContext = { db: f.db, ledger, clock: f.clock, ids: new IdGenerator(f.clock, seededRandom(3)), kycGate };
  const alipay = new AlipaySandbox({ clock: f.clock, random: seededRandom(5), modulusLength: 1024 });
  const cards: CardDeps = {
    ledger,
    clock: f.clock,
    ids: new IdGenerator(f.clock, seededRandom(4)),
    random: seededRandom(123),
    keyring: generateKeyring(seededRandom(99)),
    otpPepper: f.deps.otpPepper,
    sms: f.deps.sms,
    program: cardProgram({ maxCardsPerCardholder: 3 }),
  };
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      {
        plugin: moneyRoutes({ db: f.db, clock: f.clock, ledger, topUps: new TopUpService(ctx, alipay), withdrawals: new WithdrawalService(ctx, new SandboxPayoutProvider({ random: seededRandom(6) })), alipay }),
        prefix: '/issuer/v1',
      },
      { plugin: cardRoutes({ db: f.db, deps: cards }), prefix: '/issuer/v1' },
    ],
  });
});

afterEach(async () => {
  const report = await auditLedger(f.db, { nowMs: f.clock.nowMs() });
  assert.ok(report.ok, `audit failed:\n${JSON.stringify(report.checks.filter((c) => !c.ok), null, 2)}`);
  await app.close();
  await f.cleanup();
});

async function call(method: 'GET' | 'POST', url: string, token?: string, body?: unknown) {
  const response = await app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body === undefined ? {} : { payload: body as Json }),
  });
  return { status: response.statusCode, body: response.json() as Json };
}

let funded = 0;
async function person(phone: string, fundCents: number) {
  const signed = await f.signIn(phone);
  const id = signed.cardholder.id;
  await f.db.run("UPDATE issuer_cardholders SET kyc_status = 'approved' WHERE id = ?", [id]);
  const outcome = await ledger.createTransfer(f.db, {
    id: `test:fund:${++funded}`,
    debit_account_id: SYSTEM_ACCOUNTS.usdFxPosition,
    credit_account_id: await ensureWallet(ledger, f.db, id),
    amount: fundCents,
    code: TRANSFER_CODES.top_up_credit,
  });
  assert.equal(outcome.result, 'ok');
  return { id, token: signed.session.token };
}

async function step<T>(action: () => Promise<T>): Promise<T> {
  f.clock.advanceMs(1_000); // one movement a second, so "newest first" is their order
  return action();
}

test('card moves on the wallet statement keep type transfer and say which they were, and for which card', async () => {
  const a = await person(PHONE_A, 5_000);
  const b = await person(PHONE_B, 5_000);
  const opened = await step(() => call('POST', '/issuer/v1/cards', a.token, {}));
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  const card = opened.body as { id: string; last4: string };
  const load = await step(() => call('POST', `/issuer/v1/cards/${card.id}/load`, a.token, { amount: 2_000 }));
  assert.equal(load.status, 200, JSON.stringify(load.body));
  assert.equal((await step(() => call('POST', `/issuer/v1/cards/${card.id}/unload`, a.token, { amount: 500 }))).status, 200);
  assert.equal((await step(() => call('POST', `/issuer/v1/cards/${card.id}/close`, a.token))).status, 200);
  // Another cardholder's card on their own statement only.
  const other = (await step(() => call('POST', '/issuer/v1/cards', b.token, {}))).body as { id: string; last4: string };

  const statement = await call('GET', '/issuer/v1/wallet/statement', a.token);
  assert.equal(statement.status, 200, JSON.stringify(statement.body));
  assert.deepEqual(
    statement.body.data.map((e: Json) => [e.type, e.transfer_kind, e.card, e.amount.amount_minor]),
    [
      ['transfer', 'card_close_sweep', { id: card.id, last4: card.last4 }, 1_500],
      ['transfer', 'card_unload', { id: card.id, last4: card.last4 }, 500],
      ['transfer', 'card_load', { id: card.id, last4: card.last4 }, -2_000],
      ['transfer', 'card_fee', { id: card.id, last4: card.last4 }, -200],
      ['top_up', null, null, 5_000],
    ],
  );
  const theirs = await call('GET', '/issuer/v1/wallet/statement', b.token);
  assert.deepEqual(
    theirs.body.data.map((e: Json) => [e.type, e.transfer_kind, e.card]),
    [
      ['transfer', 'card_fee', { id: other.id, last4: other.last4 }],
      ['top_up', null, null],
    ],
  );

  // Documented in the OpenAPI document, beside the unchanged type enum.
  const doc = await call('GET', '/openapi.json');
  const entry = doc.body.components.schemas.IssuerStatementEntry;
  assert.deepEqual(entry.properties.type.enum, ['top_up', 'withdrawal', 'withdrawal_fee', 'transfer']);
  assert.deepEqual(entry.properties.transfer_kind.enum, [
    'card_load',
    'card_unload',
    'card_close_sweep',
    'card_fee',
    'merchant_refund',
    'dispute_provisional_credit',
    'dispute_credit',
    'dispute_reversal',
    null,
  ]);
  for (const kind of ['merchant_refund', 'dispute_provisional_credit', 'dispute_credit', 'dispute_reversal']) {
    assert.ok(entry.properties.transfer_kind.description.includes(`\`${kind}\``), `${kind} is described`);
  }
  assert.equal(entry.properties.transfer_kind.nullable, true);
  assert.ok(entry.properties.card, 'the card of a card move is documented');
});
