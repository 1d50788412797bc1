import type { Sql, Tx } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import type { BillingAddress } from '../billing-address.ts';
import { panFingerprint } from '../card-secrets.ts';
import type { Keyring } from '../keyring.ts';
import type { CardControls } from './controls.ts';

/**
 * The card records and their look-ups. A `Card` never holds the PAN in
 * clear; `panCiphertext`/`panKid` are for `decryptPan` at reveal (and for
 * the network's CVV2 check), nothing else.
 */

export type CardStatus = 'active' | 'frozen' | 'closed';

export interface Card {
  readonly id: string;
  readonly cardholderId: string;
  readonly panCiphertext: string;
  readonly panKid: string;
  readonly panFingerprint: string;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cardholderName: string;
  readonly billingAddress: BillingAddress;
  readonly status: CardStatus;
  readonly controls: CardControls;
  readonly openingFeeUsdMinor: number;
  readonly openingFeeTransferId: string | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly frozenAtMs: number | null;
  readonly closedAtMs: number | null;
}

export interface CardRow {
  id: string;
  cardholder_id: string;
  pan_ciphertext: string;
  pan_kid: string;
  pan_fingerprint: string;
  last4: string;
  exp_month: number | string;
  exp_year: number | string;
  cardholder_name: string;
  billing_line1: string;
  billing_line2: string | null;
  billing_city: string;
  billing_state: string;
  billing_postal_code: string;
  billing_country: string;
  status: CardStatus;
  limit_per_transaction_usd_minor: number | string | null;
  limit_per_day_usd_minor: number | string | null;
  limit_per_month_usd_minor: number | string | null;
  mcc_allow: string;
  mcc_block: string;
  country_allow: string;
  country_block: string;
  max_accounts_per_merchant: number | string;
  opening_fee_usd_minor: number | string;
  opening_fee_transfer_id: string | null;
  created_at_ms: number | string;
  updated_at_ms: number | string;
  frozen_at_ms: number | string | null;
  closed_at_ms: number | string | null;
}

/** For modules that read cards in bulk (the authorization engine): the columns `cardFromRow` needs. */
export const CARD_COLUMNS = `id, cardholder_id, pan_ciphertext, pan_kid, pan_fingerprint, last4, exp_month, exp_year, cardholder_name,
  billing_line1, billing_line2, billing_city, billing_state, billing_postal_code, billing_country, status,
  limit_per_transaction_usd_minor, limit_per_day_usd_minor, limit_per_month_usd_minor, mcc_allow, mcc_block, country_allow,
  country_block, max_accounts_per_merchant, opening_fee_usd_minor, opening_fee_transfer_id, created_at_ms, updated_at_ms,
  frozen_at_ms, closed_at_ms`;

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function cardFromRow(row: CardRow): Card {
  return {
    id: row.id,
    cardholderId: row.cardholder_id,
    panCiphertext: row.pan_ciphertext,
    panKid: row.pan_kid,
    panFingerprint: row.pan_fingerprint,
    last4: row.last4,
    expMonth: Number(row.exp_month),
    expYear: Number(row.exp_year),
    cardholderName: row.cardholder_name,
    billingAddress: {
      line1: row.billing_line1,
      ...(row.billing_line2 === null ? {} : { line2: row.billing_line2 }),
      city: row.billing_city,
      state: row.billing_state,
      postal_code: row.billing_postal_code,
      country: row.billing_country,
    },
    status: row.status,
    controls: {
      limits: {
        perTransactionUsdMinor: num(row.limit_per_transaction_usd_minor),
        perDayUsdMinor: num(row.limit_per_day_usd_minor),
        perMonthUsdMinor: num(row.limit_per_month_usd_minor),
      },
      mccAllow: JSON.parse(row.mcc_allow) as string[],
      mccBlock: JSON.parse(row.mcc_block) as string[],
      countryAllow: JSON.parse(row.country_allow) as string[],
      countryBlock: JSON.parse(row.country_block) as string[],
      maxAccountsPerMerchant: Number(row.max_accounts_per_merchant),
    },
    openingFeeUsdMinor: Number(row.opening_fee_usd_minor),
    openingFeeTransferId: row.opening_fee_transfer_id,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
    frozenAtMs: num(row.frozen_at_ms),
    closedAtMs: num(row.closed_at_ms),
  };
}

export async function getCard(sql: Sql, cardId: string, options: { lock?: boolean } = {}): Promise<Card | undefined> {
  const row = await sql.get<CardRow>(`SELECT ${CARD_COLUMNS} FROM issuer_cards WHERE id = ?${options.lock ? ` ${sql.forUpdate}` : ''}`, [cardId]);
  return row === undefined ? undefined : cardFromRow(row);
}

/** The cardholder's own card, else 404 `resource_missing` (another cardholder's card does not exist for them). */
export async function getCardOf(sql: Sql, cardholderId: string, cardId: string, options: { lock?: boolean } = {}): Promise<Card> {
  const card = typeof cardId === 'string' && cardId.length <= 100 ? await getCard(sql, cardId, options) : undefined;
  if (card === undefined || card.cardholderId !== cardholderId) throw new IssuerError('resource_missing', 'No such card.', { param: 'card' });
  return card;
}

/** For the network and the authorization engine: the card a PAN belongs to, by its keyed fingerprint; never a scan. */
export async function findCardByPan(sql: Sql, keyring: Keyring, pan: string): Promise<Card | undefined> {
  if (typeof pan !== 'string' || !/^\d{13,19}$/.test(pan)) return undefined;
  return findCardByPanFingerprint(sql, panFingerprint(keyring, pan));
}

export async function findCardByPanFingerprint(sql: Sql, fingerprint: string): Promise<Card | undefined> {
  const row = await sql.get<CardRow>(`SELECT ${CARD_COLUMNS} FROM issuer_cards WHERE pan_fingerprint = ?`, [fingerprint]);
  return row === undefined ? undefined : cardFromRow(row);
}

export const CARD_LIST_MAX = 100;

/** The cardholder's cards, newest first (bounded: the program allows few open cards, closed ones are listed too). */
export async function listCards(sql: Sql, cardholderId: string, limit = CARD_LIST_MAX): Promise<Card[]> {
  const rows = await sql.all<CardRow>(
    `SELECT ${CARD_COLUMNS} FROM issuer_cards WHERE cardholder_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT ?`,
    [cardholderId, Math.min(Math.max(1, limit), CARD_LIST_MAX)],
  );
  return rows.map(cardFromRow);
}

export async function countUnclosedCards(sql: Sql, cardholderId: string): Promise<number> {
  const row = await sql.get<{ n: number | string }>("SELECT COUNT(*) AS n FROM issuer_cards WHERE cardholder_id = ? AND status <> 'closed'", [
    cardholderId,
  ]);
  return Number(row?.n ?? 0);
}

export async function insertCard(tx: Tx, card: Card): Promise<void> {
  const c = card.controls;
  await tx.run(
    `INSERT INTO issuer_cards (${CARD_COLUMNS}) VALUES (${Array.from({ length: 30 }, () => '?').join(', ')})`,
    [
      card.id,
      card.cardholderId,
      card.panCiphertext,
      card.panKid,
      card.panFingerprint,
      card.last4,
      card.expMonth,
      card.expYear,
      card.cardholderName,
      card.billingAddress.line1,
      card.billingAddress.line2 ?? null,
      card.billingAddress.city,
      card.billingAddress.state,
      card.billingAddress.postal_code,
      card.billingAddress.country,
      card.status,
      c.limits.perTransactionUsdMinor,
      c.limits.perDayUsdMinor,
      c.limits.perMonthUsdMinor,
      JSON.stringify(c.mccAllow),
      JSON.stringify(c.mccBlock),
      JSON.stringify(c.countryAllow),
      JSON.stringify(c.countryBlock),
      c.maxAccountsPerMerchant,
      card.openingFeeUsdMinor,
      card.openingFeeTransferId,
      card.createdAtMs,
      card.updatedAtMs,
      card.frozenAtMs,
      card.closedAtMs,
    ],
  );
}

export async function saveControls(tx: Tx, cardId: string, controls: CardControls, nowMs: number): Promise<void> {
  await tx.run(
    `UPDATE issuer_cards SET limit_per_transaction_usd_minor = ?, limit_per_day_usd_minor = ?, limit_per_month_usd_minor = ?,
       mcc_allow = ?, mcc_block = ?, country_allow = ?, country_block = ?, max_accounts_per_merchant = ?, updated_at_ms = ? WHERE id = ?`,
    [
      controls.limits.perTransactionUsdMinor,
      controls.limits.perDayUsdMinor,
      controls.limits.perMonthUsdMinor,
      JSON.stringify(controls.mccAllow),
      JSON.stringify(controls.mccBlock),
      JSON.stringify(controls.countryAllow),
      JSON.stringify(controls.countryBlock),
      controls.maxAccountsPerMerchant,
      nowMs,
      cardId,
    ],
  );
}

export async function setCardStatus(tx: Tx, cardId: string, status: CardStatus, nowMs: number): Promise<void> {
  if (status === 'active') {
    await tx.run('UPDATE issuer_cards SET status = ?, updated_at_ms = ?, frozen_at_ms = NULL WHERE id = ?', [status, nowMs, cardId]);
    return;
  }
  const stamp = status === 'frozen' ? 'frozen_at_ms' : 'closed_at_ms';
  await tx.run(`UPDATE issuer_cards SET status = ?, updated_at_ms = ?, ${stamp} = ? WHERE id = ?`, [status, nowMs, nowMs, cardId]);
}
