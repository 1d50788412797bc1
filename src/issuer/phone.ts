import {
  isSupportedCountry,
  parsePhoneNumberWithError,
  ParseError,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';

export type { CountryCode };

/**
 * Phone numbers for sign-up and log-in, normalized to E.164 (`+8613800138000`).
 *
 * Policy — a number is accepted only when a one-time code can be sent to it
 * by SMS:
 * - it must be a valid number by libphonenumber's full ("max") metadata,
 *   which knows the number types;
 * - its type must be MOBILE, or FIXED_LINE_OR_MOBILE where a country's plan
 *   does not tell them apart (the US and Canada: every +1 number is that);
 * - fixed lines, toll-free, premium-rate, shared-cost, VoIP, personal,
 *   pager, UAN and voicemail numbers are refused (`reason: 'not_mobile'`);
 * - an extension is refused (SMS cannot reach one; the character rule
 *   below already keeps out `ext.` and `x`);
 * - without a leading `+` (or `00`), the number is read in `defaultCountry`;
 *   with no default country it is refused and the message asks for the
 *   country code;
 * - input is NFKC-normalized first, so full-width digits and `＋` (common
 *   from Chinese input methods) work; only digits, spaces, `+ - . ( )` and
 *   `/` are allowed, so text that merely contains a number is refused.
 *
 * Every refusal has code `phone_invalid` (one code for clients to match)
 * and a `reason` for the message and the tests. Messages never repeat the
 * input, so they are safe to log.
 */

export type PhoneRefusalReason =
  | 'empty'
  | 'malformed'
  | 'country_unknown'
  | 'too_short'
  | 'too_long'
  | 'invalid'
  | 'not_mobile';

export type NormalizePhoneResult =
  | { readonly ok: true; readonly e164: string; readonly country: CountryCode | undefined }
  | { readonly ok: false; readonly code: 'phone_invalid'; readonly reason: PhoneRefusalReason; readonly message: string };

export const PHONE_INPUT_MAX_LENGTH = 40;
const ALLOWED = /^[0-9+\-.()/ ]+$/;
const SMS_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

export function normalizePhone(input: string, defaultCountry?: CountryCode): NormalizePhoneResult {
  if (typeof input !== 'string') return refuse('empty', 'A phone number is required.');
  const text = input.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (text === '') return refuse('empty', 'A phone number is required.');
  if (text.length > PHONE_INPUT_MAX_LENGTH || !ALLOWED.test(text)) {
    return refuse('malformed', 'A phone number may contain only digits, spaces, "+", "-", ".", "/" and parentheses.');
  }
  if (defaultCountry !== undefined && !isSupportedCountry(defaultCountry)) {
    throw new RangeError(`unknown default country ${JSON.stringify(defaultCountry)}`);
  }
  const international = text.startsWith('+') || text.startsWith('00');
  if (!international && defaultCountry === undefined) {
    return refuse('country_unknown', 'Include the country code, e.g. +86 138 0013 8000 or +1 201 555 0123.');
  }
  const candidate = text.startsWith('00') ? `+${text.slice(2)}` : text;
  let number: PhoneNumber;
  try {
    number = parsePhoneNumberWithError(candidate, { defaultCountry, extract: false });
  } catch (error) {
    if (error instanceof ParseError) return refuseParse(error.message);
    throw error;
  }
  if (number.ext) return refuse('malformed', 'A phone number with an extension cannot receive text messages.');
  if (!number.isValid()) {
    const length = validatePhoneNumberLength(candidate, { defaultCountry });
    if (length === 'TOO_SHORT') return refuse('too_short', 'This phone number is too short.');
    if (length === 'TOO_LONG') return refuse('too_long', 'This phone number is too long.');
    return refuse('invalid', `This is not a valid phone number${number.country ? ` in ${number.country}` : ''}.`);
  }
  const type = number.getType();
  if (type === undefined || !SMS_TYPES.has(type)) {
    return refuse('not_mobile', 'This is not a mobile number; use a number that can receive text messages.');
  }
  return { ok: true, e164: number.number, country: number.country };
}

/**
 * A phone number for logs and screens: the country code, at most the first
 * three and always the last four digits of the national number, and at
 * least four `*` in between: `+8613800138000` → `+86 138****8000`,
 * `+12015550123` → `+1 20****0123`. Anything that does not parse as E.164
 * is masked entirely.
 */
export function maskPhone(e164: string): string {
  if (typeof e164 !== 'string' || !/^\+\d{6,15}$/.test(e164)) return '***';
  let number: PhoneNumber;
  try {
    number = parsePhoneNumberWithError(e164, { extract: false });
  } catch {
    return '***';
  }
  const national = number.nationalNumber;
  const shownTail = Math.min(4, Math.max(0, national.length - 4));
  const shownHead = Math.max(0, Math.min(3, national.length - shownTail - 4));
  const masked = national.length - shownHead - shownTail;
  return `+${number.countryCallingCode} ${national.slice(0, shownHead)}${'*'.repeat(masked)}${shownTail > 0 ? national.slice(-shownTail) : ''}`;
}

function refuseParse(message: string): NormalizePhoneResult {
  switch (message) {
    case 'INVALID_COUNTRY':
      return refuse('country_unknown', 'The country code of this phone number is not known.');
    case 'TOO_SHORT':
      return refuse('too_short', 'This phone number is too short.');
    case 'TOO_LONG':
      return refuse('too_long', 'This phone number is too long.');
    default:
      return refuse('malformed', 'This is not a phone number.');
  }
}

function refuse(reason: PhoneRefusalReason, message: string): NormalizePhoneResult {
  return { ok: false, code: 'phone_invalid', reason, message };
}
