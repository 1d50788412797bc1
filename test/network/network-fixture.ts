import { ManualClock } from '../../src/platform/clock.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { luhnCheckDigit } from '../../src/platform/pan-scrub.ts';
import type { AuthorizationRequest, AuthorizationResponse, AuthorizationAdvice, ClearingRequest, FollowUpRequest, FollowUpResponse, IssuerEndpoint, RefundRequest, ReversalRequest, IncrementalAuthorizationRequest } from '../../src/network/messages.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

export const START_MS = Date.UTC(2026, 10, 25, 12, 0, 0);

export interface NetworkFixture extends TestDatabase {
  readonly clock: ManualClock;
  readonly ids: IdGenerator;
}

export async function networkFixture(seed = 7): Promise<NetworkFixture> {
  const base = await createTestDatabase();
  const clock = new ManualClock(START_MS);
  return { ...base, clock, ids: new IdGenerator(clock, seededRandom(seed)) };
}

/** `body` with its Luhn check digit appended. */
export const withLuhn = (body: string): string => body + luhnCheckDigit(body);

let counter = 0;
export const nextId = (prefix = 'msg'): string => `${prefix}_${++counter}_${process.pid}`;

export function authorization(pan: string, overrides: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return {
    type: 'authorization',
    id: nextId('auth'),
    purpose: 'purchase',
    card: { pan, expMonth: 12, expYear: 2030, cvv2: pan.length === 15 ? '1234' : '123' },
    amount: { minor: 1_000, currency: 'USD' },
    merchant: { acquirerId: 'cardlane-acquirer', merchantId: 'acct_openai', name: 'OPENAI *CHATGPT', mcc: '5734', country: 'US' },
    entryMode: 'ecommerce',
    initiator: 'customer',
    avs: { line1: '548 Market St', postalCode: '94104' },
    merchantCustomerRef: 'cus_123',
    sentAtMs: START_MS,
    ...overrides,
  };
}

export const clearing = (originalId: string, minor: number, final = false, currency = 'USD'): ClearingRequest => ({
  type: 'clearing', id: nextId('clr'), originalId, amount: { minor, currency }, final, sentAtMs: START_MS,
});
export const reversal = (originalId: string, minor: number | null, currency = 'USD'): ReversalRequest => ({
  type: 'reversal', id: nextId('rev'), originalId, amount: minor === null ? null : { minor, currency }, sentAtMs: START_MS,
});
export const refund = (originalId: string, minor: number, currency = 'USD'): RefundRequest => ({
  type: 'refund', id: nextId('ref'), originalId, amount: { minor, currency }, sentAtMs: START_MS,
});
export const increment = (originalId: string, minor: number, currency = 'USD'): IncrementalAuthorizationRequest => ({
  type: 'incremental_authorization', id: nextId('inc'), originalId, amount: { minor, currency }, sentAtMs: START_MS,
});

type Behaviour = {
  /** Milliseconds before answering (or forever with `Infinity`). */
  delayMs?: number;
  throws?: boolean;
  code?: '00' | '05';
};

/**
 * A fake issuer for tests of the network: it records every message it gets,
 * answers repeats once (by id, as the contract asks), and can be made slow,
 * silent or failing, per message type.
 */
export class RecordingIssuer implements IssuerEndpoint {
  readonly calls: Array<{ type: string; id: string; originalId?: string; message: unknown }> = [];
  readonly answered = new Map<string, unknown>();
  authorizeBehaviour: Behaviour = {};
  followUpBehaviour: Behaviour = {};
  /** Behaviour for the first call of a follow-up only (to test retries after a time-out). */
  firstFollowUpDelayMs = 0;
  readonly #seenFollowUps = new Set<string>();

  constructor(readonly name: string) {}

  callsOf(type: string): Array<{ type: string; id: string; originalId?: string; message: unknown }> {
    return this.calls.filter((c) => c.type === type);
  }

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResponse> {
    this.calls.push({ type: 'authorization', id: request.id, message: request });
    await this.#behave(this.authorizeBehaviour);
    const code = this.authorizeBehaviour.code ?? '00';
    return this.#once(request.id, () => ({
      type: 'authorization_response',
      id: request.id,
      responseCode: code,
      approved: code === '00',
      approvalCode: code === '00' ? 'A1B2C3' : null,
      approvedAmount: { minor: code === '00' ? request.amount.minor : 0, currency: request.amount.currency },
      avs: { line1: 'pass', postalCode: 'pass' },
      cvv2: 'pass',
      reason: code === '00' ? 'approved' : 'generic_decline',
      issuerAuthorizationId: `${this.name}_auth_${request.id}`,
      decidedBy: 'issuer',
      issuer: this.name,
    }));
  }

  async incrementAuthorization(request: IncrementalAuthorizationRequest): Promise<AuthorizationResponse> {
    this.calls.push({ type: request.type, id: request.id, originalId: request.originalId, message: request });
    await this.#followUpDelay(request);
    return this.#once(request.id, () => ({
      type: 'authorization_response',
      id: request.id,
      responseCode: '00',
      approved: true,
      approvalCode: 'INC001',
      approvedAmount: request.amount,
      avs: { line1: 'unchecked', postalCode: 'unchecked' },
      cvv2: 'unchecked',
      reason: 'approved',
      issuerAuthorizationId: `${this.name}_auth_${request.originalId}`,
      decidedBy: 'issuer',
      issuer: this.name,
    }));
  }

  reverse(request: ReversalRequest): Promise<FollowUpResponse> {
    return this.#followUp(request, request.amount?.minor ?? 0);
  }

  clear(request: ClearingRequest): Promise<FollowUpResponse> {
    return this.#followUp(request, request.amount.minor);
  }

  refund(request: RefundRequest): Promise<FollowUpResponse> {
    return this.#followUp(request, request.amount.minor);
  }

  async advise(advice: AuthorizationAdvice): Promise<void> {
    this.calls.push({ type: 'advice', id: advice.id, originalId: advice.request.id, message: advice });
  }

  async #followUp(request: FollowUpRequest, minor: number): Promise<FollowUpResponse> {
    this.calls.push({ type: request.type, id: request.id, originalId: request.originalId, message: request });
    await this.#followUpDelay(request);
    const known = this.answered.has(request.originalId);
    return this.#once(request.id, () => ({
      type: 'follow_up_response',
      id: request.id,
      originalId: request.originalId,
      responseCode: known ? '00' : '12',
      reason: known ? 'done' : 'unknown_original',
      amount: { minor: known ? minor : 0, currency: request.amount?.currency ?? 'USD' },
      decidedBy: 'issuer',
    }));
  }

  async #followUpDelay(request: FollowUpRequest): Promise<void> {
    if (!this.#seenFollowUps.has(request.id)) {
      this.#seenFollowUps.add(request.id);
      if (this.firstFollowUpDelayMs > 0) await sleep(this.firstFollowUpDelayMs);
    }
    await this.#behave(this.followUpBehaviour);
  }

  #once<T>(id: string, make: () => T): T {
    if (!this.answered.has(id)) this.answered.set(id, make());
    return this.answered.get(id) as T;
  }

  async #behave(behaviour: Behaviour): Promise<void> {
    if (behaviour.delayMs === Infinity) await new Promise(() => undefined);
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    if (behaviour.throws) throw new Error(`${this.name} is down`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
