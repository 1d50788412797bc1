import { withStripeDefaults } from '../stripe/stripe-defaults.ts';
import type { Sql } from '../../platform/db/database.ts';
import { countryCodeProblem, isCountryCode } from '../../platform/countries.ts';
import { isLuhnValid } from '../../platform/pan-scrub.ts';
import { AcquirerError, noSuchObject } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { brandFromNumber } from '../cards/card-brand.ts';
import { cardFingerprint, openPan, sealPan, type CvcCache } from '../cards/vault.ts';
import { updateMetadata, type Params } from '../stripe/params.ts';
import { NO_RECOVERY, type Recovery } from '../stripe/recovery.ts';
import { insertPaymentMethod, requirePaymentMethod, type BillingDetails, type PaymentMethod } from './payment-method-store.ts';
import { testPaymentMethodPan, testTokenPan, TOKEN_REF } from './test-shortcuts.ts';

/**
 * Where a new card payment method comes from: card details (`card[number]…`),
 * a card token (`card[token]=tok_…`, from POST /v1/tokens or one of Stripe's
 * test tokens), or a test payment method name (`pm_card_visa`). Every route
 * that takes a card — creating a payment method, `payment_method_data` on a
 * confirm, a token, a `pm_card_*` in place of an id — vaults it here, so the
 * rules (Luhn, expiry, CVC format, brand) are the same everywhere.
 *
 * Tokens are single use, as at Stripe: the card details are kept sealed until
 * the token becomes a payment method (its CVC only in the memory cache).
 */

export interface CardDetails {
  readonly pan: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc: string | null;
}

export type CardSource =
  | { readonly kind: 'details'; readonly card: CardDetails; readonly billing: BillingDetails; readonly metadata: Record<string, string> }
  | { readonly kind: 'token'; readonly token: string; readonly billing: BillingDetails; readonly metadata: Record<string, string> };

const EMPTY_BILLING: BillingDetails = {
  name: null,
  email: null,
  phone: null,
  address: { line1: null, line2: null, city: null, state: null, postal_code: null, country: null },
};

/** `card[…]`: a number with its expiry (and CVC), or `card[token]`. */
export function parseCardSource(p: Params, nowMs: number, options: { billingFrom?: Params; tokenAllowed?: boolean } = {}): CardSource {
  const card = p.object('card', { required: true })!;
  const billing = parseBilling(options.billingFrom ?? p);
  const metadata = updateMetadata({}, p.metadata());
  if (options.tokenAllowed !== false && card.has('token')) {
    const token = card.requiredString('token', { maxChars: 80, pattern: TOKEN_REF, what: 'not a token id' });
    return { kind: 'token', token, billing, metadata };
  }
  return { kind: 'details', card: parseCardDetails(card, nowMs), billing, metadata };
}

export function parseCardDetails(card: Params, nowMs: number): CardDetails {
  const rawNumber = card.requiredString('number', { maxChars: 40 }).replace(/[\s-]/g, '');
  const expMonth = card.integer('exp_month', { required: true })!;
  let expYear = card.integer('exp_year', { required: true })!;
  const cvc = card.string('cvc', { maxChars: 10 }) ?? null;
  const param = (name: string) => ({ param: card.name(name) });
  if (!/^\d{12,19}$/.test(rawNumber)) throw new AcquirerError('invalid_number', 'Your card number is not a valid credit card number.', param('number'));
  if (!isLuhnValid(rawNumber)) throw new AcquirerError('incorrect_number', 'Your card number is incorrect.', param('number'));
  if (expMonth < 1 || expMonth > 12) throw new AcquirerError('invalid_expiry_month', "Your card's expiration month is invalid.", param('exp_month'));
  if (expYear >= 0 && expYear < 100) expYear += 2000;
  const now = new Date(nowMs);
  const nowYear = now.getUTCFullYear();
  if (expYear < nowYear || expYear > nowYear + 50 || (expYear === nowYear && expMonth < now.getUTCMonth() + 1)) {
    throw new AcquirerError('invalid_expiry_year', "Your card's expiration year is invalid.", param('exp_year'));
  }
  if (cvc !== null && !/^\d{3,4}$/.test(cvc)) throw new AcquirerError('invalid_cvc', "Your card's security code is invalid.", param('cvc'));
  return { pan: rawNumber, expMonth, expYear, cvc };
}

export function parseBilling(p: Params): BillingDetails {
  const billing = p.object('billing_details');
  if (billing === undefined) return EMPTY_BILLING;
  const address = billing.object('address');
  const text = (from: Params | undefined, name: string, maxChars = 200) => {
    const value = from?.string(name, { maxChars });
    return value === undefined || value === '' ? null : value;
  };
  const country = billingCountry(address, 'country');
  return {
    name: text(billing, 'name'),
    email: text(billing, 'email', 320),
    phone: text(billing, 'phone', 40),
    address: {
      line1: text(address, 'line1'),
      line2: text(address, 'line2'),
      city: text(address, 'city'),
      state: text(address, 'state'),
      postal_code: text(address, 'postal_code', 20),
      country,
    },
  };
}

/** A billing address's country (`name` in `from`): upper case, null when not given, a 400 naming the code meant when it is no ISO 3166-1 alpha-2 code (`UK`). */
export function billingCountry(from: Params | undefined, name: string): string | null {
  const given = from?.string(name, { maxChars: 2 });
  if (given === undefined || given === '') return null;
  const country = given.toUpperCase();
  if (!isCountryCode(country)) throw new AcquirerError('parameter_invalid', `Invalid ${from!.name(name)}: ${countryCodeProblem(given)}`, { param: from!.name(name) });
  return country;
}

/** `payment_method_data[type]=card&payment_method_data[card][…]`: a card to vault as the intent's payment method; undefined when absent. */
export function parsePaymentMethodData(p: Params, nowMs: number): CardSource | undefined {
  const data = p.object('payment_method_data');
  if (data === undefined) return undefined;
  data.enumOf('type', ['card'], { required: true });
  return parseCardSource(data, nowMs);
}

/** A test card far in the future: Stripe's test payment methods never expire. */
function testCard(pan: string, nowMs: number): CardDetails {
  return { pan, expMonth: 12, expYear: new Date(nowMs).getUTCFullYear() + 5, cvc: null };
}

export class CardSources {
  readonly #deps: AcquirerDeps;
  readonly #cvcCache: CvcCache;

  constructor(deps: AcquirerDeps, cvcCache: CvcCache) {
    this.#deps = deps;
    this.#cvcCache = cvcCache;
  }

  /** Vaults a new payment method from `source` for the merchant. */
  async vault(merchantId: string, source: CardSource, nowMs: number, recovery: Recovery = NO_RECOVERY): Promise<PaymentMethod> {
    const card = source.kind === 'details' ? source.card : await this.#redeemToken(merchantId, source.token, nowMs);
    const deps = this.#deps;
    const info = deps.network.lookupCard(card.pan);
    const billing = source.billing;
    const pm: PaymentMethod = {
      id: deps.ids.next('pm'),
      merchantId,
      customerId: null,
      panSealed: sealPan(deps.vaultKey, card.pan, deps.random),
      fingerprint: cardFingerprint(deps.vaultKey, card.pan),
      // Asked of the network as a PAR inquiry when the card is vaulted, so the number never has to be opened again to link it.
      paymentAccountReference: deps.network.paymentAccountReference?.(card.pan) ?? null,
      bin: card.pan.slice(0, 6),
      last4: card.pan.slice(-4),
      // A number no issuer on the network has still shows its scheme's brand, from its leading digits.
      brand: info?.brand ?? brandFromNumber(card.pan),
      country: info?.country ?? null,
      funding: info?.funding ?? 'unknown',
      expMonth: card.expMonth,
      expYear: card.expYear,
      billingDetails: billing,
      checks: {
        address_line1_check: billing.address.line1 === null ? null : 'unchecked',
        address_postal_code_check: billing.address.postal_code === null ? null : 'unchecked',
        cvc_check: card.cvc === null ? null : 'unchecked',
      },
      metadata: source.metadata,
      createdAtMs: nowMs,
    };
    await deps.db.transaction(async (tx) => {
      await insertPaymentMethod(tx, pm);
      await recovery.record(tx, pm.id);
    });
    if (card.cvc !== null) this.#cvcCache.put(merchantId, pm.id, card.cvc, nowMs);
    return pm;
  }

  /**
   * A create cut short after it vaulted `pmId`: that payment method, not a
   * second one. The retry carries the card's CVC again (it is never stored),
   * so it is put back in the cache the crash emptied, for the payment that follows.
   */
  async resumeVault(merchantId: string, source: CardSource, pmId: string, nowMs: number): Promise<PaymentMethod> {
    const pm = await requirePaymentMethod(this.#deps.db, merchantId, pmId, 'payment_method');
    if (source.kind === 'details' && source.card.cvc !== null) this.#cvcCache.put(merchantId, pm.id, source.card.cvc, nowMs);
    return pm;
  }

  /** A payment method parameter: a `pm_…` id as it is, or a test name (`pm_card_visa`) made into a new payment method. */
  async resolve(merchantId: string, ref: string, nowMs: number): Promise<string> {
    const pan = testPaymentMethodPan(ref);
    if (pan === undefined) return ref;
    return (await this.vault(merchantId, { kind: 'details', card: testCard(pan, nowMs), billing: EMPTY_BILLING, metadata: {} }, nowMs)).id;
  }

  /** `resolve` for an optional parameter. */
  async resolveOptional(merchantId: string, ref: string | null, nowMs: number): Promise<string | null> {
    return ref === null ? null : this.resolve(merchantId, ref, nowMs);
  }

  /** POST /v1/tokens: keeps the card sealed until the token is used. */
  async createToken(merchantId: string, card: CardDetails, billing: BillingDetails, clientIp: string | null, nowMs: number): Promise<Record<string, unknown>> {
    const deps = this.#deps;
    const id = deps.ids.next('tok');
    await deps.db.run(
      'INSERT INTO acquirer_card_tokens (id, merchant_id, pan_sealed, exp_month, exp_year, billing_details, client_ip, created_at_ms, used_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      [id, merchantId, sealPan(deps.vaultKey, card.pan, deps.random), card.expMonth, card.expYear, JSON.stringify(billing), clientIp, nowMs],
    );
    if (card.cvc !== null) this.#cvcCache.put(merchantId, id, card.cvc, nowMs);
    return this.#tokenObject({ id, pan: card.pan, expMonth: card.expMonth, expYear: card.expYear, billing, clientIp, createdAtMs: nowMs, used: false, cvc: card.cvc !== null });
  }

  async retrieveToken(merchantId: string, id: string): Promise<Record<string, unknown>> {
    const row = await findToken(this.#deps.db, merchantId, id);
    // GET /v1/tokens/:id: the path names it (404), though Stripe's `param` calls it `token`.
    if (row === undefined) throw noSuchObject(`No such token: '${id}'`, 'token', 'path');
    const pan = openPan(this.#deps.vaultKey, row.pan_sealed);
    return this.#tokenObject({
      id: row.id, pan, expMonth: Number(row.exp_month), expYear: Number(row.exp_year), billing: JSON.parse(row.billing_details) as BillingDetails,
      clientIp: row.client_ip, createdAtMs: Number(row.created_at_ms), used: row.used_at_ms !== null, cvc: false,
    });
  }

  #tokenObject(t: { id: string; pan: string; expMonth: number; expYear: number; billing: BillingDetails; clientIp: string | null; createdAtMs: number; used: boolean; cvc: boolean }): Record<string, unknown> {
    const info = this.#deps.network.lookupCard(t.pan);
    const brand = info?.brand ?? brandFromNumber(t.pan);
    const a = t.billing.address;
    return withStripeDefaults('token', {
      id: t.id,
      object: 'token',
      card: {
        id: `card_${t.id.slice('tok_'.length)}`,
        object: 'card',
        address_city: a.city,
        address_country: a.country,
        address_line1: a.line1,
        address_line1_check: a.line1 === null ? null : 'unchecked',
        address_line2: a.line2,
        address_state: a.state,
        address_zip: a.postal_code,
        address_zip_check: a.postal_code === null ? null : 'unchecked',
        brand: TOKEN_BRAND_NAMES[brand] ?? 'Unknown',
        country: info?.country ?? null,
        cvc_check: t.cvc ? 'unchecked' : null,
        dynamic_last4: null,
        exp_month: t.expMonth,
        exp_year: t.expYear,
        fingerprint: cardFingerprint(this.#deps.vaultKey, t.pan),
        funding: info?.funding ?? 'unknown',
        last4: t.pan.slice(-4),
        metadata: {},
        name: t.billing.name,
        tokenization_method: null,
        wallet: null,
      },
      client_ip: t.clientIp,
      created: Math.floor(t.createdAtMs / 1000),
      livemode: false,
      type: 'card',
      used: t.used,
    });
  }

  /** A token's card, marking it used (single use, as at Stripe); Stripe's test tokens (`tok_visa`) may be used any number of times. */
  async #redeemToken(merchantId: string, tokenId: string, nowMs: number): Promise<CardDetails> {
    const testPan = testTokenPan(tokenId);
    if (testPan !== undefined) return testCard(testPan, nowMs);
    const deps = this.#deps;
    return deps.db.transaction(async (tx) => {
      const row = await findToken(tx, merchantId, tokenId, true);
      if (row === undefined) throw noSuchObject(`No such token: '${tokenId}'`, 'card[token]');
      if (row.used_at_ms !== null) {
        throw new AcquirerError('parameter_invalid', `You cannot use a Stripe token more than once: ${tokenId}.`, { param: 'card[token]' });
      }
      await tx.run('UPDATE acquirer_card_tokens SET used_at_ms = ? WHERE id = ?', [nowMs, tokenId]);
      return { pan: openPan(deps.vaultKey, row.pan_sealed), expMonth: Number(row.exp_month), expYear: Number(row.exp_year), cvc: this.#cvcCache.take(tokenId, nowMs) };
    });
  }
}

const TOKEN_BRAND_NAMES: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
};

interface TokenRow {
  id: string;
  pan_sealed: string;
  exp_month: number | string;
  exp_year: number | string;
  billing_details: string;
  client_ip: string | null;
  created_at_ms: number | string;
  used_at_ms: number | string | null;
}

function findToken(sql: Sql, merchantId: string, id: string, lock = false): Promise<TokenRow | undefined> {
  return sql.get<TokenRow>(
    `SELECT id, pan_sealed, exp_month, exp_year, billing_details, client_ip, created_at_ms, used_at_ms FROM acquirer_card_tokens WHERE id = ? AND merchant_id = ? ${lock ? sql.forUpdate : ''}`,
    [id, merchantId],
  );
}
