import type { IssuerCardRecord, IssuerRecords } from '../doctor/index.ts';
import type { Sql } from '../platform/db/database.ts';
import { findAuthorizationByRequestId, getAuthorization, ISSUER_NAME, listCardAuthorizations } from './authorization/records.ts';
import { CARD_COLUMNS, CARD_LIST_MAX, cardFromRow, type CardRow } from './cards/cards.ts';
import { getCardholder } from './identity/cardholders.ts';
import { verifyOperatorKey } from './identity/operator-keys.ts';
import { OPERATOR_KEY_PREFIX } from '../platform/identity/operator-keys.ts';
import { authenticateSession } from './identity/sessions.ts';

/**
 * The issuer's answers to the doctor's questions (the doctor's
 * `IssuerRecords` port), from the issuer's own tables and read functions.
 * A card leaves here as its state, controls, last four and PAR — never its
 * number, encrypted or not: the doctor matches merchants' records to it by
 * the PAR.
 */

type CardWithParRow = CardRow & { payment_account_reference: string | null };

const CARD_COLUMNS_WITH_PAR = `${CARD_COLUMNS}, payment_account_reference`;

export function issuerDoctorRecords(sql: Sql): IssuerRecords {
  return {
    networkName: ISSUER_NAME,
    authorizationByRequest: (requestId) => findAuthorizationByRequestId(sql, requestId),
    authorization: (id) => getAuthorization(sql, id),
    authorizationsOfCard: (cardId, window, limit) => listCardAuthorizations(sql, cardId, { fromMs: window.fromMs, toMs: window.toMs, limit }),

    async card(cardId) {
      const row = await sql.get<CardWithParRow>(`SELECT ${CARD_COLUMNS_WITH_PAR} FROM issuer_cards WHERE id = ?`, [cardId]);
      return row === undefined ? undefined : cardRecord(row);
    },

    async cardsOfCardholder(cardholderId) {
      const rows = await sql.all<CardWithParRow>(
        `SELECT ${CARD_COLUMNS_WITH_PAR} FROM issuer_cards WHERE cardholder_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT ?`,
        [cardholderId, CARD_LIST_MAX],
      );
      return rows.map(cardRecord);
    },

    kycStatus: async (cardholderId) => (await getCardholder(sql, cardholderId))?.kycStatus,
    looksLikeOperatorKey: (token) => token.startsWith(OPERATOR_KEY_PREFIX),
    operatorKeyIsLive: async (token) => (await verifyOperatorKey(sql, token)) !== undefined,
    sessionCardholder: async (token, nowMs) => (await authenticateSession(sql, token, nowMs))?.cardholderId,
  };
}

function cardRecord(row: CardWithParRow): IssuerCardRecord {
  const card = cardFromRow(row);
  return {
    id: card.id,
    cardholderId: card.cardholderId,
    last4: card.last4,
    status: card.status,
    controls: card.controls,
    paymentAccountReference: row.payment_account_reference,
  };
}
