import type { Clock } from '../platform/clock.ts';
import type { Database, Tx } from '../platform/db/database.ts';
import { readDemoCredentialsSection, writeDemoCredentialsSection } from '../platform/demo-credentials-file.ts';
import type { CardDeps } from './cards/card-deps.ts';
import { moveCardMoney } from './cards/card-money.ts';
import { listCards, type Card } from './cards/cards.ts';
import { openCard } from './cards/open-card.ts';
import { createCardholder, findCardholderByPhone, getCardholder, type Cardholder } from './identity/cardholders.ts';
import type { IdentityDeps } from './identity/deps.ts';
import { completeKycVerification, startKycVerification } from './identity/kyc.ts';
import { lockName } from '../platform/identity/locks.ts';
import type { IssuerServices } from './issuer-services.ts';
import { ensureIssuerAccounts, ensureWallet } from './money/ledger-accounts.ts';
import { createQuote } from './money/top-up.ts';

/**
 * A sandbox mobile number (China Mobile's 138 range, valid by the issuer's
 * phone rules) kept for the demo cardholder; the person signs in with it
 * (`cardlane issuer sign-in --phone …`) and reads the code from the sandbox inbox.
 */
export const DEMO_CARDHOLDER_PHONE = '+8613800000001';
/** ¥200.00: after the top-up fee it is about $27.50 at the default rate, enough for the $2.00 opening fee and the $20.00 load. */
export const DEMO_TOP_UP_CNY_MINOR = 20_000;
/** $20.00 moved from the wallet to the card. */
export const DEMO_CARD_LOAD_USD_MINOR = 2_000;
export const DEMO_CARD_NAME = 'DEMO CARDHOLDER';

/**
 * The `issuer` section of `<dataDir>/demo-credentials.json`. Only what finds
 * the cardholder and the card: the full card number and CVV2 are never
 * written here; the person reveals them through the issuer's reveal flow.
 */
export interface DemoIssuerCredentials {
  readonly cardholder_id: string;
  readonly phone: string;
  readonly card_id: string;
  readonly card_last4: string;
}

/**
 * The first cardholder `cardlane up` prepares so there is someone to try
 * the issuer as: signed up with a fixed sandbox phone, KYC approved through
 * the sandbox provider, a wallet topped up through the Alipay sandbox (a
 * real order, paid, its signed notify verified and credited), and one open
 * card with money loaded.
 *
 * Every step looks at what is already there first, so it runs at every
 * start, resumes a start that stopped half-way, and does nothing once done.
 * Each step decides under a named lock (serializing processes on
 * PostgreSQL; SQLite's writer lock already does), so two processes starting
 * at once agree on one cardholder, one top-up and one card.
 */
export async function prepareDemoCardholder(db: Database, parts: DemoCardholderParts): Promise<DemoIssuerCredentials> {
  const { clock, dataDir, services, identity, cards } = parts;
  const cardholder = await db.transaction((tx) => ensureVerifiedCardholder(tx, identity));
  let card = await findDemoCard(db, cardholder.id);
  if (card === undefined) {
    await ensureToppedUp(db, clock, services, cardholder.id);
    card = await db.transaction((tx) => ensureLoadedCard(tx, cards, cardholder.id));
  }

  const credentials: DemoIssuerCredentials = { cardholder_id: cardholder.id, phone: cardholder.phoneE164, card_id: card.id, card_last4: card.last4 };
  const saved = readDemoIssuerCredentials(dataDir);
  if (saved === null || JSON.stringify(saved) !== JSON.stringify(credentials)) writeDemoCredentialsSection(dataDir, 'issuer', credentials);
  return credentials;
}

/** The issuer's parts the demo cardholder is made with: the same the routes use. */
export interface DemoCardholderParts {
  readonly clock: Clock;
  readonly dataDir: string;
  readonly services: IssuerServices;
  readonly identity: IdentityDeps;
  readonly cards: CardDeps;
}

export function readDemoIssuerCredentials(dataDir: string): DemoIssuerCredentials | null {
  return readDemoCredentialsSection<DemoIssuerCredentials>(dataDir, 'issuer');
}

/** Signs the demo phone up (under the same lock sign-in takes) and approves its KYC through the sandbox provider. */
async function ensureVerifiedCardholder(tx: Tx, deps: IdentityDeps): Promise<Cardholder> {
  await lockName(tx, `issuer:otp-phone:${DEMO_CARDHOLDER_PHONE}`);
  const cardholder = (await findCardholderByPhone(tx, DEMO_CARDHOLDER_PHONE)) ?? (await createCardholder(tx, deps, DEMO_CARDHOLDER_PHONE, deps.clock.nowMs()));
  if (cardholder.kycStatus === 'approved') return cardholder;
  // The sandbox provider's "face scan passed", as an operator's approve would send it.
  const { verification } = await startKycVerification(tx, deps, cardholder.id);
  await completeKycVerification(tx, deps.clock, verification.id, { decision: 'approved' });
  return (await getCardholder(tx, cardholder.id))!;
}

/** The demo card: the oldest one not closed (newest first from listCards). */
async function findDemoCard(sql: Database | Tx, cardholderId: string): Promise<Card | undefined> {
  return (await listCards(sql, cardholderId)).filter((card) => card.status !== 'closed').at(-1);
}

/**
 * Funds the wallet with one Alipay-sandbox top-up: the order is created and
 * paid, and the sandbox's signed notify goes through the issuer's own
 * handler, which verifies it and credits the wallet once.
 */
async function ensureToppedUp(db: Database, clock: Clock, services: IssuerServices, cardholderId: string): Promise<void> {
  const claim = await db.transaction((tx) => claimTopUp(tx, clock, services, cardholderId));
  if (claim === 'credited') return;
  const { alipay, topUps } = services;
  // One order per quote: this returns the order another start may already have made for it.
  const order = await topUps.createOrder(cardholderId, claim.quoteId);
  if (order.status === 'credited') return;
  if (order.status !== 'created') throw new Error(`the demo cardholder's top-up ${order.id} is ${order.status}; start again to make a new one`);
  // The sandbox keeps trades in memory: after a restart (or in another process) it re-learns the open order.
  if (alipay.tradeStatus(order.id) === null && order.provider_trade_no !== null) alipay.adopt(order.id, order.provider_trade_no, order.cny_amount_minor);
  if (alipay.tradeStatus(order.id) === 'TRADE_SUCCESS') return;
  // The payer pays; the sandbox's signed notify goes through the issuer's own handler, as one arriving over HTTP would.
  const result = await topUps.handleNotify(alipay.pay(order.id));
  if (result.outcome !== 'credited' && result.outcome !== 'duplicate') {
    throw new Error(`the demo cardholder's top-up ${order.id} was not credited (${result.outcome})`);
  }
}

/**
 * Decides, under a lock, which top-up the demo uses: one already credited,
 * the quote of an open order, an unexpired quote without an order, or a new
 * quote. A new quote is priced inside the lock, by the `createQuote` that
 * `TopUpService.quote` uses, so two starting processes end up with the same
 * quote and so with the same order (one order per quote).
 */
async function claimTopUp(tx: Tx, clock: Clock, services: IssuerServices, cardholderId: string): Promise<'credited' | { readonly quoteId: string }> {
  await lockName(tx, `issuer:demo-cardholder-top-up:${cardholderId}`);
  // One statement, so one snapshot: read as two, an order committed in between (another start's
  // createOrder, which takes no lock of ours) hid both its quote and itself, and a second quote was made.
  const quotes = await tx.all<{ quote_id: string; expires_at_ms: number | string; status: string | null }>(
    `SELECT q.id AS quote_id, q.expires_at_ms, o.status FROM issuer_topup_quotes q
       LEFT JOIN issuer_topup_orders o ON o.quote_id = q.id
     WHERE q.cardholder_id = ? ORDER BY q.created_at_ms, q.id`,
    [cardholderId],
  );
  if (quotes.some((q) => q.status === 'credited')) return 'credited';
  const open = quotes.find((q) => q.status === 'created');
  if (open !== undefined) return { quoteId: open.quote_id };
  const unused = quotes.find((q) => q.status === null && Number(q.expires_at_ms) > clock.nowMs());
  if (unused !== undefined) return { quoteId: unused.quote_id };
  return { quoteId: (await createQuote(tx, services.money, cardholderId, DEMO_TOP_UP_CNY_MINOR)).id };
}

/** Opens the demo card (the opening fee comes from the wallet) and loads it, in one transaction: a card with its money, or neither. */
async function ensureLoadedCard(tx: Tx, deps: CardDeps, cardholderId: string): Promise<Card> {
  await lockName(tx, `issuer:demo-cardholder-card:${cardholderId}`);
  const existing = await findDemoCard(tx, cardholderId);
  if (existing !== undefined) return existing;
  const card = await openCard(tx, deps, { cardholderId, name: DEMO_CARD_NAME });
  // Whatever the operator set the rate and fees to, load what the wallet holds up to the demo amount.
  const wallet = await deps.ledger.getBalance(tx, await ensureWallet(deps.ledger, tx, cardholderId));
  const amount = Math.min(DEMO_CARD_LOAD_USD_MINOR, wallet?.available ?? 0);
  if (amount > 0) await moveCardMoney(tx, deps, { cardholderId, cardId: card.id, amountUsdMinor: amount, direction: 'load' });
  return card;
}

