/**
 * When a merchant's card-verification hold is released — a merchant account
 * setting, `verification_hold_release`, as acquirers configure per account:
 *
 *  - `immediately` (the default): reversed as soon as the issuer approved it;
 *  - `after_hours:N`: kept for N hours, then reversed by the acquirer's
 *    background task (`acquirer.release-verification-holds`) — what many
 *    API businesses do, and why the seed tells people to keep the $5 hold on
 *    the card on top of the $10 recharge;
 *  - `never`: never reversed by the merchant; the issuer lets it lapse when
 *    the authorization expires.
 *
 * Stored as the API spells it, so the text is the one stable form.
 */

export type VerificationHoldRelease =
  | { readonly kind: 'immediately' }
  | { readonly kind: 'after_hours'; readonly hours: number }
  | { readonly kind: 'never' };

/** A week: an authorization lapses at the issuer by then anyway; longer is a typo, not a policy. */
export const VERIFICATION_HOLD_MAX_HOURS = 168;

const HOUR_MS = 60 * 60 * 1000;

export const RELEASE_IMMEDIATELY: VerificationHoldRelease = { kind: 'immediately' };

/** The setting from its text, or null when the text is not one (callers turn that into a 400 with the parameter). */
export function parseVerificationHoldRelease(text: string): VerificationHoldRelease | null {
  if (text === 'immediately') return RELEASE_IMMEDIATELY;
  if (text === 'never') return { kind: 'never' };
  const match = /^after_hours:([1-9]\d{0,2})$/.exec(text);
  if (match === null) return null;
  const hours = Number(match[1]);
  return hours <= VERIFICATION_HOLD_MAX_HOURS ? { kind: 'after_hours', hours } : null;
}

export function formatVerificationHoldRelease(release: VerificationHoldRelease): string {
  return release.kind === 'after_hours' ? `after_hours:${release.hours}` : release.kind;
}

/**
 * When a hold approved at `approvedAtMs` is due to be released: now for
 * `immediately` (the sweep's grace is added by the sweep), N hours later for
 * `after_hours`, never (null).
 */
export function holdReleaseAtMs(release: VerificationHoldRelease, approvedAtMs: number): number | null {
  switch (release.kind) {
    case 'immediately':
      return approvedAtMs;
    case 'after_hours':
      return approvedAtMs + release.hours * HOUR_MS;
    case 'never':
      return null;
  }
}
