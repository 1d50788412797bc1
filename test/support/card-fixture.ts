import assert from 'node:assert/strict';
import type { AuthorizationRequest, FollowUpRequest } from '../../src/network/messages.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { CardlaneIssuer } from '../../src/issuer/authorization/cardlane-issuer.ts';
import type { IssuerFx } from '../../src/issuer/authorization/foreign-exchange.ts';
import { decryptPan, deriveCvv2 } from '../../src/issuer/card-secrets.ts';
import { cardAccountId } from '../../src/issuer/cards/card-accounts.ts';
import type { CardDeps } from '../../src/issuer/cards/card-deps.ts';
import { moveCardMoney } from '../../src/issuer/cards/card-money.ts';
import { cardProgram } from '../../src/issuer/cards/card-program.ts';
import type { Card } from '../../src/issuer/cards/cards.ts';
import { openCard } from '../../src/issuer/cards/open-card.ts';
import { createCardholder } from '../../src/issuer/identity/cardholders.ts';
import { SandboxSmsProvider } from '../../src/issuer/identity/sms-provider.ts';
import { generateKeyring, type Keyring } from '../../src/issuer/keyring.ts';
import { ensureIssuerAccounts, ensureWallet, SYSTEM_ACCOUNTS, TRANSFER_CODES } from '../../src/issuer/money/ledger-accounts.ts';
import { paymentAccountReferences } from '../../src/network/payment-account-reference.ts';
import { ledgerFixture, type LedgerFixture } from './ledger-fixture.ts';
import { CardlaneAccessControlServer } from '../../src/issuer/authentication/access-control-server.ts';
import { NO_THREE_D_SECURE, type ThreeDSecurePolicy } from '../../src/issuer/authentication/policy.ts';

/**
 * Shared set-up for anything that authorizes against Cardlane's own cards:
 * a database with the issuer's accounts, cardholders whose KYC is approved,
 * cards opened through the real `openCard` (fee and all) and loaded from
 * the wallet, the card data a merchant would send (PAN, expiry, CVV2 — in
 * memory only), and a `CardlaneIssuer` on the same database and clock.
 */

export const MERCHANT = {
  acquirerId: 'cardlane-acquirer',
  merchantId: 'acct_openai',
  name: 'OPENAI *API',
  mcc: '5734',
  country: 'US',
} as const;

/** The network's PAR key in tests: cards opened here get PARs under it; a test's CardNetwork given it (`parKey`) answers the same PARs to the acquirer. */
export const TEST_NETWORK_PAR_KEY = Buffer.alloc(32, 9);

/** The program's billing address, as a merchant would collect it. */
export const GOOD_AVS = { line1: '548 Market St', postalCode: '94104' } as const;

export interface OpenedCard {
  readonly card: Card;
  readonly cardId: string;
  readonly cardholderId: string;
  /** In memory only, as the network carries it. */
  readonly pan: string;
  readonly cvv2: string;
  readonly expMonth: number;
  readonly expYear: number;
}

export interface CardFixture extends LedgerFixture {
  readonly keyring: Keyring;
  readonly ids: IdGenerator;
  readonly cardDeps: CardDeps;
  readonly issuer: CardlaneIssuer;
  /** The issuer's 3-D Secure access control server (challenges by SMS code), with the fixture's `threeDSecure` policy. */
  readonly acs: CardlaneAccessControlServer;
  /** A new KYC-approved cardholder (unless `kyc: false`) with a card holding `loadUsdMinor` (default 0). */
  openCard(options?: { readonly loadUsdMinor?: number; readonly kyc?: boolean }): Promise<OpenedCard>;
  /** Moves money from the cardholder's wallet onto the card (the wallet is funded as needed). */
  load(card: OpenedCard, usdMinor: number): Promise<void>;
  /** The card's available balance (holds counted). */
  available(card: OpenedCard): Promise<number>;
  /** A well-formed purchase for `card` that passes every check; override any field. */
  authRequest(card: OpenedCard, overrides?: Partial<AuthorizationRequest>): AuthorizationRequest;
  /** A fresh message id. */
  nextId(prefix?: string): string;
  /** Audits the ledger and checks every authorization record against its hold. */
  assertConsistent(): Promise<void>;
}

export async function cardFixture(options: { readonly holdTtlMs?: number; readonly seed?: number; readonly fx?: IssuerFx; readonly threeDSecure?: ThreeDSecurePolicy } = {}): Promise<CardFixture> {
  const f = await ledgerFixture();
  const seed = options.seed ?? 1;
  const keyring = generateKeyring(seededRandom(seed + 100));
  const ids = new IdGenerator(f.clock, seededRandom(seed + 200));
  await ensureIssuerAccounts(f.ledger, f.db);
  const cardDeps: CardDeps = {
    ledger: f.ledger,
    clock: f.clock,
    ids,
    random: seededRandom(seed + 300),
    keyring,
    otpPepper: Buffer.alloc(32, 3),
    sms: new SandboxSmsProvider(ids),
    program: cardProgram({ maxCardsPerCardholder: 5 }),
    paymentAccountReference: paymentAccountReferences(TEST_NETWORK_PAR_KEY),
  };
  const threeDSecure = options.threeDSecure ?? NO_THREE_D_SECURE;
  const acs = new CardlaneAccessControlServer({ db: f.db, clock: f.clock, random: seededRandom(seed + 400), keyring, sms: cardDeps.sms, policy: threeDSecure }, 'cardlane');
  const issuer = new CardlaneIssuer({
    db: f.db, clock: f.clock, ids, keyring, ledger: f.ledger, threeDSecure, acs,
    ...(options.holdTtlMs ? { holdTtlMs: options.holdTtlMs } : {}), ...(options.fx ? { fx: options.fx } : {}),
  });
  let phones = 0;
  let funds = 0;
  let messages = 0;

  const fundWallet = async (cardholderId: string, usdMinor: number) => {
    const wallet = await ensureWallet(f.ledger, f.db, cardholderId);
    const outcome = await f.ledger.createTransfer(f.db, {
      id: `test:fund:${++funds}`,
      debit_account_id: SYSTEM_ACCOUNTS.usdFxPosition,
      credit_account_id: wallet,
      amount: usdMinor,
      code: TRANSFER_CODES.top_up_credit,
    });
    assert.equal(outcome.result, 'ok');
  };

  const fixture: CardFixture = {
    ...f,
    keyring,
    ids,
    cardDeps,
    issuer,
    acs,
    async openCard(open = {}) {
      const phone = `+8613${String(800_000_000 + ++phones).padStart(9, '0')}`;
      const holder = await f.db.transaction((tx) => createCardholder(tx, { ids, random: cardDeps.random }, phone, f.clock.nowMs()));
      await f.db.run("UPDATE issuer_cardholders SET kyc_status = 'approved' WHERE id = ?", [holder.id]);
      await fundWallet(holder.id, cardDeps.program.openingFeeUsdMinor);
      const card = await f.db.transaction((tx) => openCard(tx, cardDeps, { cardholderId: holder.id }));
      if (open.kyc === false) await f.db.run("UPDATE issuer_cardholders SET kyc_status = 'rejected' WHERE id = ?", [holder.id]);
      const pan = decryptPan(keyring, { ciphertext: card.panCiphertext, kid: card.panKid });
      const opened: OpenedCard = {
        card,
        cardId: card.id,
        cardholderId: holder.id,
        pan,
        cvv2: deriveCvv2(keyring, pan, card.expMonth, card.expYear),
        expMonth: card.expMonth,
        expYear: card.expYear,
      };
      if (open.loadUsdMinor) await fixture.load(opened, open.loadUsdMinor);
      return opened;
    },
    async load(card, usdMinor) {
      await fundWallet(card.cardholderId, usdMinor);
      await f.db.transaction((tx) =>
        moveCardMoney(tx, cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, amountUsdMinor: usdMinor, direction: 'load' }),
      );
    },
    async available(card) {
      return (await f.ledger.getBalance(f.db, cardAccountId(card.cardId)))?.available ?? 0;
    },
    nextId(prefix = 'msg') {
      return `${prefix}_${++messages}`;
    },
    authRequest(card, overrides = {}) {
      return {
        type: 'authorization',
        id: fixture.nextId('auth'),
        purpose: 'purchase',
        card: { pan: card.pan, expMonth: card.expMonth, expYear: card.expYear, cvv2: card.cvv2 },
        amount: { minor: 100, currency: 'USD' },
        merchant: MERCHANT,
        entryMode: 'ecommerce',
        initiator: 'customer',
        avs: GOOD_AVS,
        merchantCustomerRef: 'cus_1',
        sentAtMs: f.clock.nowMs(),
        ...overrides,
      };
    },
    async assertConsistent() {
      await f.assertAudit();
      await assertRecordsMatchLedger(fixture);
    },
  };
  return fixture;
}

/** A follow-up message for `originalId` with a fresh id. */
export function followUp<T extends FollowUpRequest['type']>(
  f: Pick<CardFixture, 'nextId' | 'clock'>,
  type: T,
  originalId: string,
  fields: Omit<Extract<FollowUpRequest, { type: T }>, 'type' | 'id' | 'originalId' | 'sentAtMs'>,
): Extract<FollowUpRequest, { type: T }> {
  return { type, id: f.nextId(type), originalId, sentAtMs: f.clock.nowMs(), ...fields } as unknown as Extract<FollowUpRequest, { type: T }>;
}

/**
 * Every authorization record agrees with the ledger: a pending one's hold is
 * a live pending transfer of exactly what it says it holds; an ended one
 * holds nothing; what the card's engine holds sum to is what the card
 * account has pending; cleared − refunded on the records is what the cards
 * paid the network settlement account, net.
 */
async function assertRecordsMatchLedger(f: CardFixture): Promise<void> {
  const nowMs = f.clock.nowMs();
  const rows = await f.db.all<{
    id: string;
    card_id: string | null;
    status: string;
    held_usd_minor: number;
    cleared_usd_minor: number;
    refunded_usd_minor: number;
    hold_transfer_id: string | null;
    expires_at_ms: number | null;
  }>('SELECT id, card_id, status, held_usd_minor, cleared_usd_minor, refunded_usd_minor, hold_transfer_id, expires_at_ms FROM issuer_authorizations');
  const heldByCard = new Map<string, number>();
  let net = 0;
  for (const row of rows) {
    net += Number(row.cleared_usd_minor) - Number(row.refunded_usd_minor);
    const hold = row.hold_transfer_id === null ? undefined : (await f.ledger.lookupTransfers(f.db, [row.hold_transfer_id]))[0];
    const live = row.status === 'pending' && Number(row.expires_at_ms) > nowMs;
    if (live) {
      assert.ok(hold, `authorization ${row.id}: its hold ${row.hold_transfer_id} exists`);
      assert.equal(hold.pending_status, 'pending', `authorization ${row.id}: its hold is pending`);
      assert.equal(hold.amount, Number(row.held_usd_minor), `authorization ${row.id}: holds what it says`);
      heldByCard.set(row.card_id!, (heldByCard.get(row.card_id!) ?? 0) + hold.amount);
    } else if (hold && hold.pending_status === 'pending') {
      assert.ok(hold.expires_at_ms !== null && hold.expires_at_ms <= nowMs, `authorization ${row.id} (${row.status}) left a live hold`);
    }
  }
  for (const [cardId, held] of heldByCard) {
    const balance = await f.ledger.getBalance(f.db, cardAccountId(cardId));
    assert.ok(balance);
    assert.ok(balance.debits_pending >= held, `card ${cardId}: the ledger holds at least what its authorizations hold`);
  }
  const settlement = await f.ledger.getBalance(f.db, SYSTEM_ACCOUNTS.usdNetworkSettlement);
  assert.equal((settlement?.credits_posted ?? 0) - (settlement?.debits_posted ?? 0), net, 'network settlement = Σ cleared − Σ refunded');
}
