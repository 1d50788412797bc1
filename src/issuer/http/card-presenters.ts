import type { Sql } from '../../platform/db/database.ts';
import { declineText } from '../authorization/decline-text.ts';
import type { IssuerAuthorization } from '../authorization/records.ts';
import type { CardDeps } from '../cards/card-deps.ts';
import { cardBalance } from '../cards/card-money.ts';
import type { Card } from '../cards/cards.ts';
import type { RevealedCard } from '../cards/reveal.ts';
import type { StatementLine } from '../cards/statement.ts';

/** The cards API's JSON objects, from the card services' records (shapes in card-schemas.ts). */

const iso = (ms: number) => new Date(ms).toISOString();

/** A card, masked (never its number), with its balance read from the ledger. */
export async function cardJson(deps: CardDeps, sql: Sql, card: Card) {
  const balance = await cardBalance(deps.ledger, sql, card.id);
  const c = card.controls;
  return {
    id: card.id,
    object: 'card' as const,
    status: card.status,
    brand: 'visa',
    last4: card.last4,
    masked_number: `•••• •••• •••• ${card.last4}`,
    exp_month: card.expMonth,
    exp_year: card.expYear,
    cardholder_name: card.cardholderName,
    billing_address: card.billingAddress,
    balance: { currency: 'usd', posted: balance.postedUsdMinor, held: balance.heldUsdMinor, available: balance.availableUsdMinor },
    controls: {
      spending_limits: { per_transaction: c.limits.perTransactionUsdMinor, per_day: c.limits.perDayUsdMinor, per_month: c.limits.perMonthUsdMinor },
      mcc_allow: c.mccAllow,
      mcc_block: c.mccBlock,
      country_allow: c.countryAllow,
      country_block: c.countryBlock,
      max_accounts_per_merchant: c.maxAccountsPerMerchant,
    },
    opening_fee: { amount: card.openingFeeUsdMinor, currency: 'usd', waived: card.openingFeeUsdMinor === 0 },
    created_at: iso(card.createdAtMs),
    closed_at: card.closedAtMs === null ? null : iso(card.closedAtMs),
  };
}

export function authorizationJson(a: IssuerAuthorization) {
  const text = a.approved ? null : declineText(a.reason);
  return {
    id: a.id,
    object: 'issuer_authorization' as const,
    status: a.status,
    purpose: a.purpose,
    approved: a.approved,
    amount: a.amount.minor,
    currency: a.amount.currency.toLowerCase(),
    held: a.heldUsdMinor,
    cleared: a.clearedUsdMinor,
    refunded: a.refundedUsdMinor,
    merchant: { name: a.merchant.name, mcc: a.merchant.mcc, country: a.merchant.country },
    initiator: a.initiator,
    response_code: a.responseCode,
    reason: a.reason,
    decline: text === null ? null : { message_zh: text.zh, message_en: text.en },
    created_at: iso(a.createdAtMs),
    expires_at: a.expiresAtMs === null ? null : iso(a.expiresAtMs),
  };
}

export function statementLineJson(l: StatementLine) {
  return {
    id: l.id,
    type: l.type,
    amount: l.amountUsdMinor,
    currency: 'usd',
    status: l.status,
    created_at: iso(l.createdAtMs),
    resolved_at: l.resolvedAtMs === null ? null : iso(l.resolvedAtMs),
    merchant: l.merchant,
    authorization: l.authorizationId,
    requested_amount: l.requested === null ? null : { amount: l.requested.minor, currency: l.requested.currency.toLowerCase() },
    exchange: l.exchange ? { rate: l.exchange.rate, converted_amount: l.exchange.convertedUsdMinor, cross_border_fee: l.exchange.feeUsdMinor, cross_border_fee_bps: l.exchange.feeBps } : null,
    decline:
      l.decline === null
        ? null
        : { response_code: l.decline.responseCode, reason: l.decline.reason, message_zh: l.decline.message.zh, message_en: l.decline.message.en },
    dispute:
      l.dispute === null
        ? null
        : { id: l.dispute.id, status: l.dispute.status, reason: l.dispute.reason, amount: l.dispute.amountMinor, provisional_credit: l.dispute.provisionalCreditMinor },
  };
}

/** The answer to a reveal-code request: when the code expires and when another may be sent. */
export function revealCodeJson(result: { readonly expiresAtMs: number; readonly resendAfterMs: number }) {
  return { expires_at: iso(result.expiresAtMs), resend_after: iso(result.resendAfterMs) };
}

/** The full card details, for the one answer to a reveal that shows them (never stored or logged). */
export function revealedCardJson(card: RevealedCard) {
  return { id: card.cardId, number: card.number, cvc: card.cvc, exp_month: card.expMonth, exp_year: card.expYear };
}
