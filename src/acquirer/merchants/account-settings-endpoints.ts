import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { CARD_VERIFICATION_AMOUNT_MAX_MINOR, setCardVerificationAmount, type Merchant } from './merchants.ts';

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
 */

export interface AccountSettingsObject {
  readonly object: 'account_settings';
  readonly account: string;
  readonly default_currency: string;
  readonly card_verification_amount: number;
  readonly livemode: false;
}

export function accountSettingsObject(merchant: Merchant): AccountSettingsObject {
  return {
    object: 'account_settings',
    account: merchant.id,
    default_currency: merchant.defaultCurrency,
    card_verification_amount: merchant.cardVerificationAmountMinor,
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
      summary: "Update the merchant account's settings, e.g. card_verification_amount (Cardlane extension)",
      parse: (p) => ({ cardVerificationAmount: p.integer('card_verification_amount', { min: 0, max: CARD_VERIFICATION_AMOUNT_MAX_MINOR }) }),
      run: async ({ cardVerificationAmount }, call) => {
        if (cardVerificationAmount === undefined) return accountSettingsObject(call.merchant);
        return accountSettingsObject(await deps.db.transaction((tx) => setCardVerificationAmount(tx, call.merchant.id, cardVerificationAmount)));
      },
    },
  ];
}
