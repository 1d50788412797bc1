import type { AuthorizationRequest } from '../../network/messages.ts';
import type { Sql } from '../../platform/db/database.ts';
import type { Keyring } from '../keyring.ts';
import { loadAuthentication, sameValue, type AuthenticationRow } from './access-control-server.ts';
import { authenticationValue, ECI_AUTHENTICATED } from './authentication-value.ts';
import type { PaymentHistory } from './policy.ts';

/**
 * What the authorization engine asks of the 3-D Secure records: whether
 * the authentication an authorization carries is one this issuer issued for
 * exactly this payment and not used yet, and the card's history the
 * risk-based policy looks at.
 */

/**
 * `absent`: none carried; `valid`: issued for this card, merchant, purpose
 * and amount, passed, unused; `invalid`: anything else. `valid_cvv2_checked`:
 * valid, and it followed this issuer's 1A to an authorization of the same
 * payment whose CVV2 matched — so its retry needs no CVV2 again.
 */
export type CarriedAuthentication = 'absent' | 'valid' | 'valid_cvv2_checked' | 'invalid';

/** The authentication record an authorization names, or undefined (none carried, or no such record). */
export async function carriedAuthenticationRow(sql: Sql, request: AuthorizationRequest): Promise<AuthenticationRow | undefined> {
  const id = request.authentication?.transactionId;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return undefined;
  return loadAuthentication(sql, id);
}

/** `usedInBatch`: an earlier authorization of the same batch already carried it. */
export function checkCarriedAuthentication(
  keyring: Keyring,
  request: AuthorizationRequest,
  cardId: string,
  row: AuthenticationRow | undefined,
  usedInBatch: boolean,
): CarriedAuthentication {
  const data = request.authentication;
  if (data === undefined || data === null) return 'absent';
  if (row === undefined || usedInBatch || row.used_by_request_id !== null) return 'invalid';
  if (row.status !== 'authenticated' || row.auth_value === null || data.eci !== ECI_AUTHENTICATED || typeof data.value !== 'string') return 'invalid';
  // Recomputed from this authorization's own card, merchant, purpose and amount: a value moved to any other payment differs.
  const expected = authenticationValue(keyring, { id: row.id, cardId, purpose: request.purpose, merchant: request.merchant, amount: request.amount });
  if (!sameValue(data.value, expected) || !sameValue(data.value, row.auth_value)) return 'invalid';
  return row.cvv2_checked_request_id === null ? 'valid' : 'valid_cvv2_checked';
}

/** Marks the authentication used by this authorization (in the decision's transaction); false when another took it first. */
export async function consumeAuthentication(sql: Sql, authenticationId: string, requestId: string, nowMs: number): Promise<boolean> {
  const changed = await sql.run('UPDATE issuer_authentications SET used_by_request_id = ?, updated_at_ms = ? WHERE id = ? AND used_by_request_id IS NULL', [requestId, nowMs, authenticationId]);
  return changed === 1;
}

/**
 * Whether the authorization `requestId` carried a 3-D Secure authentication
 * the cardholder passed by typing this issuer's code (a challenge, not a
 * frictionless one): the issuer's own proof that the cardholder took part.
 */
export async function confirmedByCardholder(sql: Sql, requestId: string): Promise<boolean> {
  const row = await sql.get<{ id: string }>(
    `SELECT id FROM issuer_authentications WHERE used_by_request_id = ? AND status = 'authenticated' AND reason = 'challenge_passed'`,
    [requestId],
  );
  return row !== undefined;
}

/** Whether the card was approved before at this merchant, and in this merchant's country (any purpose: a set-up counts). */
export async function paymentHistory(sql: Sql, cardId: string, merchant: AuthorizationRequest['merchant']): Promise<PaymentHistory> {
  const row = await sql.get<{ merchant: number | boolean; country: number | boolean }>(
    `SELECT EXISTS (SELECT 1 FROM issuer_authorizations WHERE card_id = ? AND approved = 1 AND acquirer_id = ? AND merchant_id = ?) AS merchant,
            EXISTS (SELECT 1 FROM issuer_authorizations WHERE card_id = ? AND approved = 1 AND merchant_country = ?) AS country`,
    [cardId, merchant.acquirerId, merchant.merchantId, cardId, merchant.country],
  );
  return { paidMerchantBefore: Boolean(Number(row?.merchant ?? 0)), paidCountryBefore: Boolean(Number(row?.country ?? 0)) };
}
