import { countryCodeProblem, isCountryCode } from '../platform/countries.ts';

/**
 * The program's billing address (the one printed with every card and
 * checked by AVS), its validation, and the AVS comparison the issuer makes
 * when an authorization carries a billing address.
 *
 * Field names are Stripe's (`line1`, `postal_code`, …). Validation trims
 * and collapses whitespace, upper-cases the country, and for the United
 * States and Canada checks the state/province code and the postal code's
 * shape (US: `12345` or ZIP+4 `12345-6789`; CA: `K1A 0B1`), storing them in
 * canonical form. Elsewhere the postal code is 2–10 letters, digits, spaces
 * or dashes.
 *
 * AVS answers in Stripe's vocabulary for `checks.address_line1_check` and
 * `checks.address_postal_code_check`:
 * - `null` when the authorization did not carry that field (Stripe: "if
 *   provided"); `unchecked` is for the acquirer, when it did not ask;
 * - `unavailable` when the card has no address on file;
 * - `pass` / `fail` after normalization: case, Unicode compatibility forms
 *   (NFKC), punctuation and whitespace do not matter, common street words
 *   and their abbreviations are the same (`Street` = `St`, `Suite` = `Ste`,
 *   `North` = `N`, …), and a submitted line 1 that also contains line 2
 *   (`123 Main St Apt 4`) passes. US ZIP codes compare on the five digits;
 *   when both sides carry the +4, it must match too. Other postal codes
 *   compare on their letters and digits.
 */

export interface BillingAddress {
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly state: string;
  readonly postal_code: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
}

export type BillingAddressField = keyof BillingAddress;

export type ValidateBillingAddressResult =
  | { readonly ok: true; readonly address: BillingAddress }
  | { readonly ok: false; readonly code: 'billing_address_invalid'; readonly param: BillingAddressField | 'address'; readonly message: string };

export type AvsOutcome = 'pass' | 'fail' | 'unavailable';

export interface AvsResult {
  readonly address_line1: AvsOutcome | null;
  readonly postal_code: AvsOutcome | null;
}

export interface AvsSubmission {
  readonly line1?: string | null;
  readonly postal_code?: string | null;
}

export const ADDRESS_LINE_MAX_LENGTH = 200;
export const ADDRESS_CITY_MAX_LENGTH = 100;
export const ADDRESS_STATE_MAX_LENGTH = 100;

// USPS codes: states, DC, territories, and the military "states".
const US_STATES = new Set(
  (
    'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA ' +
    'RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM AA AE AP'
  ).split(' '),
);
const CA_PROVINCES = new Set('AB BC MB NB NL NS NT NU ON PE QC SK YT'.split(' '));

export function validateBillingAddress(input: unknown): ValidateBillingAddressResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return refuse('address', 'A billing address is an object with line1, city, state, postal_code and country.');
  }
  const raw = input as Record<string, unknown>;
  const country = typeof raw.country === 'string' ? raw.country.trim().toUpperCase() : '';
  if (!isCountryCode(country)) return refuse('country', `Invalid country: ${countryCodeProblem(raw.country ?? '')}`);

  const line1 = text(raw.line1, 'line1', ADDRESS_LINE_MAX_LENGTH, true);
  if (!line1.ok) return line1.refusal;
  const line2 = text(raw.line2, 'line2', ADDRESS_LINE_MAX_LENGTH, false);
  if (!line2.ok) return line2.refusal;
  const city = text(raw.city, 'city', ADDRESS_CITY_MAX_LENGTH, true);
  if (!city.ok) return city.refusal;
  const state = text(raw.state, 'state', ADDRESS_STATE_MAX_LENGTH, true);
  if (!state.ok) return state.refusal;
  const postal = text(raw.postal_code, 'postal_code', 10, true);
  if (!postal.ok) return postal.refusal;
  for (const field of Object.keys(raw)) {
    if (!['line1', 'line2', 'city', 'state', 'postal_code', 'country'].includes(field)) {
      return refuse('address', `Unknown billing address field ${field}.`);
    }
  }

  let stateCode = state.value;
  let postalCode = postal.value.toUpperCase();
  if (country === 'US' || country === 'CA') {
    stateCode = stateCode.toUpperCase();
    const known = country === 'US' ? US_STATES : CA_PROVINCES;
    if (!known.has(stateCode)) {
      return refuse('state', `state must be a two-letter ${country === 'US' ? 'US state' : 'Canadian province'} code, such as ${country === 'US' ? 'CA' : 'ON'}.`);
    }
  }
  if (country === 'US') {
    const zip = usZip(postalCode);
    if (zip === null) return refuse('postal_code', 'A US postal code is a 5-digit ZIP code or ZIP+4, such as 94107 or 94107-1234.');
    postalCode = zip.plus4 === undefined ? zip.zip5 : `${zip.zip5}-${zip.plus4}`;
  } else if (country === 'CA') {
    const compact = postalCode.replace(/[\s-]/g, '');
    if (!/^[A-Z]\d[A-Z]\d[A-Z]\d$/.test(compact)) return refuse('postal_code', 'A Canadian postal code looks like K1A 0B1.');
    postalCode = `${compact.slice(0, 3)} ${compact.slice(3)}`;
  } else if (!/^[A-Z0-9][A-Z0-9 -]{0,8}[A-Z0-9]$/.test(postalCode)) {
    return refuse('postal_code', 'postal_code must be 2–10 letters, digits, spaces or dashes.');
  }

  return {
    ok: true,
    address: {
      line1: line1.value,
      ...(line2.value === '' ? {} : { line2: line2.value }),
      city: city.value,
      state: stateCode,
      postal_code: postalCode,
      country,
    },
  };
}

/** AVS: the card's address on file against what the authorization carried. */
export function avsCheck(cardAddress: BillingAddress | null | undefined, submitted: AvsSubmission): AvsResult {
  const line1 = present(submitted.line1);
  const postal = present(submitted.postal_code);
  if (!cardAddress) {
    return { address_line1: line1 === null ? null : 'unavailable', postal_code: postal === null ? null : 'unavailable' };
  }
  return {
    address_line1: line1 === null ? null : line1Matches(cardAddress, line1) ? 'pass' : 'fail',
    postal_code: postal === null ? null : postalMatches(cardAddress, postal) ? 'pass' : 'fail',
  };
}

/** The comparison form of an address line: lower case, no punctuation, single spaces, street words abbreviated. */
export function normalizeAddressLine(line: string): string {
  return line
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '')
    .map((word) => STREET_WORDS.get(word) ?? word)
    .join(' ');
}

const STREET_WORDS: ReadonlyMap<string, string> = new Map([
  ['street', 'st'],
  ['avenue', 'ave'],
  ['av', 'ave'],
  ['road', 'rd'],
  ['boulevard', 'blvd'],
  ['drive', 'dr'],
  ['lane', 'ln'],
  ['court', 'ct'],
  ['place', 'pl'],
  ['square', 'sq'],
  ['terrace', 'ter'],
  ['highway', 'hwy'],
  ['parkway', 'pkwy'],
  ['circle', 'cir'],
  ['suite', 'ste'],
  ['apartment', 'apt'],
  ['building', 'bldg'],
  ['floor', 'fl'],
  ['room', 'rm'],
  ['north', 'n'],
  ['south', 's'],
  ['east', 'e'],
  ['west', 'w'],
  ['northeast', 'ne'],
  ['northwest', 'nw'],
  ['southeast', 'se'],
  ['southwest', 'sw'],
]);

function line1Matches(card: BillingAddress, submitted: string): boolean {
  const candidate = normalizeAddressLine(submitted);
  if (candidate === '') return false;
  if (candidate === normalizeAddressLine(card.line1)) return true;
  return card.line2 !== undefined && candidate === normalizeAddressLine(`${card.line1} ${card.line2}`);
}

function postalMatches(card: BillingAddress, submitted: string): boolean {
  if (card.country === 'US') {
    const onFile = usZip(card.postal_code);
    const given = usZip(submitted);
    if (onFile === null || given === null || onFile.zip5 !== given.zip5) return false;
    return onFile.plus4 === undefined || given.plus4 === undefined || onFile.plus4 === given.plus4;
  }
  const compact = (value: string) => value.normalize('NFKC').toUpperCase().replace(/[^A-Z0-9]/g, '');
  const given = compact(submitted);
  return given !== '' && given === compact(card.postal_code);
}

function usZip(value: string): { zip5: string; plus4?: string } | null {
  const match = /^(\d{5})(?:[\s-]?(\d{4}))?$/.exec(value.normalize('NFKC').trim());
  if (!match) return null;
  return match[2] === undefined ? { zip5: match[1]! } : { zip5: match[1]!, plus4: match[2] };
}

function present(value: string | null | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

type TextResult = { ok: true; value: string } | { ok: false; refusal: ValidateBillingAddressResult };

function text(value: unknown, field: BillingAddressField, maxLength: number, required: boolean): TextResult {
  if (value === undefined || value === null || value === '') {
    return required ? { ok: false, refusal: refuse(field, `${field} is required.`) } : { ok: true, value: '' };
  }
  if (typeof value !== 'string') return { ok: false, refusal: refuse(field, `${field} must be a string.`) };
  if (/[\u0000-\u001f\u007f]/.test(value.replace(/[\t\n\r]/g, ' '))) {
    return { ok: false, refusal: refuse(field, `${field} must not contain control characters.`) };
  }
  const cleaned = value.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (cleaned === '') {
    return required ? { ok: false, refusal: refuse(field, `${field} is required.`) } : { ok: true, value: '' };
  }
  if (cleaned.length > maxLength) return { ok: false, refusal: refuse(field, `${field} must be at most ${maxLength} characters.`) };
  if (!/[\p{L}\p{N}]/u.test(cleaned)) return { ok: false, refusal: refuse(field, `${field} must contain a letter or a digit.`) };
  return { ok: true, value: cleaned };
}

function refuse(param: BillingAddressField | 'address', message: string): ValidateBillingAddressResult {
  return { ok: false, code: 'billing_address_invalid', param, message };
}
