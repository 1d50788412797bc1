import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { AcquirerError } from '../errors.ts';
import { CARD_VERIFICATION_AMOUNT_MAX_MINOR, forgetAuthenticatedKeys, setCardVerificationAmount, setVerificationHoldRelease, type Merchant } from './merchants.ts';
import { formatVerificationHoldRelease, parseVerificationHoldRelease, VERIFICATION_HOLD_MAX_HOURS, type VerificationHoldRelease } from './verification-hold-release.ts';

/**
 * `/v1/account_settings`: a Cardlane extension in Stripe's style for the
 * merchant account's processing settings (at Stripe and at real acquirers
 * these live in the dashboard or the acquirer's merchant set-up; here the
 * merchant reads and changes them with its secret key, from the API or
 * `cardlane acquirer settings`). No existing Stripe call changes because of
 * them: a setup intent is created and confirmed exactly as before.
 *
 * `card_verification_amount`: what a card verification (setup intent,
 * payment method attach) authorizes and releases at once, in minor units of
 * `default_currency`; 0 is a zero-amount verification.
 *
 * `verification_hold_release`: when that hold is released — `immediately`
 * (the default), `after_hours:N` (1 to 168) or `never` (it lapses with the
 * authorization at the issuer). Holds already on cards keep their time.
 */

export interface AccountSettingsObject {
  readonly object: 'account_settings';
  readonly account: string;
  readonly default_currency: string;
  readonly card_verification_amount: number;
  readonly verification_hold_release: string;
  readonly livemode: false;
}

export function accountSettingsObject(merchant: Merchant): AccountSettingsObject {
  return {
    object: 'account_settings',
    account: merchant.id,
    default_currency: merchant.defaultCurrency,
    card_verification_amount: merchant.cardVerificationAmountMinor,
    verification_hold_release: formatVerificationHoldRelease(merchant.verificationHoldRelease),
    livemode: false,
  };
}

export function accountSettingsEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  return [
    {
      method: 'GET',
      url: '/account_settings',
      summary: "Retrieve the merchant account's settings (Cardlane extension)",
      parse: () => ({}),
      run: async (_input, call) => accountSettingsObject(call.merchant),
    },
    {
      method: 'POST',
      url: '/account_settings',
      summary: "Update the merchant account's settings, e.g. card_verification_amount, verification_hold_release (Cardlane extension)",
      parse: (p) => ({
        cardVerificationAmount: p.integer('card_verification_amount', { min: 0, max: CARD_VERIFICATION_AMOUNT_MAX_MINOR }),
        holdRelease: holdReleaseParam(p.string('verification_hold_release', { maxChars: 20 })),
      }),
      run: async ({ cardVerificationAmount, holdRelease }, call) => {
        // Both in one transaction: a request that sets two settings sets both or neither.
        const merchant = await deps.db.transaction(async (tx) => {
          let updated = call.merchant;
          if (cardVerificationAmount !== undefined) updated = await setCardVerificationAmount(tx, updated.id, cardVerificationAmount);
          if (holdRelease !== undefined) updated = await setVerificationHoldRelease(tx, updated.id, holdRelease);
          return updated;
        });
        // Again once committed: a request authenticated while the change was being written cached the old settings.
        forgetAuthenticatedKeys();
        return accountSettingsObject(merchant);
      },
    },
  ];
}

function holdReleaseParam(text: string | undefined): VerificationHoldRelease | undefined {
  if (text === undefined) return undefined;
  const release = parseVerificationHoldRelease(text);
  if (release === null) {
    throw new AcquirerError(
      'parameter_invalid',
      `Invalid verification_hold_release: must be immediately, after_hours:N (N from 1 to ${VERIFICATION_HOLD_MAX_HOURS}) or never, not ${JSON.stringify(text)}.`,
      { param: 'verification_hold_release' },
    );
  }
  return release;
}
