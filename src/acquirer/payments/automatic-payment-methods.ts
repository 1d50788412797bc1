import { AcquirerError } from '../errors.ts';
import type { Params } from '../stripe/params.ts';

/**
 * Stripe's `automatic_payment_methods` on payment and setup intents: "accept
 * the payment methods enabled in the Dashboard". Cardlane's only payment
 * method is the card, so the intent's `payment_method_types` stays
 * `["card"]` either way; what the object changes is the confirm's
 * `return_url` rule below.
 *
 * Sent only at creation (Stripe's update and confirm take no such
 * parameter), stored with the intent, and shown as sent in every answer and
 * event; `null` when none was sent.
 *
 * Where Cardlane departs from Stripe, on purpose: since API version
 * 2023-08-16 (changelog "Enables automatic payment methods by default for
 * PaymentIntents and SetupIntents", docs.stripe.com/changelog/2023-08-16/
 * automatic-payment-methods) an intent created with neither this nor
 * `payment_method_types` gets it enabled by default, and then needs a
 * `return_url` at every confirm. Cardlane keeps the earlier default for such
 * an intent — cards, `automatic_payment_methods: null`, no `return_url`
 * needed — so integrations written against it keep working; only an intent
 * that asks for automatic payment methods gets their rules.
 */
export interface AutomaticPaymentMethods {
  readonly enabled: boolean;
  /** `always` when enabled without a choice (Stripe's default); as sent (or null) when not enabled. */
  readonly allowRedirects: 'always' | 'never' | null;
}

/**
 * The `automatic_payment_methods` of a create, or null. `enabled` is required
 * when the hash is sent, and an enabled one cannot go with
 * `payment_method_types` (the types of the request, read by the caller).
 */
export function parseAutomaticPaymentMethods(p: Params, paymentMethodTypes: readonly string[] | undefined): AutomaticPaymentMethods | null {
  const hash = p.object('automatic_payment_methods');
  if (hash === undefined) return null;
  const enabled = hash.boolean('enabled', { required: true })!;
  const allowRedirects = hash.enumOf('allow_redirects', ['always', 'never'] as const) ?? null;
  // Stripe documents no message for this conflict; worded as Cardlane's other "only one of" refusals (and Stripe's).
  if (enabled && paymentMethodTypes !== undefined) {
    throw new AcquirerError('parameter_invalid', 'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', { param: 'payment_method_types' });
  }
  return { enabled, allowRedirects: enabled ? (allowRedirects ?? 'always') : allowRedirects };
}

/** The Stripe object: `{ enabled, allow_redirects }` (allow_redirects left out of a disabled one sent without it), or null. */
export function automaticPaymentMethodsObject(value: AutomaticPaymentMethods | null): Record<string, unknown> | null {
  if (value === null) return null;
  return value.allowRedirects === null ? { enabled: value.enabled } : { enabled: value.enabled, allow_redirects: value.allowRedirects };
}

/**
 * Stripe's rule for confirming an intent with automatic payment methods that
 * allow redirects: a `return_url` is required (the one of this confirm, or
 * one the intent kept from before), since some of those methods send the
 * customer away — checked before anything is vaulted or sent, so a refusal
 * changes nothing. A payment intent confirmed `off_session` is exempt (no
 * customer to send anywhere); a setup intent is not (Stripe's changelog).
 *
 * `allow_redirects: never` lifts the rule by leaving out redirect-based
 * payment methods (bank redirects, wallets' apps…). A card is not one of
 * those, even when its issuer asks for 3-D Secure: the challenge still
 * comes as `requires_action` (Stripe.js shows it in the page), so it is not
 * turned off here.
 */
export function requireReturnUrl(intent: 'Payment Intent' | 'Setup Intent', value: AutomaticPaymentMethods | null, returnUrl: string | null | undefined): void {
  if (value === null || !value.enabled || value.allowRedirects === 'never' || (returnUrl !== undefined && returnUrl !== null)) return;
  // Stripe's message, word for word; Stripe gives no code of its own for it.
  throw new AcquirerError(
    'parameter_missing',
    `A \`return_url\` must be specified because this ${intent} is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set \`automatic_payment_methods[enabled]\` to \`true\` and \`automatic_payment_methods[allow_redirects]\` to \`never\` when creating Setup Intents and Payment Intents.`,
    { param: 'return_url' },
  );
}

/** The columns `automatic_payment_methods_enabled` (1, 0 or NULL for none sent) and `automatic_payment_methods_allow_redirects`. */
export function automaticPaymentMethodsColumns(value: AutomaticPaymentMethods | null): [number | null, string | null] {
  return value === null ? [null, null] : [value.enabled ? 1 : 0, value.allowRedirects];
}

export function automaticPaymentMethodsFromColumns(enabled: number | string | boolean | null | undefined, allowRedirects: string | null | undefined): AutomaticPaymentMethods | null {
  if (enabled === null || enabled === undefined) return null;
  return { enabled: Number(enabled) === 1, allowRedirects: allowRedirects === 'always' || allowRedirects === 'never' ? allowRedirects : null };
}
