import type { Cardlane } from '../../app/index.ts';
import type { StoryClock } from './story-clock.ts';
import { BillingPage, type SubscriptionJson } from './story-customer.ts';
import type { DoctorDesk } from './story-doctor.ts';
import type { PlusPaymentFacts, StepFacts, StepId } from './story-facts.ts';
import type { StoryHttp } from './story-http.ts';
import type { CardholderApp, CardJson, RevealedCard, SandboxOperator } from './story-issuer.ts';
import { expect, OffScript } from './story-off-script.ts';
import { FIRST_QUOTE_FEN_PER_CENT, topUp } from './story-top-up.ts';
import { HOLD_RELEASE_TASK, settled } from './story-waits.ts';

/**
 * ChatGPT Plus on the seed's card (its 一键全自动支付 ChatGPT Plus,
 * 每张卡可支付 4 个 ChatGPT 账户): the demo merchant's Plus subscription
 * starts with a customer-initiated payment, which its prepaid rule lets
 * through because the rule exempts `metadata[product]=plus`; four accounts
 * pay with one card, the card issuer's accounts-per-merchant rule refuses a
 * fifth, and a month later the four renew off-session.
 *
 * The other accounts are the cardholder's family's, each a new organization
 * at the API business (like the story's own, made in-process: its sign-up is
 * not part of Cardlane), each adding the card on its own billing page.
 */

export const PLUS_PLAN = 'plus';
export const PLUS_METADATA_KEY = 'product';
export const PLUS_METADATA_VALUE = 'plus';
/** The seed's 每张卡可支付 4 个 ChatGPT 账户: the card's default accounts-per-merchant control. */
const SEED_ACCOUNTS_PER_CARD = 4;
const RENEWAL_TASK = 'billing.renew-subscriptions';
// The renewal and hold-release tasks run every minute: the story's clock skips to a minute past what is due.
const TASK_MARGIN_MS = 60_000;
const HOUR_MS = 60 * 60 * 1000;

/** What the Plus steps need from the story telling them (the consumer's port). */
export interface StoryTeller {
  readonly cardlane: Cardlane;
  readonly clock: StoryClock;
  readonly http: StoryHttp;
  readonly doctor: DoctorDesk;
  begin(step: StepId): void;
  told<Id extends StepId>(step: Id, facts: StepFacts[Id]): StepFacts[Id];
  readerTime(atMs: number): string;
}

export interface PlusContext {
  readonly app: CardholderApp;
  readonly operator: SandboxOperator;
  readonly card: CardJson;
  readonly revealed: RevealedCard;
  /** The story's organization, whose card this already is (default card, auto-recharge on). */
  readonly page: BillingPage;
  readonly orgId: string;
  /** The merchant's card verification hold, which each new account's card adds, and the hours it keeps it. */
  readonly verificationAmount: number;
  readonly verificationHoldHours: number;
  /** The prepaid rule's exemption as `metadata[k]=v`, null when it exempts nothing. */
  readonly plusExemption: string | null;
}

interface PlusAccount {
  readonly orgId: string;
  readonly page: BillingPage;
  readonly subscription: SubscriptionJson;
}

export class PlusOnTheCard {
  /** The cardholder's app: signed in again after the month the renewal waits for. */
  app: CardholderApp;
  readonly #accounts: PlusAccount[] = [];
  /** When the merchant releases the last of the new accounts' verification holds (its setting, from each card's adding). */
  #holdsDueMs = 0;
  /** Every organization's billing page that paid with the card, the story's first: what the reconciliation reads. */
  readonly pages: Array<{ orgId: string; page: BillingPage }> = [];

  constructor(
    private readonly teller: StoryTeller,
    private readonly context: PlusContext,
  ) {
    this.app = context.app;
    this.pages.push({ orgId: context.orgId, page: context.page });
  }

  async tell(): Promise<void> {
    await this.#subscribed();
    await this.#fourAccountsNotFive();
    await this.#renewed();
  }

  /** 19. The card loaded for four accounts' first month (and three more verification holds); the story's organization subscribes. */
  async #subscribed(): Promise<void> {
    const { context, teller } = this;
    teller.begin('plus_subscribed');
    expect(
      context.plusExemption !== null,
      `the merchant's prepaid rule no longer exempts Plus, so its first payment would be refused (add except_when[metadata][${PLUS_METADATA_KEY}]=${PLUS_METADATA_VALUE} to the rule)`,
    );
    const plan = (await context.page.plans()).find((p) => p.id === PLUS_PLAN);
    expect(plan !== undefined, `the merchant offers no ${PLUS_PLAN} plan`);
    const limit = (await this.app.boundMerchants(context.card.id)).max_accounts_per_merchant;
    expect(limit === SEED_ACCOUNTS_PER_CARD, `the card takes ${limit} accounts per merchant, not the seed's ${SEED_ACCOUNTS_PER_CARD}`);

    const price = plan.amount.amount_minor;
    const available = (await this.app.card(context.card.id)).balance.available;
    // Every account that adds the card has it verified with a hold first — the fifth's too, so only the accounts rule can refuse it.
    const needed = Math.max(0, price * limit + context.verificationAmount * limit - available);
    const loaded = await this.#load(needed);

    const subscription = await this.#subscribe(context.page, 'the story’s organization');
    this.#accounts.push({ orgId: context.orgId, page: context.page, subscription });
    teller.told('plus_subscribed', {
      plan: plan.name,
      price,
      ...loaded,
      rule_exempts: context.plusExemption,
      plus: this.#paymentFacts(context.orgId, subscription),
      card_available: (await this.app.card(context.card.id)).balance.available,
    });
  }

  /** 20. Three more accounts add the card and subscribe; a fifth cannot even add it: the issuer declines its verification (57). */
  async #fourAccountsNotFive(): Promise<void> {
    const { context, teller } = this;
    teller.begin('plus_accounts');
    const limit = SEED_ACCOUNTS_PER_CARD;
    const accounts: StepFacts['plus_accounts']['accounts'][number][] = [];
    for (let n = 2; n <= limit; n++) {
      const { orgId, page } = await this.#newAccount(n);
      this.#holdsDueMs = teller.clock.nowMs() + context.verificationHoldHours * HOUR_MS;
      const added = await page.addCard(context.revealed, cardDetails(context.card));
      if ('declined' in added) throw new OffScript(`account ${n} could not add the card: ${added.declined.message} (${added.declined.declineCode ?? added.declined.code})`);
      await page.setDefault(added.added.id);
      const subscription = await this.#subscribe(page, `account ${n}`);
      this.#accounts.push({ orgId, page, subscription });
      accounts.push({ ...this.#paymentFacts(orgId, subscription), payment_method: added.added.id, verification_hold: added.added.verification.hold?.amount_minor ?? 0 });
    }
    const merchantId = teller.cardlane.demoMerchant.merchant_id;
    const bound = (await this.app.boundMerchants(context.card.id)).data.find((m) => m.merchant.id === merchantId);
    expect(bound !== undefined && bound.accounts === limit && bound.full, `the card shows ${bound?.accounts ?? 0} accounts bound at the merchant, not ${limit}`);

    const fifth = await this.#newAccount(limit + 1);
    const refused = await fifth.page.addCard(context.revealed, cardDetails(context.card));
    if (!('declined' in refused)) throw new OffScript(`account ${limit + 1} added the card (${refused.added.id}): the accounts-per-merchant rule did not apply`);
    const { declined } = refused;
    const secretKey = teller.cardlane.demoMerchant.secret_key;
    const doctor = await teller.doctor.explain(declined.payment.id, 'merchant', secretKey);
    const cardholderDoctor = await teller.doctor.explain(declined.payment.id, 'cardholder', this.app.token);
    expect(
      doctor.decided_by === 'issuer' && doctor.iso_code === '57' && cardholderDoctor.reason === 'merchant_account_limit',
      `the fifth account's card was declined by ${doctor.decided_by} with ${doctor.iso_code} (${cardholderDoctor.reason}), not by the issuer's accounts-per-merchant rule`,
    );
    const card = (await this.app.card(context.card.id)).balance;
    teller.told('plus_accounts', {
      max_accounts_per_merchant: limit,
      accounts,
      bound: { merchant: bound.merchant.name, accounts: bound.accounts, full: bound.full },
      fifth: {
        organization: fifth.orgId,
        payment: declined.payment.id,
        http_status: declined.status,
        code: declined.code,
        decline_code: declined.declineCode,
        network_decline_code: declined.payment.failure?.network_decline_code ?? null,
        doctor,
        cardholder_doctor: cardholderDoctor,
      },
      card_available: card.available,
      card_held: card.held,
    });
  }

  /** 21. Hours later the new accounts' holds are released; the cardholder loads next month's Plus; a month later the renewal job charges all four, merchant-initiated. */
  async #renewed(): Promise<void> {
    const { context, teller } = this;
    const { cardlane, clock } = teller;
    teller.begin('plus_renewed');
    const heldBefore = (await this.app.card(context.card.id)).balance.held;
    const holdsSkip = Math.max(0, this.#holdsDueMs + TASK_MARGIN_MS - clock.nowMs());
    clock.skip(holdsSkip);
    // "The task's next run", in process; its own periodic run may get there first — the release is the same message either way.
    await cardlane.runTask(HOLD_RELEASE_TASK);
    const released = await settled(
      async () => (await this.app.card(context.card.id)).balance,
      (balance) => balance.held === 0,
      (balance) => `the new accounts' verification holds still hold ${balance.held} cents`,
    );

    const due = this.#accounts.reduce((sum, a) => sum + a.subscription.price.amount_minor, 0);
    const loaded = await this.#load(Math.max(0, due - released.available));

    const lastEndMs = Math.max(...this.#accounts.map((a) => Date.parse(a.subscription.current_period_end!)));
    const renewalSkip = Math.max(0, lastEndMs + TASK_MARGIN_MS - clock.nowMs());
    clock.skip(renewalSkip);
    // A month on, the app's session has lapsed: the cardholder signs in again with an SMS code.
    this.app = await this.app.signInAgain(context.operator);

    // "The renewal task's next run", in process, until the four are renewed (its periodic run may take some of them first).
    const renewed = await settled(
      async () => {
        await cardlane.runTask(RENEWAL_TASK);
        return Promise.all(this.#accounts.map(async (a) => ({ account: a, now: await a.page.subscription(a.subscription.id) })));
      },
      (all) => all.every(({ account, now }) => now.current_period_start === account.subscription.current_period_end && now.latest_payment?.status === 'succeeded'),
      (all) => `Plus renewals: ${all.map(({ now }) => `${now.id} ${now.status} (${now.latest_payment?.status ?? 'no payment'})`).join(', ')}`,
    );
    for (const { now } of renewed) {
      expect(now.status === 'active' && now.latest_payment?.initiator === 'merchant', `the renewal of ${now.id} is ${now.latest_payment?.initiator}-initiated and the subscription ${now.status}`);
    }
    const card = (await this.app.card(context.card.id)).balance;
    teller.told('plus_renewed', {
      holds_clock_skipped_ms: holdsSkip,
      verification_holds_released: heldBefore - released.held,
      ...loaded,
      clock_skipped_ms: renewalSkip,
      signed_in_again: true,
      renewals: renewed.map(({ account, now }) => this.#paymentFacts(account.orgId, now)),
      card_available: card.available,
      card_held: card.held,
    });
  }

  /** Alipay → wallet → card: at least `amount` onto the card (the wallet's few cents count). */
  async #load(amount: number): Promise<{ loaded: number; top_up: string; cny_amount_fen: number }> {
    const { context } = this;
    const wallet = (await this.app.wallet()).available.amount_minor;
    const short = Math.max(0, amount - wallet);
    const { quote, order } = await topUp(this.app, context.operator, Math.max(1_000, short * FIRST_QUOTE_FEN_PER_CENT), Math.max(100, short));
    if (amount > 0) await this.app.loadCard(context.card.id, amount);
    return { loaded: amount, top_up: order.id, cny_amount_fen: quote.cny_amount.amount_minor };
  }

  async #subscribe(page: BillingPage, who: string): Promise<SubscriptionJson> {
    const answer = await page.subscribe(PLUS_PLAN);
    if ('declined' in answer) throw new OffScript(`${who}'s Plus subscription was declined: ${answer.declined.message} (${answer.declined.declineCode ?? answer.declined.code})`);
    const sub = answer.subscribed;
    expect(
      sub.status === 'active' && sub.latest_payment?.initiator === 'customer' && sub.latest_payment.status === 'succeeded',
      `${who}'s Plus subscription is ${sub.status} after its first payment (${sub.latest_payment?.initiator}-initiated, ${sub.latest_payment?.status})`,
    );
    return sub;
  }

  async #newAccount(n: number): Promise<{ orgId: string; page: BillingPage }> {
    const { cardlane, clock, http } = this.teller;
    const org = await cardlane.billing.createOrganization(`Plus account ${n} ${new Date(clock.nowMs()).toISOString().slice(0, 19).replace('T', ' ')}`);
    const page = new BillingPage(http, org.apiKey);
    this.pages.push({ orgId: org.id, page });
    return { orgId: org.id, page };
  }

  #paymentFacts(orgId: string, sub: SubscriptionJson): PlusPaymentFacts {
    const payment = sub.latest_payment!;
    const endMs = Date.parse(sub.current_period_end!);
    return {
      organization: orgId,
      subscription: sub.id,
      status: sub.status,
      payment: payment.id,
      initiator: payment.initiator,
      payment_status: payment.status,
      amount: payment.amount.amount_minor,
      current_period_end: sub.current_period_end!,
      current_period_end_local: this.teller.readerTime(endMs),
    };
  }
}

/** The details a customer types with the card: the name and address on the card. */
export function cardDetails(card: CardJson): { name: string; line1?: string; postalCode?: string; country?: string } {
  const address = card.billing_address;
  return {
    name: card.cardholder_name,
    ...(address.line1 ? { line1: address.line1 } : {}),
    ...(address.postal_code ? { postalCode: address.postal_code } : {}),
    ...(address.country ? { country: address.country } : {}),
  };
}
