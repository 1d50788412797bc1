import type { Clock } from '../../platform/clock.ts';
import { countryCodeProblem, isCountryCode } from '../../platform/countries.ts';
import type { Database, Sql } from '../../platform/db/database.ts';
import { BillingError } from '../errors.ts';

/**
 * Who the organization's invoices are made out to: a name, a postal
 * address, a country (which sets the tax) and an optional tax ID (VAT
 * number, EIN, 统一社会信用代码 …). Edited by an owner on the billing page;
 * each invoice keeps a copy as it was when issued.
 */
export interface BillingProfile {
  readonly orgId: string;
  readonly name: string;
  readonly addressLine1: string;
  readonly addressLine2: string | null;
  readonly city: string;
  readonly postalCode: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
  readonly taxId: string | null;
  readonly updatedAtMs: number;
}

export type BillingProfileInput = Omit<BillingProfile, 'orgId' | 'updatedAtMs'>;

// Letters of any script, digits, punctuation and spaces; no control characters (they would break the PDF and the mail).
const TEXT = /^[^\p{Cc}\p{Cs}\p{Co}]+$/u;
const POSTAL_CODE = /^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/;
// Tax IDs: VAT numbers (DE123456789), EINs (12-3456789), China's 18-character credit code, …: letters, digits and separators, with a digit.
const TAX_ID = /^(?=.*\d)[A-Z0-9][A-Z0-9 .\/-]{1,31}$/;

function invalid(param: string, message: string): never {
  throw new BillingError('billing_profile_invalid', message, { param });
}

function text(value: string, param: string, max: number, label: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max || !TEXT.test(trimmed)) invalid(param, `${label} is 1 to ${max} characters of text.`);
  return trimmed;
}

function optional(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}

/** Checks and normalizes a profile (trimmed, country and tax ID upper case); a bad field is a 400 naming it. */
export function validateBillingProfile(input: BillingProfileInput): BillingProfileInput {
  const name = text(input.name, 'name', 200, 'The billing name');
  const addressLine1 = text(input.addressLine1, 'address_line1', 200, 'The address');
  const line2 = optional(input.addressLine2);
  const addressLine2 = line2 === null ? null : text(line2, 'address_line2', 200, 'The second address line');
  const city = text(input.city, 'city', 100, 'The city');
  const postal = optional(input.postalCode);
  if (postal !== null && !POSTAL_CODE.test(postal.trim())) invalid('postal_code', 'The postal code is 2 to 12 letters, digits, spaces or dashes.');
  const country = input.country.trim().toUpperCase();
  // The country sets the tax rate, so a code that is no country (`UK` for GB) must not pass as one with no tax.
  if (!isCountryCode(country)) invalid('country', countryCodeProblem(input.country));
  const tax = optional(input.taxId);
  const taxId = tax === null ? null : tax.trim().toUpperCase();
  if (taxId !== null && !TAX_ID.test(taxId)) invalid('tax_id', 'The tax ID is 2 to 32 letters, digits, spaces, dots, slashes or dashes, with at least one digit.');
  return { name, addressLine1, addressLine2, city, postalCode: postal === null ? null : postal.trim().toUpperCase(), country, taxId };
}

function fromRow(row: any): BillingProfile {
  return {
    orgId: row.org_id,
    name: row.name,
    addressLine1: row.address_line1,
    addressLine2: row.address_line2,
    city: row.city,
    postalCode: row.postal_code,
    country: row.country,
    taxId: row.tax_id,
    updatedAtMs: Number(row.updated_at_ms),
  };
}

export async function readBillingProfile(sql: Sql, orgId: string): Promise<BillingProfile | null> {
  const row = await sql.get('SELECT org_id, name, address_line1, address_line2, city, postal_code, country, tax_id, updated_at_ms FROM billing_profiles WHERE org_id = ?', [orgId]);
  return row === undefined ? null : fromRow(row);
}

export async function saveBillingProfile(db: Database, clock: Clock, orgId: string, input: BillingProfileInput): Promise<BillingProfile> {
  const profile: BillingProfile = { orgId, ...validateBillingProfile(input), updatedAtMs: clock.nowMs() };
  await db.run(
    `INSERT INTO billing_profiles (org_id, name, address_line1, address_line2, city, postal_code, country, tax_id, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (org_id) DO UPDATE SET name = excluded.name, address_line1 = excluded.address_line1, address_line2 = excluded.address_line2, city = excluded.city,
       postal_code = excluded.postal_code, country = excluded.country, tax_id = excluded.tax_id, updated_at_ms = excluded.updated_at_ms`,
    [orgId, profile.name, profile.addressLine1, profile.addressLine2, profile.city, profile.postalCode, profile.country, profile.taxId, profile.updatedAtMs],
  );
  return profile;
}

/** The profile's postal address as lines, for the invoice. */
export function addressLines(profile: Pick<BillingProfile, 'addressLine1' | 'addressLine2' | 'city' | 'postalCode' | 'country'>): string[] {
  return [profile.addressLine1, ...(profile.addressLine2 ? [profile.addressLine2] : []), [profile.postalCode, profile.city].filter(Boolean).join(' '), profile.country];
}
