import { readFileSync } from 'node:fs';
import { readerTime, type Lang } from '../../doctor/index.ts';
import { OTP_RESEND_COOLDOWN_MS } from '../../platform/identity/one-time-codes.ts';
import type { Cardlane } from '../../app/index.ts';
import { fetchChatClient, spendingRequest, type ChatClient } from './story-chat.ts';
import type { StoryClock } from './story-clock.ts';
import { BillingPage, type PaymentMethodJson } from './story-customer.ts';
import { DoctorDesk, readerTimeZoneFor } from './story-doctor.ts';
import { STEP_IDS, type RechargeFacts, type SpendingFacts, type StepFacts, type StepId, type StoryStep } from './story-facts.ts';
import { ApiRefusal, StoryHttp } from './story-http.ts';
import { CardholderApp, SandboxOperator, type CardJson, type RevealedCard } from './story-issuer.ts';
import { reconcile, type PaymentLink } from './story-reconcile.ts';
import { storyText } from './story-text.ts';
import { HOLD_RELEASE_TASK, runRechargeJob, settled, type RechargeRun } from './story-waits.ts';
import { expect, OffScript } from './story-off-script.ts';
import { cardDetails, PlusOnTheCard, PLUS_METADATA_KEY, PLUS_METADATA_VALUE, type StoryTeller } from './story-plus.ts';
import { topUp } from './story-top-up.ts';

/**
 * The seed's story, executable: a cardholder gets a prepaid virtual card,
 * the API business's billing refuses it for a manual purchase, the doctor
 * explains why and recommends the seed's remedy, the remedy works (default
 * card + auto-recharge: the merchant's own off-session charge goes
 * through), the credits are spent through the OpenAI-compatible API until
 * the card can no longer fund a recharge, the doctor explains that decline
 * too. Then the second half: the cardholder follows the doctor's advice
 * (loads the shortfall, the customer turns auto-recharge on again), the
 * recharge goes through and the API answers again; the merchant's
 * verification hold — kept on the card all along, which is why the seed
 * says $15 and not $10 — is released at its time. Then ChatGPT Plus on the
 * same prepaid card (story-plus.ts): four accounts subscribe past the
 * merchant's scoped rule, the card's accounts-per-merchant rule refuses a
 * fifth, and a month later the four renew off-session. The cardholder
 * withdraws what is left to Alipay, and both parties' records — every
 * organization that paid with the card — and the ledger check out.
 *
 * Every person acts through their own party's API with their own
 * credential: the cardholder with a session, the customer with an
 * organization key, the merchant's support with the merchant's secret key,
 * the sandbox operator (standing in for the SMS gateway, the face-scan
 * provider and the payer's Alipay) with the operator key. Only what a person
 * does not do goes in-process: creating the story's organization (the API
 * business's sign-up is not part of Cardlane), running the recharge job and
 * the acquirer's hold-release task — "the next run" — and the ledger audit.
 */

/** The seed's figures. */
const LOAD_MINOR = 1_500; // "at least $15": the $10 recharge minimum + the $5 verification hold
const PURCHASE_MINOR = 1_000;
const THRESHOLD_MINOR = 500;
const TARGET_MINOR = 1_000;
const TOP_UP_FIRST_TRY_FEN = 12_000; // ¥120.00: $16.50 at the default rate and fee
// The issuer texts a phone at most once per cooldown; the story's clock skips it, plus a second's margin.
const SMS_COOLDOWN_SKIP_MS = OTP_RESEND_COOLDOWN_MS + 1_000;
// A bound, not an expectation: $10 of credits take ten of the story's requests.
const MAX_SPENDING_REQUESTS = 200;
const RULE_LIST_LIMIT = 100;
// The hold-release task runs every minute: the story's clock skips to a minute past the hold's time.
const HOLD_RELEASE_MARGIN_MS = 60_000;
const HOUR_MS = 60 * 60 * 1000;

export interface StoryOptions {
  readonly cardlane: Cardlane;
  /** The clock `cardlane` was started with. */
  readonly clock: StoryClock;
  readonly lang: Lang;
  /** How the customer calls the API; fetch by default. */
  readonly chatClient?: (baseUrl: string, apiKey: string) => ChatClient;
  /** Told as each step begins (its number and title) … */
  readonly onStepStart?: (number: number, title: string) => void;
  /** … and as it ends, with its narration and facts. */
  readonly onStep?: (step: StoryStep) => void;
  /** Told of progress within a step (each API request of the spending step). */
  readonly onProgress?: (line: string) => void;
}

export interface StoryResult {
  readonly object: 'demo_story';
  readonly ok: boolean;
  readonly lang: Lang;
  readonly steps: readonly StoryStep[];
  /** Where and why the story went off script; null when it ran to the end. */
  readonly error: { readonly step: StepId; readonly number: number; readonly message: string } | null;
}

export { OffScript };

export async function runStory(options: StoryOptions): Promise<StoryResult> {
  const steps: StoryStep[] = [];
  const story = new Story(options, (step) => {
    steps.push(step);
    options.onStep?.(step);
  });
  try {
    await story.tell();
    return { object: 'demo_story', ok: true, lang: options.lang, steps, error: null };
  } catch (error) {
    const step = story.current;
    const message = error instanceof Error ? error.message : String(error);
    return { object: 'demo_story', ok: false, lang: options.lang, steps, error: { step, number: STEP_IDS.indexOf(step) + 1, message } };
  }
}

class Story {
  readonly #http: StoryHttp;
  readonly #text: ReturnType<typeof storyText>;
  readonly #doctor: DoctorDesk;

  constructor(
    private readonly options: StoryOptions,
    private readonly record: (step: StoryStep) => void,
  ) {
    this.#http = new StoryHttp(options.cardlane.url);
    this.#text = storyText(options.lang);
    this.#doctor = new DoctorDesk(this.#http, options.lang);
  }

  /** The step being told: where an error happened. */
  current: StepId = 'setup';

  #begin(step: StepId): void {
    this.current = step;
    this.options.onStepStart?.(STEP_IDS.indexOf(step) + 1, this.#text.titles[step]);
  }

  #told<Id extends StepId>(step: Id, facts: StepFacts[Id]): StepFacts[Id] {
    const narration = (this.#text[step] as (facts: StepFacts[Id]) => string[])(facts);
    this.record({ step, number: STEP_IDS.indexOf(step) + 1, title: this.#text.titles[step], narration, facts } as StoryStep);
    return facts;
  }

  /** What the steps told in other modules use of the story: its parties, clock, doctor and how it tells a step. */
  #teller(): StoryTeller {
    const { cardlane, clock } = this.options;
    return {
      cardlane,
      clock,
      http: this.#http,
      doctor: this.#doctor,
      begin: (step) => this.#begin(step),
      told: (step, facts) => this.#told(step, facts),
      readerTime: (atMs) => this.#readerTime(atMs),
    };
  }

  #progress(line: string): void {
    this.options.onProgress?.(line);
  }

  async tell(): Promise<void> {
    const { operator, org, holdHours, verificationAmount, plusExemption } = await this.#stage();
    const { app, card, revealed } = await this.#cardholderGetsACard(operator);
    const page = new BillingPage(this.#http, org.apiKey);
    const { pm, holdDueMs, holdAuthorization } = await this.#customerAddsTheCard(page, app, card, revealed, org.id, holdHours);
    await this.#declinedByHand(page, app, card.id, pm.id);
    const firstRecharge = await this.#theRemedy(page, app, card.id, pm.id, org.id);
    const advice = await this.#spendingUntilRefused(page, app, card.id, org, firstRecharge);
    await this.#recovery(page, app, operator, card.id, org, advice);
    await this.#holdReleased(app, card.id, holdAuthorization, holdDueMs);
    const plus = new PlusOnTheCard(this.#teller(), { app, operator, card, revealed, page, orgId: org.id, verificationAmount, verificationHoldHours: holdHours, plusExemption });
    await plus.tell();
    await this.#whatIsLeftGoesBack(plus.app, card.id);
    await this.#recordsAgree(plus.pages, page, plus.app, card.id);
    await this.#audited();
  }

  /** 1. The merchant configured like the seed's, and a new API customer. */
  async #stage(): Promise<{ operator: SandboxOperator; org: { id: string; name: string; apiKey: string }; holdHours: number; verificationAmount: number; plusExemption: string | null }> {
    const { cardlane } = this.options;
    const merchant = cardlane.demoMerchant;
    this.#begin('setup');
    if (cardlane.operatorKeyFile === null) {
      throw new OffScript(`the operator key file is gone from ${cardlane.config.dataDir}: the sandbox providers need it (remove the data directory to start afresh)`);
    }
    const operator = new SandboxOperator(this.#http, readFileSync(cardlane.operatorKeyFile, 'utf8').trim());
    const rules = await this.#http.get<{ data: RiskRuleJson[] }>('/v1/risk_rules', { token: merchant.secret_key, query: { limit: RULE_LIST_LIMIT } });
    const rule = rules.data.find(
      (r) => r.enabled && r.action === 'block' && r.condition.kind === 'card_funding' && (r.condition.in ?? []).includes('prepaid') && r.applies_to === 'customer_initiated',
    );
    expect(rule !== undefined, `${merchant.merchant_name} has no enabled rule blocking prepaid cards on customer-initiated payments any more (add it back: cardlane acquirer rules add --preset block-prepaid-cit)`);
    const settings = await this.#http.get<{ card_verification_amount: number; verification_hold_release: string }>('/v1/account_settings', { token: merchant.secret_key });
    const holdHours = Number(/^after_hours:(\d+)$/.exec(settings.verification_hold_release)?.[1] ?? Number.NaN);
    expect(
      settings.card_verification_amount > 0 && Number.isSafeInteger(holdHours) && holdHours > 0 && holdHours < 12,
      `${merchant.merchant_name} verifies cards with a ${settings.card_verification_amount}-cent hold released ${settings.verification_hold_release}: the seed's merchant keeps a hold for a few hours (set it back: POST /v1/account_settings card_verification_amount=500 verification_hold_release=after_hours:6)`,
    );
    const org = await this.#newOrganization();
    this.#told('setup', {
      url: cardlane.url,
      database: cardlane.databaseDescription,
      data_dir: cardlane.config.dataDir,
      merchant: { id: merchant.merchant_id, name: merchant.merchant_name },
      rule: { id: rule.id, description: rule.description, applies_to: rule.applies_to, purpose: rule.purpose, predicate: rule.predicate },
      verification: { amount: settings.card_verification_amount, release_after_hours: holdHours },
      organization: { id: org.id, name: org.name },
    });
    const exempt = rule.except_when?.metadata ?? {};
    const plusExemption = exempt[PLUS_METADATA_KEY] === PLUS_METADATA_VALUE ? `metadata[${PLUS_METADATA_KEY}]=${PLUS_METADATA_VALUE}` : null;
    return { operator, org, holdHours, verificationAmount: settings.card_verification_amount, plusExemption };
  }

  /** 2–8. A referrer's invite code, sign-up, KYC, a CNY top-up, a card with the fee waived and $15.00 on it, its full number. */
  async #cardholderGetsACard(operator: SandboxOperator): Promise<{ app: CardholderApp; card: CardJson; revealed: RevealedCard }> {
    const { clock } = this.options;
    this.#begin('referrer');
    const referrer = await signUp(this.#http, operator, null);
    this.#told('referrer', { cardholder: referrer.cardholder.id, phone: referrer.cardholder.phone, invite_code: referrer.cardholder.invite_code });

    this.#begin('sign_up');
    const app = await signUp(this.#http, operator, referrer.cardholder.invite_code);
    expect(app.cardholder.opening_fee_waived, 'the invite code did not waive the card opening fee');
    this.#told('sign_up', {
      cardholder: app.cardholder.id,
      phone: app.cardholder.phone,
      invite_code_used: referrer.cardholder.invite_code,
      opening_fee_waived: app.cardholder.opening_fee_waived,
    });

    this.#begin('kyc');
    const kyc = await app.startKyc();
    await operator.approveKyc(kyc.id);
    const kycNow = await app.kycStatus();
    expect(kycNow.status === 'approved', `KYC is ${kycNow.status}, not approved`);
    this.#told('kyc', { verification: kyc.id, started_status: kyc.status, status: kycNow.status });

    // Big enough for the card's $15.00 at whatever rate and fee the operator set.
    this.#begin('top_up');
    const { quote, order, paid } = await topUp(app, operator, TOP_UP_FIRST_TRY_FEN, LOAD_MINOR);
    this.#told('top_up', {
      top_up: order.id,
      cny_amount_fen: quote.cny_amount.amount_minor,
      fee_fen: quote.fee.amount_minor,
      rate: quote.rate,
      usd_amount: quote.usd_amount.amount_minor,
      status: paid.top_up.status,
      wallet_available: (await app.wallet()).available.amount_minor,
    });

    this.#begin('card_opened');
    const card = await app.openCard();
    expect(card.opening_fee.waived, `the card cost ${card.opening_fee.amount} cents to open`);
    this.#told('card_opened', { card: card.id, last4: card.last4, opening_fee: card.opening_fee.amount, fee_waived: card.opening_fee.waived });

    this.#begin('card_loaded');
    const loaded = await app.loadCard(card.id, LOAD_MINOR);
    this.#told('card_loaded', { card: card.id, amount: LOAD_MINOR, card_available: loaded.balance.available, wallet_available: (await app.wallet()).available.amount_minor });

    // The reveal code is a second SMS to the phone that got the sign-in code moments ago: a minute later.
    this.#begin('card_revealed');
    clock.skip(SMS_COOLDOWN_SKIP_MS);
    await app.requestRevealCode(card.id);
    const revealed = await app.reveal(card.id, await operator.latestCode(app.cardholder.phone));
    expect(revealed.number.endsWith(card.last4), 'the revealed number does not end in the card’s last four digits');
    this.#told('card_revealed', { card: card.id, clock_skipped_ms: SMS_COOLDOWN_SKIP_MS, last4: card.last4, exp_month: revealed.exp_month, exp_year: revealed.exp_year });
    return { app, card, revealed };
  }

  /** 9. The API customer adds the card: verified with the merchant's hold, which the merchant keeps for a few hours. */
  async #customerAddsTheCard(
    page: BillingPage,
    app: CardholderApp,
    card: CardJson,
    revealed: RevealedCard,
    orgId: string,
    holdHours: number,
  ): Promise<{ pm: PaymentMethodJson; holdDueMs: number; holdAuthorization: string }> {
    this.#begin('card_added');
    // The merchant's release time counts from its approval, a moment after this: the story waits past it, never before.
    const addedAtMs = this.options.clock.nowMs();
    const added = await page.addCard(revealed, cardDetails(card));
    if ('declined' in added) throw new OffScript(`adding the card was declined: ${added.declined.message} (${added.declined.declineCode ?? added.declined.code})`);
    const pm = added.added;
    const hold = pm.verification.hold?.amount_minor ?? 0;
    expect(hold > 0, 'the merchant verified the card without a hold');
    const verification = (await app.authorizations(card.id)).find((a) => a.purpose === 'account_verification');
    expect(
      verification !== undefined && verification.approved && verification.amount === hold && verification.held === hold,
      `the issuer's verification hold is ${verification?.status} for ${verification?.amount} cents with ${verification?.held} cents held (billing asked ${hold}, and the merchant keeps it for ${holdHours} h)`,
    );
    const { available, held } = (await app.card(card.id)).balance;
    expect(available === LOAD_MINOR - hold, `the card has ${available} cents available after its verification, not ${LOAD_MINOR - hold}`);
    const holdDueMs = addedAtMs + holdHours * HOUR_MS;
    this.#told('card_added', {
      organization: orgId,
      payment_method: pm.id,
      brand: pm.brand,
      last4: pm.last4,
      funding: pm.funding,
      country: pm.country,
      verification: {
        payment: pm.verification.payment,
        hold,
        issuer_authorization: verification.id,
        issuer_amount: verification.amount,
        issuer_status: verification.status,
        held_now: verification.held,
        released: verification.held === 0,
        release_due_at: new Date(holdDueMs).toISOString(),
        release_due_local: this.#readerTime(holdDueMs),
      },
      card_available: available,
      card_held: held,
    });
    return { pm, holdDueMs, holdAuthorization: verification.id };
  }

  /** 10. "Add to credit balance" by hand: refused by the merchant's rule before the card network, and explained to both people. */
  async #declinedByHand(page: BillingPage, app: CardholderApp, cardId: string, pmId: string): Promise<void> {
    this.#begin('purchase_declined');
    const authorizationsBefore = (await app.authorizations(cardId)).length;
    const bought = await page.buyCredits(PURCHASE_MINOR, pmId);
    if ('paid' in bought) throw new OffScript(`the manual purchase of credits went through (${bought.paid.id}): the merchant's rule did not apply`);
    const declined = bought.declined;
    const doctor = await this.#doctor.explain(declined.payment.id, 'merchant', this.options.cardlane.demoMerchant.secret_key);
    const cardholderDoctor = await this.#doctor.explain(declined.payment.id, 'cardholder', app.token);
    expect(doctor.seed_cause === 'card_type', `the doctor names ${doctor.seed_cause} as the cause, not the card's type`);
    expect(doctor.seed_remedy.recommended, `the doctor does not recommend the seed's remedy (${doctor.seed_remedy.because})`);
    this.#told('purchase_declined', {
      payment: declined.payment.id,
      amount: PURCHASE_MINOR,
      initiator: declined.payment.initiator,
      http_status: declined.status,
      code: declined.code,
      decline_code: declined.declineCode,
      message: declined.message,
      doctor,
      cardholder_doctor: cardholderDoctor,
      on_card_statement: (await app.authorizations(cardId)).length !== authorizationsBefore,
      card_available: (await app.card(cardId)).balance.available,
    });
  }

  /** 11–12. The seed's remedy — default card, auto-recharge — and the recharge job's merchant-initiated charge goes through. Returns that payment's id. */
  async #theRemedy(page: BillingPage, app: CardholderApp, cardId: string, pmId: string, orgId: string): Promise<string> {
    this.#begin('auto_recharge_on');
    await page.setDefault(pmId);
    const autoRecharge = await page.turnOnAutoRecharge(THRESHOLD_MINOR, TARGET_MINOR);
    const balance = await page.balanceMinor();
    this.#told('auto_recharge_on', {
      default_payment_method: pmId,
      enabled: autoRecharge.enabled,
      status: autoRecharge.status,
      threshold: autoRecharge.threshold?.amount_minor ?? THRESHOLD_MINOR,
      target: autoRecharge.target?.amount_minor ?? TARGET_MINOR,
      recharge_minimum: autoRecharge.recharge_minimum.amount_minor,
      credit_balance: balance,
    });

    this.#begin('recharge_succeeded');
    expect(balance < THRESHOLD_MINOR, `the balance (${balance} cents) is not below the threshold`);
    const before = (await app.card(cardId)).balance;
    const run = await runRechargeJob(this.options.cardlane.billing.services, page, orgId, null);
    if ('skipped' in run) throw new OffScript(`the recharge job did not charge (${run.skipped})`);
    expect(run.payment.status === 'succeeded', `the recharge ${run.payment.id} ${run.payment.status}: ${run.payment.failure?.message ?? ''}`);
    this.#told('recharge_succeeded', {
      ...rechargeFacts(run),
      card_available_before: before.available,
      card_held_before: before.held,
      credit_balance: await page.balanceMinor(),
      card_available: (await app.card(cardId)).balance.available,
    });
    return run.payment.id;
  }

  /** 13–14. Spending through the API until it refuses; the recharge the falling balance set off is declined at the issuer, and explained. */
  async #spendingUntilRefused(
    page: BillingPage,
    app: CardholderApp,
    cardId: string,
    org: { id: string; apiKey: string },
    firstRecharge: string,
  ): Promise<{ loadAtLeast: number; declinedRecharge: string }> {
    this.#begin('spending');
    const spending = await this.#spend(page, org, firstRecharge);
    this.#told('spending', { ...spending, card_available: (await app.card(cardId)).balance.available });
    expect(spending.recharge !== null, 'no recharge was tried while the credits ran out');
    expect(spending.refused_with === 'insufficient_quota', `the API refused with ${spending.refused_with}, not insufficient_quota`);

    this.#begin('recharge_declined_explained');
    const payment = spending.recharge.payment;
    const doctor = await this.#doctor.explain(payment, 'merchant', this.options.cardlane.demoMerchant.secret_key);
    const cardholderDoctor = await this.#doctor.explain(payment, 'cardholder', app.token);
    expect(doctor.decided_by === 'issuer' && doctor.iso_code === '51', `the doctor says ${doctor.decided_by} declined with ${doctor.iso_code}`);
    expect(cardholderDoctor.recovery !== null, 'the doctor says nothing about what brings the recharge back');
    const now = await page.autoRecharge();
    this.#told('recharge_declined_explained', {
      payment,
      doctor,
      cardholder_doctor: cardholderDoctor,
      auto_recharge: { status: now.status, paused_reason: now.paused_reason, next_attempt_at: now.next_attempt_at },
    });
    return { loadAtLeast: cardholderDoctor.recovery.load_at_least, declinedRecharge: payment };
  }

  /** 15–17. The doctor's advice, followed: the shortfall onto the card, auto-recharge on again, the recharge goes through, the API answers. */
  async #recovery(
    page: BillingPage,
    app: CardholderApp,
    operator: SandboxOperator,
    cardId: string,
    org: { id: string; apiKey: string },
    advice: { loadAtLeast: number; declinedRecharge: string },
  ): Promise<void> {
    this.#begin('card_reloaded');
    const wallet = (await app.wallet()).available.amount_minor;
    // The wallet's few cents from the first top-up count; Alipay tops up the rest (at least a dollar: the issuer's smallest useful top-up).
    const { quote, order } = await topUp(app, operator, Math.max(1_000, Math.ceil(((advice.loadAtLeast - wallet) * TOP_UP_FIRST_TRY_FEN) / LOAD_MINOR)), Math.max(100, advice.loadAtLeast - wallet));
    const loaded = await app.loadCard(cardId, advice.loadAtLeast);
    this.#told('card_reloaded', {
      load_at_least: advice.loadAtLeast,
      top_up: order.id,
      cny_amount_fen: quote.cny_amount.amount_minor,
      usd_amount: quote.usd_amount.amount_minor,
      amount: advice.loadAtLeast,
      card_available: loaded.balance.available,
      wallet_available: (await app.wallet()).available.amount_minor,
    });

    this.#begin('recharge_recovered');
    const rule = await page.autoRecharge();
    await page.turnOnAutoRecharge(rule.threshold?.amount_minor ?? THRESHOLD_MINOR, rule.target?.amount_minor ?? TARGET_MINOR);
    const run = await runRechargeJob(this.options.cardlane.billing.services, page, org.id, advice.declinedRecharge);
    if ('skipped' in run) throw new OffScript(`auto-recharge is on again but the recharge job did not charge (${run.skipped})`);
    expect(run.payment.status === 'succeeded', `the recharge ${run.payment.id} ${run.payment.status} after the card was loaded: ${run.payment.failure?.message ?? ''}`);
    const card = (await app.card(cardId)).balance;
    this.#told('recharge_recovered', {
      ...rechargeFacts(run),
      status_after: (await page.autoRecharge()).status,
      credit_balance: await page.balanceMinor(),
      card_available: card.available,
      card_held: card.held,
    });

    this.#begin('api_answers');
    const { cardlane } = this.options;
    const chat = (this.options.chatClient ?? fetchChatClient)(cardlane.url, org.apiKey);
    const request = spendingRequest(cardlane.config.http.bodyLimitBytes);
    const before = await page.balanceMinor();
    const answer = await chat.complete(request);
    if (!answer.ok) throw new OffScript(`the API still refuses after the recharge: HTTP ${answer.status} ${answer.code ?? ''} ${answer.message}`);
    const after = await page.balanceMinor();
    this.#told('api_answers', { model: request.model, prompt_tokens: answer.promptTokens, completion_tokens: answer.completionTokens, cost: before - after, credit_balance: after });
  }

  /** 18. Hours later, the merchant's background task releases the verification hold, at the time its setting says. */
  async #holdReleased(app: CardholderApp, cardId: string, holdAuthorization: string, holdDueMs: number): Promise<void> {
    const { clock, cardlane } = this.options;
    this.#begin('hold_released');
    const skip = Math.max(0, holdDueMs + HOLD_RELEASE_MARGIN_MS - clock.nowMs());
    clock.skip(skip);
    // "The task's next run", in process; its own periodic run may get there first — the release is the same message either way.
    await cardlane.runTask(HOLD_RELEASE_TASK);
    const hold = await settled(
      async () => (await app.authorizations(cardId)).find((a) => a.id === holdAuthorization),
      (found) => found !== undefined && found.held === 0,
      (found) => `the verification hold ${holdAuthorization} still holds ${found?.held} cents`,
    );
    const card = (await app.card(cardId)).balance;
    this.#told('hold_released', {
      clock_skipped_ms: skip,
      issuer_authorization: holdAuthorization,
      issuer_status: hold!.status,
      released: hold!.amount - hold!.held,
      card_available: card.available,
      card_held: card.held,
    });
  }

  /** 22. What is left goes back where it came from: card → wallet → Alipay. */
  async #whatIsLeftGoesBack(app: CardholderApp, cardId: string): Promise<void> {
    this.#begin('withdrawn');
    const left = (await app.card(cardId)).balance.available;
    if (left > 0) await app.unloadCard(cardId, left);
    const wallet = (await app.wallet()).available.amount_minor;
    const started = await app.withdraw(wallet);
    const withdrawal = await settled(
      () => app.withdrawal(started.id),
      (w) => w.status !== 'pending',
      (w) => `withdrawal ${w.id} is still ${w.status}`,
    );
    expect(withdrawal.status === 'paid', `the withdrawal ${withdrawal.id} is ${withdrawal.status}`);
    this.#told('withdrawn', {
      unloaded: left,
      withdrawal: withdrawal.id,
      amount: withdrawal.amount.amount_minor,
      fee: withdrawal.fee.amount_minor,
      payout: withdrawal.payout.amount_minor,
      payout_cny_fen: withdrawal.payout_cny.amount_minor,
      status: withdrawal.status,
      card_available: (await app.card(cardId)).balance.available,
      wallet_available: (await app.wallet()).available.amount_minor,
    });
  }

  #readerTime(atMs: number): string {
    return readerTime(atMs, this.options.clock.nowMs(), this.options.lang, readerTimeZoneFor(this.options.lang));
  }

  /** 23. The cardholder's statement against every organization's billing history that paid with the card, linked payment by payment as the doctor follows them. */
  async #recordsAgree(pages: readonly { orgId: string; page: BillingPage }[], storyPage: BillingPage, app: CardholderApp, cardId: string): Promise<void> {
    this.#begin('reconciled');
    const links: PaymentLink[] = [];
    for (const { orgId, page } of pages) {
      for (const payment of (await page.payments()).reverse()) {
        const trace = await this.#doctor.trace(payment.id, 'merchant', this.options.cardlane.demoMerchant.secret_key);
        const last = trace.attempts.at(-1);
        links.push({ organization: orgId, payment, issuerAuthorization: last?.reached_issuer ? last.issuer_authorization : null });
      }
    }
    const reconciliation = reconcile(links, await app.statement(cardId));
    // The credits are the story's organization's: the Plus accounts buy none.
    const credits = (await storyPage.payments()).filter((p) => p.kind === 'purchase' || p.kind === 'auto_recharge');
    const bought = credits.reduce((sum, p) => sum + (p.status === 'succeeded' ? p.amount.amount_minor - p.refunded.amount_minor : 0), 0);
    const balance = await storyPage.balanceMinor();
    this.#told('reconciled', {
      card: cardId,
      organizations: pages.map((p) => p.orgId),
      ...reconciliation,
      card_available: (await app.card(cardId)).balance.available,
      credits_bought: bought,
      credits_used: bought - balance,
      credit_balance: balance,
    });
    expect(reconciliation.agree, `the card statement and the billing history disagree: ${reconciliation.problems.join('; ')}`);
  }

  /** 24. The same audit as `cardlane audit`. */
  async #audited(): Promise<void> {
    this.#begin('audit');
    const report = await this.options.cardlane.auditLedger();
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.failures.join('; ')}`);
    this.#told('audit', { ok: report.ok, checks: report.checks.length, failed, accounts: report.stats.accounts, transfers: report.stats.transfers });
    expect(report.ok, `the ledger audit failed: ${failed.join(' | ')}`);
  }


  /** A fresh organization for this run, so a second run in the same data directory tells the same story. */
  async #newOrganization(): Promise<{ id: string; name: string; apiKey: string }> {
    const { cardlane, clock } = this.options;
    const name = `Story customer ${new Date(clock.nowMs()).toISOString().slice(0, 19).replace('T', ' ')}`;
    return cardlane.billing.createOrganization(name);
  }

  async #spend(page: BillingPage, org: { id: string; apiKey: string }, firstRecharge: string): Promise<Omit<SpendingFacts, 'card_available'>> {
    const { cardlane } = this.options;
    const chat = (this.options.chatClient ?? fetchChatClient)(cardlane.url, org.apiKey);
    const request = spendingRequest(cardlane.config.http.bodyLimitBytes);
    const startBalance = await page.balanceMinor();
    let balance = startBalance;
    let succeeded = 0;
    let promptTokens = 0;
    let completionTokens = 0;
    let recharge: SpendingFacts['recharge'] = null;
    for (let requests = 1; requests <= MAX_SPENDING_REQUESTS; requests++) {
      const result = await chat.complete(request);
      if (!result.ok) {
        this.#progress(this.#text.spendRefused(requests, result.status, result.code));
        return {
          model: request.model,
          requests,
          succeeded,
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          spent: startBalance + (recharge?.status === 'succeeded' ? recharge.amount : 0) - balance,
          refused_with: result.code,
          refused_status: result.status,
          credit_balance: balance,
          recharge,
        };
      }
      succeeded += 1;
      promptTokens += result.promptTokens;
      completionTokens += result.completionTokens;
      const now = await page.balanceMinor();
      this.#progress(this.#text.spendProgress(requests, result.promptTokens, result.completionTokens, balance - now, now));
      balance = now;
      if (recharge === null && balance < THRESHOLD_MINOR) {
        // The usage already nudged the recharge job; the story takes its next run (or the outcome of the nudged one).
        const run = await runRechargeJob(this.options.cardlane.billing.services, page, org.id, firstRecharge);
        if ('skipped' in run) throw new OffScript(`the balance fell below the threshold but the recharge job did not charge (${run.skipped})`);
        recharge = { ...rechargeFacts(run), after_request: requests };
        this.#progress(this.#text.spendRecharge(recharge));
        balance = await page.balanceMinor();
      }
    }
    throw new OffScript(`${MAX_SPENDING_REQUESTS} requests did not use up the credits`);
  }
}

/**
 * A sign-up; the issuer's SMS limits per client address (20 codes an hour)
 * apply to the story like to anyone — it sends three codes a run — so when
 * they are reached the story says so rather than failing obscurely.
 */
async function signUp(http: StoryHttp, operator: SandboxOperator, inviteCode: string | null): Promise<CardholderApp> {
  try {
    return await CardholderApp.signUp(http, operator, inviteCode);
  } catch (error) {
    if (!(error instanceof ApiRefusal) || error.status !== 429) throw error;
    const wait = error.retryAfterS === null ? 'a while' : `${Math.ceil(error.retryAfterS / 60)} min`;
    throw new OffScript(`the issuer is not sending more SMS codes to this address for now (${error.error.message ?? 'rate limited'}); each story sends 3 — try again in ${wait}`);
  }
}

function rechargeFacts({ payment, ranBy }: RechargeRun): RechargeFacts {
  return {
    payment: payment.id,
    amount: payment.amount.amount_minor,
    initiator: payment.initiator,
    status: payment.status,
    decline_code: payment.failure?.decline_code ?? null,
    network_decline_code: payment.failure?.network_decline_code ?? null,
    receipt: payment.receipt?.number ?? null,
    ran_by: ranBy,
  };
}

interface RiskRuleJson {
  readonly id: string;
  readonly enabled: boolean;
  readonly action: string;
  readonly condition: { readonly kind: string; readonly in?: readonly string[] };
  readonly applies_to: string;
  readonly purpose: string;
  readonly description: string | null;
  readonly predicate: string;
  readonly except_when: { readonly metadata?: Readonly<Record<string, string>>; readonly description_contains?: string } | null;
}
