import type { Charge } from '../../src/acquirer/payments/charge-store.ts';
import type { RiskRule } from '../../src/acquirer/risk/rule-types.ts';
import type { AttemptFacts } from '../../src/doctor/attempt-facts.ts';
import type { Decider } from '../../src/doctor/catalogue.ts';
import type { IsoResponseCode } from '../../src/network/messages.ts';
import type { NetworkMessageRecord } from '../../src/network/network-records.ts';

/**
 * Attempt facts as the parties' records would hold them, built in memory:
 * for table tests of the doctor's classification (every catalogue entry is
 * reached through `diagnose`, the function the traces use), without driving
 * a payment for each of the fifty-odd reasons. The scenario tests drive real
 * payments for the seed's six causes.
 */

const AT = Date.UTC(2026, 10, 25, 12, 0, 0);

export function charge(overrides: Partial<Charge> = {}): Charge {
  return {
    id: 'ch_SYNTHETIC0001',
    merchantId: 'acct_SYNTHETIC01',
    paymentIntentId: 'pi_SYNTHETIC0001',
    setupIntentId: null,
    purpose: 'purchase',
    amountMinor: 1000,
    currency: 'usd',
    customerId: 'cus_SYNTHETIC01',
    paymentMethodId: 'pm_SYNTHETIC001',
    initiator: 'customer',
    networkId: 'ch_SYNTHETIC0001',
    status: 'failed',
    authorized: false,
    amountAuthorizedMinor: 0,
    amountCapturedMinor: 0,
    amountRefundedMinor: 0,
    authorizationOpen: false,
    outcome: null,
    checks: null,
    failureCode: null,
    failureMessage: null,
    declineCode: null,
    networkResponseCode: null,
    issuerAuthorizationId: null,
    blockedByRule: null,
    createdAtMs: AT,
    capturedAtMs: null,
    ...overrides,
  };
}

export function rule(condition: RiskRule['condition'], overrides: Partial<RiskRule> = {}): RiskRule {
  return {
    id: 'rr_SYNTHETIC001',
    merchantId: 'acct_SYNTHETIC01',
    action: 'block',
    condition,
    appliesTo: 'all',
    purpose: 'all',
    enabled: true,
    description: null,
    metadata: {},
    createdAtMs: AT,
    updatedAtMs: AT,
    deletedAtMs: null,
    ...overrides,
  };
}

export function networkRecord(overrides: Partial<NetworkMessageRecord> & { responseCode: IsoResponseCode; reason: string }): NetworkMessageRecord {
  return {
    id: 'ch_SYNTHETIC0001',
    type: 'authorization',
    origin: 'acquirer',
    originalId: 'ch_SYNTHETIC0001',
    issuer: 'cardlane',
    card: { bin: '45300000', last4: '1234', brand: 'visa', funding: 'prepaid', country: 'US' },
    purpose: 'purchase',
    initiator: 'customer',
    entryMode: 'ecommerce',
    amount: { minor: 1000, currency: 'USD' },
    final: null,
    merchant: { acquirerId: 'cardlane-acquirer', merchantId: 'acct_SYNTHETIC01', name: 'ACME AI', mcc: '5734', country: 'US', customerRef: null },
    decidedBy: 'issuer',
    approvalCode: null,
    answerAmountMinor: 0,
    cardholderBilling: null,
    avs: { line1: 'unchecked', postalCode: 'unchecked' },
    cvv2: 'unchecked',
    issuerAuthorizationId: null,
    issuerOutcome: 'answered',
    late: null,
    attempts: 1,
    latencyUs: 100,
    sentAtMs: AT,
    answeredAtMs: AT,
    ...overrides,
  };
}

export function facts(overrides: Partial<AttemptFacts> = {}): AttemptFacts {
  return {
    reference: 'ch_SYNTHETIC0001',
    atMs: AT,
    charge: charge(),
    merchant: { id: 'acct_SYNTHETIC01', name: 'ACME AI', mcc: '5734', country: 'US' },
    paymentMethod: null,
    card: { brand: 'visa', last4: '1234', funding: 'prepaid', country: 'US', fingerprint: 'fpSYNTHETIC00001' },
    purpose: 'purchase',
    initiator: 'customer',
    amount: { minor: 1000, currency: 'usd' },
    rule: null,
    network: [],
    issuer: null,
    verificationHoldMinor: 0,
    ...overrides,
  };
}

/** Facts of an attempt a merchant rule (or the built-in list) blocked before the network. */
export function blockedFacts(blockingRule: RiskRule | null, declineCode: string, phase: 'pre' | 'post' = 'pre'): AttemptFacts {
  const outcome = {
    network_status: phase === 'pre' ? ('not_sent_to_network' as const) : ('reversed_after_approval' as const),
    reason: blockingRule === null ? 'highest_risk_level' : 'rule',
    risk_level: 'normal' as const,
    seller_message: 'Blocked',
    type: 'blocked' as const,
    rule: { id: blockingRule?.id ?? null, action: 'block' as const, predicate: ':x:', description: 'x' },
    network_decline_code: null,
    advice_code: null,
    network_advice_code: null,
  };
  const blockedCharge = charge({ outcome, declineCode, blockedByRule: blockingRule?.id ?? 'builtin:highest_risk_level', networkResponseCode: phase === 'post' ? '00' : null });
  const network = phase === 'post' ? [networkRecord({ responseCode: '00', reason: 'approved' })] : [];
  return facts({ charge: blockedCharge, rule: blockingRule, network });
}

/** Facts of an attempt answered over the network by `decidedBy` with `reason`. */
export function answeredFacts(decidedBy: Exclude<Decider, 'acquirer_rule' | 'acquirer'>, code: IsoResponseCode, reason: string): AttemptFacts {
  const record = networkRecord({
    responseCode: code,
    reason,
    decidedBy,
    issuerOutcome: decidedBy === 'issuer' ? 'answered' : reason === 'issuer_unavailable' ? 'timeout' : reason === 'no_such_issuer' || reason.startsWith('invalid_') || reason === 'message_id_reused' ? null : 'error',
    issuer: decidedBy === 'network' && (reason === 'no_such_issuer' || reason.startsWith('invalid_')) ? null : 'cardlane',
  });
  return facts({ charge: charge({ networkResponseCode: code }), network: [record] });
}
