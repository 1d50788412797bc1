import type { Tx } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import { generatePan, last4 } from '../card-number.ts';
import { encryptPan, panFingerprint } from '../card-secrets.ts';
import { randomCardExpiry } from '../expiry.ts';
import { getCardholder, markFirstCard, requireKycApproved } from '../identity/cardholders.ts';
import { cardholderBillingAddress } from '../identity/cardholder-address.ts';
import { insufficientFunds } from '../money/insufficient-funds.ts';
import { ensureIssuerAccounts, ensureWallet, SYSTEM_ACCOUNTS } from '../money/ledger-accounts.ts';
import { CARD_TRANSFER_CODES, createCardAccount } from './card-accounts.ts';
import type { CardDeps } from './card-deps.ts';
import { saveCardPaymentAccountReference } from './card-par.ts';
import { countUnclosedCards, findCardByPanFingerprint, insertCard, type Card } from './cards.ts';
import { DEFAULT_CONTROLS } from './controls.ts';

/**
 * A clash needs a PAN already issued; with 10^7 numbers in an 8-digit BIN
 * and a sandbox's few thousand cards, ten fresh draws all clashing means the
 * random source is broken, not bad luck.
 */
export const PAN_MINT_TRIES = 10;
/** What fits on a card: ISO/IEC 7813 allows 26 characters for the name. */
export const CARDHOLDER_NAME_MAX_CHARS = 26;
export const DEFAULT_CARDHOLDER_NAME = 'CARDLANE CARDHOLDER';

/**
 * Opens a card, all in the caller's transaction: the opening fee (wallet →
 * fee revenue), the card row, its ledger account and the cardholder's
 * first-card mark commit together or not at all.
 *
 * Refund guarantee by construction: the fee is booked in the same
 * transaction as everything it pays for, so any failure after it (a PAN that
 * cannot be minted, a store error, a crash before commit) rolls the fee back
 * with the rest. No fee is ever kept for a card that does not exist, and no
 * compensating "refund" transfer is needed; the wallet statement shows either
 * a card and its fee, or neither.
 */
export async function openCard(tx: Tx, deps: CardDeps, input: { readonly cardholderId: string; readonly name?: string | undefined }): Promise<Card> {
  const name = cardholderName(input.name);
  await requireKycApproved(tx, input.cardholderId);
  // Locks the cardholder, so two concurrent openings cannot both pass the count.
  const cardholder = (await getCardholder(tx, input.cardholderId, { lock: true }))!;
  const { program, ledger } = deps;
  if ((await countUnclosedCards(tx, cardholder.id)) >= program.maxCardsPerCardholder) {
    throw new IssuerError('card_limit_reached', `A cardholder can have at most ${program.maxCardsPerCardholder} cards that are not closed; close one first.`);
  }
  const nowMs = deps.clock.nowMs();
  const cardId = deps.ids.next('card');
  const wallet = await ensureWallet(ledger, tx, cardholder.id);
  const fee = cardholder.openingFeeWaived ? 0 : program.openingFeeUsdMinor;
  let feeTransferId: string | null = null;
  if (fee > 0) {
    await ensureIssuerAccounts(ledger, tx);
    feeTransferId = `card:${cardId}:opening_fee`;
    const outcome = await ledger.createTransfer(tx, {
      id: feeTransferId,
      debit_account_id: wallet,
      credit_account_id: SYSTEM_ACCOUNTS.usdFeeRevenue,
      amount: fee,
      code: CARD_TRANSFER_CODES.card_opening_fee,
      metadata: { card_id: cardId, cardholder_id: cardholder.id },
    });
    if (outcome.result === 'exceeds_credits') {
      throw await insufficientFunds(tx, ledger, 'wallet', wallet, { needed: `Opening a card costs $${(fee / 100).toFixed(2)}.` });
    }
    if (outcome.result !== 'ok') throw new Error(`card opening fee ${feeTransferId}: ${outcome.result}`);
  }

  const pan = await mintUnusedPan(tx, deps);
  const encrypted = encryptPan(deps.keyring, pan, deps.random);
  const expiry = randomCardExpiry(nowMs, deps.random, program.validityYears);
  const card: Card = {
    id: cardId,
    cardholderId: cardholder.id,
    panCiphertext: encrypted.ciphertext,
    panKid: encrypted.kid,
    panFingerprint: panFingerprint(deps.keyring, pan),
    last4: last4(pan),
    expMonth: expiry.expMonth,
    expYear: expiry.expYear,
    cardholderName: name,
    // The cardholder's own address once they set one (what AVS checks), the program's until then.
    billingAddress: (await cardholderBillingAddress(tx, cardholder.id)) ?? program.billingAddress,
    status: 'active',
    controls: DEFAULT_CONTROLS,
    openingFeeUsdMinor: fee,
    openingFeeTransferId: feeTransferId,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    frozenAtMs: null,
    closedAtMs: null,
  };
  await insertCard(tx, card);
  // The network's reference for this card account, stored with the card so nobody needs the number to recognise it.
  const par = deps.paymentAccountReference?.(pan) ?? null;
  if (par !== null) await saveCardPaymentAccountReference(tx, cardId, par);
  await createCardAccount(ledger, tx, cardId, cardholder.id);
  await markFirstCard(tx, cardholder.id, nowMs);
  return card;
}

/**
 * A PAN whose fingerprint no card has. A concurrent opening could mint the
 * same one between the check and the insert; the unique index then fails
 * the insert and the whole transaction (fee included) rolls back.
 */
async function mintUnusedPan(tx: Tx, deps: CardDeps): Promise<string> {
  for (let attempt = 0; attempt < PAN_MINT_TRIES; attempt++) {
    const pan = generatePan(deps.program.bin, deps.random);
    if ((await findCardByPanFingerprint(tx, panFingerprint(deps.keyring, pan))) === undefined) return pan;
  }
  throw new Error(`could not mint an unused card number in ${PAN_MINT_TRIES} tries; is the random source broken or the BIN full?`);
}

/** Upper-case Latin letters, spaces and . ' - (what embossing and the networks accept), 2–26 characters. */
export function cardholderName(input: string | undefined): string {
  if (input === undefined) return DEFAULT_CARDHOLDER_NAME;
  const name = typeof input === 'string' ? input.normalize('NFKC').replace(/\s+/g, ' ').trim().toUpperCase() : '';
  if (name.length < 2 || name.length > CARDHOLDER_NAME_MAX_CHARS || !/^[A-Z][A-Z .'-]*$/.test(name)) {
    throw new IssuerError('parameter_invalid', `The name on the card is 2–${CARDHOLDER_NAME_MAX_CHARS} Latin letters, spaces and . ' - (for example ZHANG WEI).`, {
      param: 'name',
    });
  }
  return name;
}
