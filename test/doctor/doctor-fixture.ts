import type Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { createRiskRule } from '../../src/acquirer/risk/risk-rules.ts';
import type { NewRiskRule, RiskRule } from '../../src/acquirer/risk/rule-types.ts';
import type { Lang } from '../../src/doctor/catalogue.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import type { Trace } from '../../src/doctor/trace-types.ts';
import type { Principal } from '../../src/doctor/views.ts';
import { defaultBinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import type { AuthorizationRequest, AuthorizationResponse, IssuerEndpoint } from '../../src/network/messages.ts';
import { createTestIssuers } from '../../src/network/test-issuers/create-test-issuers.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, TEST_NETWORK_PAR_KEY, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';

/**
 * The whole payment path for the doctor's scenarios: the official Stripe
 * SDK → the acquirer (with the merchant's rules) → the real card network →
 * Cardlane's own issuer (cards opened and loaded for real) and the scripted
 * test bank — and a doctor on the same records, built from each party's
 * implementation of its ports as the platform builds it (no keys: cards
 * are linked by the network's PAR, which the issuer and the acquirer store).
 *
 * The one addition is a link between the network and Cardlane's issuer that
 * can be held shut (`slowIssuer`), to make the issuer late on purpose: the
 * network then times out and stands in (91) exactly as with a slow issuer,
 * and the issuer still decides once the link opens. It delays the real
 * issuer; it does not answer for it.
 */

export interface DoctorFixture extends AcquirerFixture {
  readonly base: CardFixture;
  readonly network: CardNetwork;
  readonly doctor: Doctor;
  readonly slowIssuer: HeldLink;
  /** A Cardlane card's payment method at the merchant, with the program's billing address (AVS passes) and its CVC. */
  paymentMethod(card: OpenedCard, overrides?: { cvc?: string; postal_code?: string; line1?: string }): Promise<Stripe.PaymentMethod>;
  /** A test bank card's payment method. */
  testCard(number: string): Promise<Stripe.PaymentMethod>;
  addRule(rule: NewRiskRule): Promise<RiskRule>;
  trace(id: string, principal?: Principal, lang?: Lang): Promise<Trace>;
  /** The card error a Stripe call ends with. */
  declineOf(promise: Promise<unknown>): Promise<Stripe.errors.StripeCardError>;
}

/** Cardlane's issuer behind a link that can be held shut. */
export class HeldLink implements IssuerEndpoint {
  readonly name: string;
  #release: (() => void) | null = null;
  #opened: Promise<void> = Promise.resolve();

  constructor(private readonly issuer: IssuerEndpoint) {
    this.name = issuer.name;
  }

  hold(): void {
    this.#opened = new Promise((resolve) => (this.#release = resolve));
  }

  open(): void {
    this.#release?.();
    this.#release = null;
  }

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResponse> {
    await this.#opened;
    return this.issuer.authorize(request);
  }
  incrementAuthorization: IssuerEndpoint['incrementAuthorization'] = (r) => this.issuer.incrementAuthorization(r);
  reverse: IssuerEndpoint['reverse'] = (r) => this.issuer.reverse(r);
  clear: IssuerEndpoint['clear'] = (r) => this.issuer.clear(r);
  refund: IssuerEndpoint['refund'] = (r) => this.issuer.refund(r);
  advise: IssuerEndpoint['advise'] = (a) => this.issuer.advise(a);
}

export const PROGRAM_ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };

export async function doctorFixture(options: { readonly issuerTimeoutMs?: number } = {}): Promise<DoctorFixture> {
  const base = await cardFixture();
  const slowIssuer = new HeldLink(base.issuer);
  let network!: CardNetwork;
  const f = await acquirerFixture({
    base,
    endpoints: acquirerEndpoints,
    network: (b) => {
      const ids = new IdGenerator(b.clock, seededRandom(77));
      network = new CardNetwork({
        db: b.db,
        clock: b.clock,
        ids,
        bins: defaultBinTable(),
        issuers: [...createTestIssuers({ db: b.db, clock: b.clock, ids }), slowIssuer],
        timeoutMs: options.issuerTimeoutMs ?? 2_000,
        lateAnswerWaitMs: 30_000,
        parKey: TEST_NETWORK_PAR_KEY,
      });
      return network;
    },
  });
  const doctor = new Doctor({ db: f.db, ...doctorPorts(f.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS });
  return {
    ...f,
    base,
    network,
    doctor,
    slowIssuer,
    paymentMethod(card, overrides = {}) {
      return f.stripe.paymentMethods.create({
        type: 'card',
        card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: overrides.cvc ?? card.cvv2 },
        billing_details: {
          name: 'Li Lei',
          address: { ...PROGRAM_ADDRESS, ...(overrides.postal_code ? { postal_code: overrides.postal_code } : {}), ...(overrides.line1 ? { line1: overrides.line1 } : {}) },
        },
      });
    },
    testCard(number) {
      return f.stripe.paymentMethods.create({
        type: 'card',
        card: { number, exp_month: 12, exp_year: 2030, cvc: '123' },
        billing_details: { name: 'Li Lei', address: PROGRAM_ADDRESS },
      });
    },
    addRule(rule) {
      return f.db.transaction((tx) => createRiskRule(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, f.merchant.merchant.id, rule));
    },
    trace(id, principal = { view: 'operator' }, lang = 'en') {
      return doctor.trace(id, principal, lang);
    },
    async declineOf(promise) {
      try {
        await promise;
      } catch (error) {
        if ((error as { type?: string }).type === 'StripeCardError') return error as Stripe.errors.StripeCardError;
        throw error;
      }
      throw new Error('expected a card decline');
    },
  };
}
