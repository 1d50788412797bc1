import type { CardBrand, CardFunding } from './messages.ts';
import { isValidPan } from './pan-format.ts';
import { TEST_BANK_DISPLAY_NAME, TEST_BANK_NAME, TEST_CARDS } from './test-issuers/test-cards.ts';

/**
 * The network's BIN table: which issuer a card number belongs to, and the
 * brand, issuing country and funding the acquirer reports on a payment
 * method. A number matches the longest prefix (6–8 digits) that starts it; a
 * scripted test card may instead be listed by its full number, which then
 * matches that number only and wins over any prefix.
 */

export interface BinEntry {
  /** 6–8 digits, or the full (Luhn-valid) number of one scripted test card. */
  readonly prefix: string;
  readonly brand: CardBrand;
  /** ISO 3166-1 alpha-2 of the issuing country. */
  readonly country: string;
  readonly funding: CardFunding;
  /** The `name` of the IssuerEndpoint that authorizes these cards. */
  readonly issuer: string;
  /** The issuing bank as shown to people. */
  readonly issuerName: string;
}

/** What the network knows about a card number from its BIN. */
export type BinInfo = BinEntry;

/** Cardlane's own BIN when none is configured (as in the issuer's default card program). */
export const CARDLANE_DEFAULT_BIN = '45300000';
export const CARDLANE_ISSUER_NAME = 'cardlane';

const PREFIX_PATTERN = /^\d{6,8}$/;
const COUNTRY_PATTERN = /^[A-Z]{2}$/;
const ISSUER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const BRANDS: ReadonlySet<string> = new Set<CardBrand>(['visa', 'mastercard', 'amex', 'discover', 'diners', 'jcb', 'unionpay', 'unknown']);
const FUNDINGS: ReadonlySet<string> = new Set<CardFunding>(['credit', 'debit', 'prepaid', 'unknown']);

export class BinTable {
  readonly entries: readonly BinEntry[];
  readonly #byPrefix = new Map<string, BinEntry>();
  readonly #byFullNumber = new Map<string, BinEntry>();
  /** Prefix lengths present, longest first, so a lookup tries at most three keys. */
  readonly #prefixLengths: number[];

  /** Throws a RangeError for a malformed or duplicated entry (a configuration mistake). */
  constructor(entries: readonly BinEntry[]) {
    for (const entry of entries) {
      checkEntry(entry);
      const fullNumber = !PREFIX_PATTERN.test(entry.prefix);
      const map = fullNumber ? this.#byFullNumber : this.#byPrefix;
      if (map.has(entry.prefix)) throw new RangeError(`BIN table: ${entry.prefix} is listed twice`);
      map.set(entry.prefix, Object.freeze({ ...entry }));
    }
    this.entries = Object.freeze([...this.#byPrefix.values(), ...this.#byFullNumber.values()]);
    this.#prefixLengths = [...new Set([...this.#byPrefix.keys()].map((prefix) => prefix.length))].sort((a, b) => b - a);
  }

  /** The entry for `pan` (the exact number first, then the longest prefix), or null when no issuer has it. */
  lookupBin(pan: string): BinInfo | null {
    const exact = this.#byFullNumber.get(pan);
    if (exact) return exact;
    for (const length of this.#prefixLengths) {
      if (length > pan.length) continue;
      const entry = this.#byPrefix.get(pan.slice(0, length));
      if (entry) return entry;
    }
    return null;
  }
}

function checkEntry(entry: BinEntry): void {
  const where = `BIN table entry ${JSON.stringify(entry.prefix)}`;
  if (typeof entry.prefix !== 'string' || !(PREFIX_PATTERN.test(entry.prefix) || isValidPan(entry.prefix))) {
    throw new RangeError(`${where}: prefix must be 6–8 digits or a full Luhn-valid card number`);
  }
  if (!BRANDS.has(entry.brand)) throw new RangeError(`${where}: unknown brand ${JSON.stringify(entry.brand)}`);
  if (!FUNDINGS.has(entry.funding)) throw new RangeError(`${where}: unknown funding ${JSON.stringify(entry.funding)}`);
  if (!COUNTRY_PATTERN.test(entry.country)) throw new RangeError(`${where}: country must be ISO 3166-1 alpha-2 in upper case`);
  if (!ISSUER_NAME_PATTERN.test(entry.issuer)) throw new RangeError(`${where}: issuer must be an endpoint name (a-z, 0-9, -)`);
  if (typeof entry.issuerName !== 'string' || entry.issuerName.trim() === '' || entry.issuerName.length > 100) {
    throw new RangeError(`${where}: issuerName must be 1–100 characters`);
  }
}

/**
 * Cardlane's BIN (Visa, US, prepaid: Cardlane issues prepaid virtual cards in
 * the United States) routed to the `cardlane` issuer, and every scripted test
 * card routed to the test bank by its full number.
 */
export function defaultBinTable(cardlaneBin: string = CARDLANE_DEFAULT_BIN): BinTable {
  if (!PREFIX_PATTERN.test(cardlaneBin)) throw new RangeError(`Cardlane's BIN must be 6–8 digits, got ${JSON.stringify(cardlaneBin)}`);
  return new BinTable([
    { prefix: cardlaneBin, brand: 'visa', country: 'US', funding: 'prepaid', issuer: CARDLANE_ISSUER_NAME, issuerName: 'Cardlane' },
    ...TEST_CARDS.map((card) => ({
      prefix: card.pan,
      brand: card.brand,
      country: card.country,
      funding: card.funding,
      issuer: TEST_BANK_NAME,
      issuerName: TEST_BANK_DISPLAY_NAME,
    })),
  ]);
}
