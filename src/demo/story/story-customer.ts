import { randomUUID } from 'node:crypto';
import type { AmountJson, RevealedCard } from './story-issuer.ts';
import { ApiRefusal, type StoryHttp } from './story-http.ts';

/**
 * The API customer's side of the story: an organization at the API
 * business, using its billing page's API (`/billing/v1`) with its API key —
 * exactly as the billing page in a browser would, including tokenizing the
 * card at the payment provider with the publishable key, so the card number
 * never reaches billing.
 */

const BILLING = '/billing/v1';
const PAYMENTS_PAGE = 100;
// An organization in the story makes a handful of payments; this bounds a runaway loop, not the story.
const PAYMENTS_PAGES_MAX = 20;

export interface PaymentJson {
  readonly id: string;
  readonly kind: 'verification' | 'purchase' | 'auto_recharge' | 'subscription';
  readonly status: 'processing' | 'succeeded' | 'failed';
  readonly amount: AmountJson;
  readonly refunded: AmountJson;
  readonly initiator: 'customer' | 'merchant';
  readonly payment_method: string | null;
  readonly provider_payment: string | null;
  readonly failure: { readonly code: string | null; readonly decline_code: string | null; readonly network_decline_code: string | null; readonly message: string; readonly retry: string | null } | null;
  readonly receipt: { readonly id: string; readonly number: string; readonly amount: AmountJson } | null;
  readonly created_at: string;
}

export interface PaymentMethodJson {
  readonly id: string;
  readonly brand: string;
  readonly last4: string;
  readonly funding: string;
  readonly country: string | null;
  readonly is_default: boolean;
  readonly verification: { readonly payment: string | null; readonly hold: AmountJson | null; readonly released: boolean };
}

export interface AutoRechargeJson {
  readonly enabled: boolean;
  readonly status: string;
  readonly paused_reason: string | null;
  readonly threshold: AmountJson | null;
  readonly target: AmountJson | null;
  readonly recharge_minimum: AmountJson;
  readonly in_flight_payment: string | null;
  readonly last_payment: (PaymentJson & { readonly explanation: string | null }) | null;
  readonly next_attempt_at: string | null;
}

export interface SubscriptionJson {
  readonly id: string;
  readonly plan: { readonly id: string; readonly name: string };
  readonly status: string;
  readonly price: AmountJson;
  readonly current_period_start: string | null;
  readonly current_period_end: string | null;
  readonly next_payment_at: string | null;
  readonly latest_payment: PaymentJson | null;
}

/** A declined payment as billing answers it: 402 card_declined with the payment attached. */
export interface Declined {
  readonly status: number;
  readonly code: string;
  readonly declineCode: string | null;
  readonly message: string;
  readonly payment: PaymentJson;
}

export class BillingPage {
  constructor(
    private readonly http: StoryHttp,
    readonly apiKey: string,
  ) {}

  /**
   * Tokenizes the card at the provider (as Stripe.js would in the browser),
   * then asks billing to add it; billing verifies it with a hold first.
   */
  async addCard(card: RevealedCard, details: { name: string; line1?: string; postalCode?: string; country?: string }): Promise<{ added: PaymentMethodJson } | { declined: Declined }> {
    const settings = await this.http.get<{ provider: { base_url: string; publishable_key: string } }>(`${BILLING}/settings`, { token: this.apiKey });
    const form: Record<string, string> = {
      type: 'card',
      'card[number]': card.number,
      'card[exp_month]': String(card.exp_month),
      'card[exp_year]': String(card.exp_year),
      'card[cvc]': card.cvc,
      'billing_details[name]': details.name,
    };
    if (details.line1) form['billing_details[address][line1]'] = details.line1;
    if (details.postalCode) form['billing_details[address][postal_code]'] = details.postalCode;
    if (details.country) form['billing_details[address][country]'] = details.country;
    const provider = settings.provider.base_url.replace(/\/+$/, '');
    const token = await this.http.post<{ id: string }>(`${provider}/v1/payment_methods`, { token: settings.provider.publishable_key, form });
    return this.#payment(() => this.http.post<PaymentMethodJson>(`${BILLING}/payment_methods`, { token: this.apiKey, json: { payment_method: token.id } }), (added) => ({ added }));
  }

  /** "Add to credit balance" with the card the customer picks: a customer-initiated charge. */
  async buyCredits(amountMinor: number, paymentMethodId: string): Promise<{ paid: PaymentJson } | { declined: Declined }> {
    return this.#payment(
      () =>
        this.http.post<PaymentJson>(`${BILLING}/credit_purchases`, {
          token: this.apiKey,
          json: { amount: amountMinor, payment_method: paymentMethodId },
          idempotencyKey: randomUUID(),
        }),
      (paid) => ({ paid }),
    );
  }

  /** Subscribes to `planId` with the default card: the first period is paid now, customer-initiated. */
  async subscribe(planId: string): Promise<{ subscribed: SubscriptionJson } | { declined: Declined }> {
    return this.#payment(
      () => this.http.post<SubscriptionJson>(`${BILLING}/subscriptions`, { token: this.apiKey, json: { plan: planId }, idempotencyKey: randomUUID() }),
      (subscribed) => ({ subscribed }),
    );
  }

  async plans(): Promise<Array<{ id: string; name: string; amount: AmountJson }>> {
    return (await this.http.get<{ data: Array<{ id: string; name: string; amount: AmountJson }> }>(`${BILLING}/plans`, { token: this.apiKey })).data;
  }

  async subscription(id: string): Promise<SubscriptionJson> {
    return this.http.get(`${BILLING}/subscriptions/${encodeURIComponent(id)}`, { token: this.apiKey });
  }

  async setDefault(paymentMethodId: string): Promise<PaymentMethodJson> {
    return this.http.post(`${BILLING}/payment_methods/${encodeURIComponent(paymentMethodId)}/default`, { token: this.apiKey });
  }

  async turnOnAutoRecharge(thresholdMinor: number, targetMinor: number): Promise<AutoRechargeJson> {
    return this.http.post(`${BILLING}/auto_recharge`, { token: this.apiKey, json: { enabled: true, threshold: thresholdMinor, target: targetMinor } });
  }

  async autoRecharge(): Promise<AutoRechargeJson> {
    return this.http.get(`${BILLING}/auto_recharge`, { token: this.apiKey });
  }

  async balanceMinor(): Promise<number> {
    return (await this.http.get<{ available: AmountJson }>(`${BILLING}/credit_balance`, { token: this.apiKey })).available.amount_minor;
  }

  async payment(id: string): Promise<PaymentJson> {
    return this.http.get(`${BILLING}/payments/${encodeURIComponent(id)}`, { token: this.apiKey });
  }

  /** The whole payment history, newest first. */
  async payments(): Promise<PaymentJson[]> {
    const all: PaymentJson[] = [];
    let before: string | null = null;
    for (let page = 0; page < PAYMENTS_PAGES_MAX; page++) {
      const query: Record<string, string | number> = { limit: PAYMENTS_PAGE, ...(before === null ? {} : { before }) };
      const answer: { data: PaymentJson[]; has_more: boolean } = await this.http.get(`${BILLING}/payments`, { token: this.apiKey, query });
      all.push(...answer.data);
      if (!answer.has_more || answer.data.length === 0) return all;
      before = answer.data.at(-1)!.id;
    }
    throw new Error(`more than ${PAYMENTS_PAGES_MAX * PAYMENTS_PAGE} payments`);
  }

  async #payment<T, R>(call: () => Promise<T>, ok: (value: T) => R): Promise<R | { declined: Declined }> {
    try {
      return ok(await call());
    } catch (error) {
      const payment = error instanceof ApiRefusal ? (error.error.payment as PaymentJson | undefined) : undefined;
      if (!(error instanceof ApiRefusal) || payment === undefined) throw error;
      return {
        declined: { status: error.status, code: error.error.code ?? 'card_declined', declineCode: error.error.decline_code ?? null, message: error.error.message ?? '', payment },
      };
    }
  }
}
