import type { IssuerCardRecord, IssuerDisputeRecord, IssuerRecords } from '../doctor/index.ts';
import type { IssuerDisputeRow } from './disputes/disputes.ts';
import type { Sql } from '../platform/db/database.ts';
import { findAuthorizationByRequestId, getAuthorization, ISSUER_NAME, listCardAuthorizations } from './authorization/records.ts';
import { CARD_COLUMNS, CARD_LIST_MAX, cardFromRow, type CardRow } from './cards/cards.ts';
import { getCardholder } from './identity/cardholders.ts';
import { verifyOperatorKey } from './identity/operator-keys.ts';
import { OPERATOR_KEY_PREFIX } from '../platform/identity/operator-keys.ts';
import { authenticateSession } from './identity/sessions.ts';
import { operatorSessions } from './operations/operator-sessions.ts';
import { loadAuthentication } from './authentication/access-control-server.ts';

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
    dispute: (id) => issuerDispute(sql, id),
    authorizationByRequest: (requestId) => findAuthorizationByRequestId(sql, requestId),
    authorization: (id) => getAuthorization(sql, id),
    async authentication(id) {
      const row = await loadAuthentication(sql, id);
      return row === undefined ? undefined : { status: row.status, reason: row.reason };
    },
    async authenticationOfChallenge(challengeId) {
      const row = await sql.get<{ id: string }>('SELECT id FROM issuer_authentications WHERE challenge_id = ?', [challengeId]);
      return row?.id;
    },
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

    async cardholderOfCardAccount(paymentAccountReference) {
      // A PAR names one card account, so the first card carrying it names its cardholder.
      const row = await sql.get<{ cardholder_id: string }>('SELECT cardholder_id FROM issuer_cards WHERE payment_account_reference = ? LIMIT 1', [paymentAccountReference]);
      return row?.cardholder_id;
    },

    kycStatus: async (cardholderId) => (await getCardholder(sql, cardholderId))?.kycStatus,
    looksLikeOperatorKey: (token) => token.startsWith(OPERATOR_KEY_PREFIX),
    operatorKeyIsLive: async (token) => (await verifyOperatorKey(sql, token)) !== undefined,
    looksLikeOperatorSession: (token) => operatorSessions.looksLikeToken(token),
    operatorSessionIsLive: async (token, nowMs) => (await operatorSessions.authenticate(sql, token, nowMs)) !== undefined,
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

/** A cardholder's dispute as the doctor reads it, with the steps the cardholder was told. */
async function issuerDispute(sql: Sql, id: string): Promise<IssuerDisputeRecord | undefined> {
  const row = await sql.get<IssuerDisputeRow>(`SELECT * FROM issuer_disputes WHERE id = ?`, [id]);
  if (row === undefined) return undefined;
  const steps = await sql.all<{ step: string; amount_minor: number | string | null; at_ms: number | string }>(
    `SELECT step, amount_minor, at_ms FROM issuer_dispute_steps WHERE dispute_id = ? ORDER BY seq`,
    [id],
  );
  return {
    id: row.id,
    cardholderId: row.cardholder_id,
    cardId: row.card_id,
    authorizationId: row.authorization_id,
    category: row.category,
    scheme: row.scheme,
    reasonCode: row.reason_code,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    status: row.status,
    provisionalCreditMinor: Number(row.provisional_credit_minor),
    winner: row.winner,
    createdAtMs: Number(row.created_at_ms),
    closedAtMs: row.closed_at_ms === null ? null : Number(row.closed_at_ms),
    steps: steps.map((s) => ({ step: s.step, amountMinor: s.amount_minor === null ? null : Number(s.amount_minor), atMs: Number(s.at_ms) })),
  };
}
