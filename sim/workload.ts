import type { Rng } from './rng.ts';
import type { SimAnswer, SimRequest, World } from './world.ts';

/** A card a merchant's customer pays with: one of the network's test cards, or a Cardlane card revealed by its cardholder. */
interface PayCard {
  readonly label: string;
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc: string;
}

/** What the merchant knows about a payment intent it made (from the answers it got). */
export interface KnownIntent {
  readonly id: string;
  readonly key: string;
  status: string;
  amount: number;
  received: number;
  refunded: number;
  /** A capture answered "processing_error" (retry later): the F path, where a merchant may give up and cancel. */
  captureFailed: boolean;
}

const TEST_CARDS: PayCard[] = [
  { label: 'visa', number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
  { label: 'mastercard', number: '5555555555554444', expMonth: 12, expYear: 2030, cvc: '123' },
  { label: 'insufficient', number: '4000000000009995', expMonth: 12, expYear: 2030, cvc: '123' },
  { label: 'decline', number: '4000000000000002', expMonth: 12, expYear: 2030, cvc: '123' },
];

const OPERATIONS = {
  onboardCardholder: 2,
  createIntent: 10,
  confirmIntent: 2,
  capture: 5,
  refund: 4,
  cancel: 2,
  topUpAgain: 1,
} as const;
type Operation = keyof typeof OPERATIONS;

/**
 * The seeded workload: cardholders signing up, passing KYC, topping up
 * through the Alipay sandbox and opening cards; a merchant creating payment
 * intents (automatic and manual capture) with test cards and Cardlane cards,
 * confirming, capturing (also partially), refunding and cancelling. Every
 * POST carries an Idempotency-Key and every created acquirer object carries
 * `metadata[sim_key]`, so the invariants can count objects per key.
 */
export class Workload {
  readonly intents: KnownIntent[] = [];
  readonly #cards: PayCard[] = [...TEST_CARDS];
  #cardholders = 0;
  #keys = 0;
  readonly #tokens: string[] = [];

  constructor(
    readonly world: World,
    readonly rng: Rng,
  ) {}

  #key(kind: string): string {
    this.#keys += 1;
    return `sim-${this.world.seed}-${this.#keys}-${kind}`;
  }

  #merchant(label: string, method: 'GET' | 'POST', url: string, form?: Record<string, string>, key?: string): SimRequest {
    return { label, method, url: `/v1${url}`, auth: this.world.instance.merchantSecretKey, ...(form ? { body: { form } } : {}), ...(key ? { idempotencyKey: key } : {}) };
  }

  /** The setup every run starts with: the demo merchant's risk rules removed, so Cardlane's prepaid cards can pay it. */
  async prepare(): Promise<void> {
    const rules = await this.world.send(this.#merchant('list rules', 'GET', '/risk_rules'));
    for (const rule of (rules.body?.data ?? []) as Array<{ id: string }>) {
      await this.world.send({ label: `delete rule`, method: 'DELETE', url: `/v1/risk_rules/${rule.id}`, auth: this.world.instance.merchantSecretKey });
    }
  }

  async step(): Promise<string> {
    const operation = this.rng.weighted<Operation>(OPERATIONS);
    switch (operation) {
      case 'onboardCardholder':
        if (this.#cardholders < 4) await this.onboardCardholder();
        break;
      case 'createIntent':
        await this.createIntent();
        break;
      case 'confirmIntent':
        await this.confirmIntent();
        break;
      case 'capture':
        await this.capture();
        break;
      case 'refund':
        await this.refund();
        break;
      case 'cancel':
        await this.cancel();
        break;
      case 'topUpAgain':
        await this.topUpAgain();
        break;
    }
    return operation;
  }

  // ---- cardholders (issuer HTTP API) ------------------------------------

  async #smsCode(phone: string): Promise<string> {
    const inbox = await this.world.send({ label: 'read sms', method: 'GET', url: `/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, auth: this.world.instance.operatorKey });
    const body = String(inbox.body?.data?.[0]?.body ?? '');
    return /\d{6}/.exec(body)?.[0] ?? '000000';
  }

  #issuer(label: string, method: 'GET' | 'POST', url: string, token: string | undefined, json?: unknown): SimRequest {
    return { label, method, url: `/issuer/v1${url}`, ...(token ? { auth: token } : {}), ...(json !== undefined ? { body: { json } } : {}), ...(method === 'POST' ? { idempotencyKey: this.#key('issuer') } : {}) };
  }

  async onboardCardholder(): Promise<void> {
    this.#cardholders += 1;
    const phone = `+86138${String(this.world.seed % 1000).padStart(3, '0')}${String(this.#cardholders).padStart(5, '0')}`;
    await this.world.advance(61_000); // the SMS limit: one code a minute per phone
    await this.world.send(this.#issuer('sms code', 'POST', '/sessions/code', undefined, { phone }));
    const code = await this.#smsCode(phone);
    const session = await this.world.send(this.#issuer('sign in', 'POST', '/sessions', undefined, { phone, code }));
    const token = session.body?.token as string | undefined;
    if (!token) return;
    this.#tokens.push(token);
    const kyc = await this.world.send(this.#issuer('kyc', 'POST', '/kyc', token));
    if (kyc.body?.id) await this.world.send(this.#issuer('kyc approve', 'POST', `/operator/kyc/${kyc.body.id}/approve`, this.world.instance.operatorKey));
    await this.#topUp(token, this.rng.int(20_000, 80_000));
    const card = await this.world.send(this.#issuer('open card', 'POST', '/cards', token, {}));
    const cardId = card.body?.id as string | undefined;
    if (!cardId) return;
    await this.world.send(this.#issuer('load card', 'POST', `/cards/${cardId}/load`, token, { amount: this.rng.int(1_000, 6_000) }));
    await this.world.advance(61_000);
    await this.world.send(this.#issuer('reveal code', 'POST', `/cards/${cardId}/reveal-code`, token));
    const revealed = await this.world.send(this.#issuer('reveal', 'POST', `/cards/${cardId}/reveal`, token, { code: await this.#smsCode(phone) }));
    if (revealed.status === 200) {
      const r = revealed.body;
      this.#cards.push({ label: `cardlane-${this.#cardholders}`, number: r.number, expMonth: r.exp_month, expYear: r.exp_year, cvc: r.cvc });
    }
  }

  async #topUp(token: string, cnyMinor: number): Promise<void> {
    const quote = await this.world.send(this.#issuer('top-up quote', 'POST', '/wallet/top-up-quotes', token, { cny_amount: cnyMinor }));
    if (!quote.body?.id) return;
    const order = await this.world.send(this.#issuer('top-up', 'POST', '/wallet/top-ups', token, { quote_id: quote.body.id }));
    if (!order.body?.id) return;
    // The payer pays; the sandbox sends its signed notify (a duplicate notify is the faults' business).
    await this.world.send(this.#issuer('alipay pay', 'POST', `/operator/sandbox/alipay/${order.body.id}/pay`, this.world.instance.operatorKey));
  }

  async topUpAgain(): Promise<void> {
    if (this.#tokens.length === 0) return;
    await this.#topUp(this.rng.pick(this.#tokens), this.rng.int(5_000, 30_000));
  }

  // ---- the merchant (Stripe-compatible /v1) -----------------------------

  #remember(answer: SimAnswer, key: string): void {
    const body = answer.body;
    const intent = body?.object === 'payment_intent' ? body : body?.error?.payment_intent;
    if (!intent?.id) return;
    let known = this.intents.find((i) => i.id === intent.id);
    if (!known) {
      known = { id: intent.id, key, status: intent.status, amount: intent.amount, received: 0, refunded: 0, captureFailed: false };
      this.intents.push(known);
    }
    known.status = intent.status;
    known.received = intent.amount_received ?? known.received;
  }

  async createIntent(): Promise<void> {
    const card = this.rng.pick(this.#cards);
    const pm = await this.world.send(
      this.#merchant('create pm', 'POST', '/payment_methods', {
        type: 'card',
        'card[number]': card.number,
        'card[exp_month]': String(card.expMonth),
        'card[exp_year]': String(card.expYear),
        'card[cvc]': card.cvc,
      }, this.#key('pm')),
    );
    if (pm.status !== 200) return;
    const key = this.#key('pi');
    const manual = this.rng.chance(0.5);
    const confirm = this.rng.chance(0.85);
    const answer = await this.world.send(
      this.#merchant(`create pi ${card.label}${manual ? ' manual' : ''}`, 'POST', '/payment_intents', {
        amount: String(this.rng.int(100, 3_000)),
        currency: 'usd',
        payment_method: pm.body.id,
        capture_method: manual ? 'manual' : 'automatic',
        ...(confirm ? { confirm: 'true' } : {}),
        'metadata[sim_key]': key,
      }, key),
    );
    this.#remember(answer, key);
  }

  #pickIntent(statuses: readonly string[]): KnownIntent | null {
    const candidates = this.intents.filter((i) => statuses.includes(i.status));
    return candidates.length === 0 ? null : this.rng.pick(candidates);
  }

  async confirmIntent(): Promise<void> {
    const intent = this.#pickIntent(['requires_confirmation']);
    if (!intent) return;
    const key = this.#key('confirm');
    this.#remember(await this.world.send(this.#merchant('confirm', 'POST', `/payment_intents/${intent.id}/confirm`, {}, key)), intent.key);
  }

  async capture(): Promise<void> {
    const intent = this.#pickIntent(['requires_capture']);
    if (!intent) return;
    const partial = this.rng.chance(0.4);
    const form: Record<string, string> = partial ? { amount_to_capture: String(Math.max(1, Math.floor(intent.amount / 2))) } : {};
    const key = this.#key('capture');
    const answer = await this.world.send(this.#merchant(`capture${partial ? ' partial' : ''}`, 'POST', `/payment_intents/${intent.id}/capture`, form, key));
    this.#remember(answer, intent.key);
    if (answer.status === 402 && answer.body?.error?.code === 'processing_error') {
      intent.captureFailed = true;
      // "Retry later" — many merchants give up on the order instead and cancel at once: the F path.
      if (this.rng.chance(0.6)) {
        // The slow issuer finishes meanwhile (its late answer lands), the merchant retries once with the same key, then cancels.
        this.world.instance.db.slowIssuerMs = 0;
        await this.world.settle(150);
        await this.world.advance(2_000);
        this.#remember(await this.world.send(this.#merchant('capture retry', 'POST', `/payment_intents/${intent.id}/capture`, form, key)), intent.key);
        let cancel = await this.world.send(this.#merchant('cancel after failed capture', 'POST', `/payment_intents/${intent.id}/cancel`, {}, this.#key('cancel')));
        if (cancel.status === 400 && this.rng.chance(0.7)) {
          // Still `processing`: the merchant tries again a few minutes later, after the sweeps ran.
          await this.world.advance(90_000);
          await this.world.advance(90_000);
          cancel = await this.world.send(this.#merchant('cancel after failed capture, later', 'POST', `/payment_intents/${intent.id}/cancel`, {}, this.#key('cancel')));
        }
        this.#remember(cancel, intent.key);
      }
    }
  }

  async refund(): Promise<void> {
    const intent = this.#pickIntent(['succeeded']);
    if (!intent || intent.received - intent.refunded <= 0) return;
    const left = intent.received - intent.refunded;
    const amount = this.rng.chance(0.5) ? left : this.rng.int(1, left);
    const key = this.#key('refund');
    const answer = await this.world.send(
      this.#merchant('refund', 'POST', '/refunds', { payment_intent: intent.id, amount: String(amount), 'metadata[sim_key]': key }, key),
    );
    if (answer.status === 200) intent.refunded += amount;
  }

  async cancel(): Promise<void> {
    // A merchant whose capture was answered "processing_error" often gives up on the order: the F path.
    const failed = this.intents.filter((i) => i.captureFailed && i.status === 'requires_capture');
    const intent = failed.length > 0 ? this.rng.pick(failed) : this.#pickIntent(['requires_capture', 'requires_confirmation', 'requires_payment_method']);
    if (!intent) return;
    const key = this.#key('cancel');
    this.#remember(await this.world.send(this.#merchant('cancel', 'POST', `/payment_intents/${intent.id}/cancel`, {}, key)), intent.key);
  }
}
