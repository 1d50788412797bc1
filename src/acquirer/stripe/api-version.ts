import { AcquirerError } from '../errors.ts';

/**
 * Stripe's API versions (`Stripe-Version`). Cardlane answers in one shape,
 * its current version — the one the official SDK it is tested with pins
 * (stripe-node 23: `2026-10-28.endive`); events carry it as `api_version`.
 *
 * A request may name any version up to the current one, as Stripe's SDKs
 * pinned to an older release do: it is accepted and echoed in the answer's
 * `Stripe-Version` header (the objects keep the current shape). What is not a
 * version — malformed, not a calendar date, or after the current one — is
 * refused with a 400, as Stripe refuses it ("Invalid Stripe API version").
 * Releases from 2024-09-30 on carry a release name (`.acacia`, …, `.endive`).
 */
export const CURRENT_API_VERSION = '2026-10-28.endive';

const FIRST_NAMED_RELEASE = '2024-09-30';
const FIRST_VERSION = '2011-01-01';
const VERSION = /^(\d{4})-(\d{2})-(\d{2})(?:\.([a-z]{3,20}))?$/;

/** The version a request asked for (the current one when it names none); throws a 400 for one that is not a version. */
export function requestedApiVersion(header: string | string[] | undefined): string {
  if (header === undefined) return CURRENT_API_VERSION;
  const value = Array.isArray(header) ? header[0] ?? '' : header;
  const trimmed = value.trim();
  if (!isApiVersion(trimmed)) {
    const shown = trimmed.slice(0, 60).replace(/[^\x20-\x7e]/g, '?');
    throw new AcquirerError('api_version_invalid', `Invalid Stripe API version: ${shown}. Cardlane's current version is ${CURRENT_API_VERSION}.`);
  }
  return trimmed;
}

export function isApiVersion(value: string): boolean {
  const match = VERSION.exec(value);
  if (!match) return false;
  const [, year, month, day, name] = match;
  const date = `${year}-${month}-${day}`;
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) return false;
  const current = CURRENT_API_VERSION.slice(0, 10);
  if (date < FIRST_VERSION || date > current) return false;
  if (date === current) return name === undefined || value === CURRENT_API_VERSION;
  return (name !== undefined) === (date >= FIRST_NAMED_RELEASE);
}
