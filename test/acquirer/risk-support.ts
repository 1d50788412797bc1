import { createMerchant } from '../../src/acquirer/merchants/merchants.ts';
import { evaluatePreAuthorization, type RiskDecision, type RiskInput } from '../../src/acquirer/risk/evaluate.ts';
import { createRiskRule } from '../../src/acquirer/risk/risk-rules.ts';
import type { NewRiskRule, RiskRule } from '../../src/acquirer/risk/rule-types.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { ledgerFixture, type LedgerFixture } from '../support/ledger-fixture.ts';

/** A database with merchants and rules, and a way to evaluate against them. */
export interface RiskFixture extends LedgerFixture {
  readonly ids: IdGenerator;
  newMerchant(): Promise<string>;
  addRule(merchantId: string, rule: NewRiskRule): Promise<RiskRule>;
  /** Pre-authorization evaluation in a transaction of its own, at the clock's time. */
  pre(input: RiskInput): Promise<RiskDecision>;
  /** An input for `merchantId` at the clock's time, with a fresh payment id. */
  input(merchantId: string, overrides?: InputOverrides): RiskInput;
}

export interface InputOverrides extends Partial<Omit<RiskInput, 'card' | 'amount'>> {
  readonly card?: Partial<RiskInput['card']>;
  readonly amount?: RiskInput['amount'];
}

export const FINGERPRINT = 'fpTESTaaaaaaaaaa';

export async function riskFixture(): Promise<RiskFixture> {
  const f = await ledgerFixture();
  const random = seededRandom(7);
  const ids = new IdGenerator(f.clock, random);
  return {
    ...f,
    ids,
    async newMerchant() {
      const created = await f.db.transaction((tx) => createMerchant(tx, { ids, random, nowMs: f.clock.nowMs() }, { name: 'Acme AI', mcc: '5734', country: 'US' }));
      return created.merchant.id;
    },
    addRule(merchantId, rule) {
      return f.db.transaction((tx) => createRiskRule(tx, { ids, nowMs: f.clock.nowMs() }, merchantId, rule));
    },
    pre(input) {
      return f.db.transaction((tx) => evaluatePreAuthorization(tx, input));
    },
    input(merchantId, overrides = {}) {
      const { card, amount, ...rest } = overrides;
      return {
        merchantId,
        paymentId: ids.next('pi'),
        amount: amount ?? { minor: 2_000, currency: 'USD' },
        card: { brand: 'visa', country: 'US', funding: 'credit', fingerprint: FINGERPRINT, last4: '4242', ...card },
        initiator: 'customer',
        purpose: 'purchase',
        customerId: 'cus_TESTCUSTOMER0001',
        highestRisk: false,
        nowMs: f.clock.nowMs(),
        ...rest,
      };
    },
  };
}

/** A decision in one comparable word: `allow`, or the block's `reason/declineCode`. */
export function outcomeOf(decision: RiskDecision): string {
  return decision.action === 'allow' ? 'allow' : `${decision.block.reason}/${decision.block.declineCode}`;
}
