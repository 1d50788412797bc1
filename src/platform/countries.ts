/**
 * Countries as ISO 3166-1 alpha-2 codes: the one list every part of
 * Cardlane checks a country against (a merchant's country, a card
 * control's or risk rule's countries, a cardholder's or an organization's
 * billing address, the tax table), so that a code one part accepts no other
 * part refuses.
 *
 * The list is the 249 officially assigned codes plus XK (Kosovo): ISO has
 * only reserved XK, but the card networks, Stripe and the EU use it, and a
 * cardholder or business in Kosovo has no other code. Any other two letters
 * are refused, so a typo never passes as a country nobody has — `UK` for
 * the United Kingdom (GB) would otherwise invoice a British customer at the
 * 0% of "no such country" instead of GB's VAT.
 */
const CODES =
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
  'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
  'UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW';

/** Every country code Cardlane accepts, upper case. */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(CODES.split(' '));

/**
 * Two-letter codes people type that are not the ISO code of the country
 * they mean: the United Kingdom's everyday abbreviation (UK, ISO's GB) and
 * the EU's code for Greece (EL, used in VAT numbers; ISO's GR). Both are
 * reserved by ISO, so neither can ever become another country's code.
 */
const MISTAKEN: ReadonlyMap<string, string> = new Map([
  ['UK', 'GB'],
  ['EL', 'GR'],
]);

/** True for an ISO 3166-1 alpha-2 code (upper case, as stored); `gb` and `UK` are not. */
export function isCountryCode(code: string): boolean {
  return COUNTRY_CODES.has(code);
}

/** The code someone who typed `code` most likely meant (`UK` → `GB`), or undefined when there is no obvious one. */
export function intendedCountryCode(code: string): string | undefined {
  return MISTAKEN.get(code.trim().toUpperCase());
}

/**
 * Why `given` is not a country code, for an error message: names the code
 * meant when it is a known mix-up (`"UK" is not an ISO 3166-1 alpha-2
 * country code: use GB (United Kingdom).`), else gives an example.
 */
export function countryCodeProblem(given: unknown): string {
  const shown = JSON.stringify(typeof given === 'string' ? given : String(given));
  const meant = typeof given === 'string' ? intendedCountryCode(given) : undefined;
  if (meant !== undefined) return `${shown} is not an ISO 3166-1 alpha-2 country code: use ${meant} (${countryName(meant)}).`;
  return `${shown} is not an ISO 3166-1 alpha-2 country code, such as US, GB, DE or CN.`;
}

let names: Intl.DisplayNames | null | undefined;

/** The English name of a country for people ("China"), or the code when this Node has no ICU data for it. */
export function countryName(code: string): string {
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      names = null;
    }
  }
  return names?.of(code) ?? code;
}
