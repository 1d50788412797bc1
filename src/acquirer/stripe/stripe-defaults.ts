/**
 * The fields Stripe's objects carry that Cardlane has no value of its own
 * for — Connect, invoicing, wallets, shipping, reviews — at the values
 * Stripe itself shows for an account that does not use them (null, `{}`,
 * "unavailable"), checked against Stripe's fixtures
 * (test/acquirer/stripe-fixture-parity.test.ts). Each object builder passes
 * its object through `withStripeDefaults`: what the builder set wins (its
 * real values), these fill only what it left out, nested objects included.
 * So an integrator's code that reads `charge.transfer_data` or
 * `payment_intent.payment_method_options.card` finds what it would at
 * Stripe, never `undefined`.
 */

const CARD_OPTIONS = { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' };
const CONNECT = { application: null, on_behalf_of: null, transfer_data: null, transfer_group: null };

export const STRIPE_DEFAULTS = {
  customer: {},
  setup_intent: {
    application: null,
    attach_to_self: false,
    excluded_payment_method_types: null,
    flow_directions: null,
    mandate: null,
    on_behalf_of: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    single_use_mandate: null,
  },
  payment_intent: {
    ...CONNECT,
    amount_details: { tip: {} },
    application_fee_amount: null,
    customer_account: null,
    excluded_payment_method_types: null,
    managed_payments: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: CARD_OPTIONS },
    processing: null,
    receipt_email: null,
    review: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
  },
  charge: {
    ...CONNECT,
    application_fee: null,
    application_fee_amount: null,
    billing_details: { tax_id: null },
    calculated_statement_descriptor: null,
    description: null,
    failure_balance_transaction: null,
    fraud_details: {},
    payment_method_details: {
      card: {
        amount_authorized: null,
        extended_authorization: { status: 'disabled' },
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        mandate: null,
        multicapture: { status: 'unavailable' },
        network_token: { used: false },
        regulated_status: null,
        three_d_secure: null,
        transaction_link_id: null,
        wallet: null,
      },
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
  },
  refund: {
    customer: null,
    customer_account: null,
    destination_details: { card: { reference: null, reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
    payment_method: null,
    receipt_number: null,
    source_transfer_reversal: null,
    transfer_reversal: null,
  },
  payment_method: { allow_redisplay: 'unspecified', billing_details: { tax_id: null }, customer_account: null },
  token: { card: { networks: { preferred: null }, regulated_status: null } },
} as const satisfies Record<string, Record<string, unknown>>;

export type StripeDefaultsType = keyof typeof STRIPE_DEFAULTS;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Adds what `defaults` has and `object` lacks, descending into objects both have; never overwrites a value the builder set (null included). */
export function fillMissing<T extends Record<string, unknown>>(object: T, defaults: Readonly<Record<string, unknown>>): T {
  const out: Record<string, unknown> = { ...object };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in out)) out[key] = isPlainObject(value) ? fillMissing({}, value) : value;
    else if (isPlainObject(out[key]) && isPlainObject(value)) out[key] = fillMissing(out[key] as Record<string, unknown>, value);
  }
  return out as T;
}

export function withStripeDefaults<T extends Record<string, unknown>>(type: StripeDefaultsType, object: T): T {
  return fillMissing(object, STRIPE_DEFAULTS[type]);
}
