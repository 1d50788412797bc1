import type { Charge } from '../acquirer/payments/charge-store.ts';
import { getNetworkMessage } from '../network/network-records.ts';
import type { Sql } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { factsOfCharge, factsOfIssuerRecord, type AttemptFacts } from './attempt-facts.ts';
import type { BillingAttemptResolution, BillingAttemptResolver } from './billing-resolver.ts';
import {
  cardlaneAuthorization,
  cardlaneAuthorizationOf,
  chargeById,
  chargeByNetworkId,
  chargesOfPaymentIntent,
  chargesOfSetupIntent,
  paymentIntentById,
  setupIntentById,
  testBankAuthorization,
} from './records.ts';

/**
 * What an id names, and the attempts it led to. By prefix, as each party
 * writes its ids: `pi_` a payment intent and `seti_` a setup intent at the
 * acquirer; `ch_` a charge (one authorization attempt; it is also the
 * attempt's network message id); `iauth_` Cardlane's issuer's
 * authorization; `tbauth_` the test bank's; a billing attempt id through
 * the registered resolvers; any other network message id (a reversal, a
 * capture) through the network's record to the authorization it belongs
 * to. (`ch_` is also the issuer's prefix for cardholders; a cardholder is
 * not a payment and is not traced — use a card and a time window.)
 */

export type SubjectKind = 'payment_intent' | 'setup_intent' | 'charge' | 'issuer_authorization' | 'network_message' | 'billing_attempt';

export interface Subject {
  readonly kind: SubjectKind;
  readonly id: string;
  /** The acquirer merchant whose records these are; null when no charge of this acquirer is involved. */
  readonly merchantId: string | null;
  /** Oldest first. */
  readonly attempts: readonly AttemptFacts[];
  readonly billing: BillingAttemptResolution | null;
}

const ID_PATTERN = /^[\x21-\x7e]{1,255}$/;

export async function resolveSubject(sql: Sql, id: string, resolvers: readonly BillingAttemptResolver[]): Promise<Subject> {
  if (!ID_PATTERN.test(id)) throw new AppError('parameter_invalid', 'An id is 1 to 255 visible ASCII characters.', { param: 'id' });
  for (const resolver of resolvers) {
    if (!resolver.handles(id)) continue;
    const billing = await resolver.resolve(sql, id);
    if (billing === undefined) continue;
    // An id this Cardlane's acquirer does not know (billing pointed at an outside provider) leaves the trace at billing.
    const inner = billing.acquirerObjectId === null ? null : await resolveAcquirerSide(sql, billing.acquirerObjectId);
    const said = billing.merchantId ?? null;
    if (inner !== null && inner.merchantId !== null && said !== null && inner.merchantId !== said) {
      throw new Error(`billing resolver ${resolver.name}: ${id} names ${billing.acquirerObjectId}, which belongs to another merchant`);
    }
    return { kind: 'billing_attempt', id, merchantId: said ?? inner?.merchantId ?? null, attempts: inner?.attempts ?? [], billing };
  }
  const subject = await resolveAcquirerSide(sql, id);
  if (subject === null) throw notFound(id);
  return subject;
}

export function notFound(id: string): AppError {
  return new AppError('resource_missing', `No payment, setup, billing attempt, charge or authorization has the id '${id}'.`, { param: 'id' });
}

async function resolveAcquirerSide(sql: Sql, id: string): Promise<Subject | null> {
  if (id.startsWith('pi_')) {
    const intent = await paymentIntentById(sql, id);
    if (intent === undefined) return null;
    return subjectOf('payment_intent', id, intent.merchantId, await chargesOfPaymentIntent(sql, id), sql);
  }
  if (id.startsWith('seti_')) {
    const intent = await setupIntentById(sql, id);
    if (intent === undefined) return null;
    return subjectOf('setup_intent', id, intent.merchantId, await chargesOfSetupIntent(sql, intent.merchantId, id), sql);
  }
  if (id.startsWith('ch_')) {
    const charge = await chargeById(sql, id);
    return charge === undefined ? null : subjectOf('charge', id, charge.merchantId, [charge], sql);
  }
  if (id.startsWith('iauth_')) {
    const authorization = await cardlaneAuthorization(sql, id);
    if (authorization === undefined) return null;
    const charge = await chargeByNetworkId(sql, authorization.requestId);
    if (charge !== undefined) return subjectOf('issuer_authorization', id, charge.merchantId, [charge], sql);
    return { kind: 'issuer_authorization', id, merchantId: null, attempts: [await factsOfIssuerRecord(sql, authorization)], billing: null };
  }
  if (id.startsWith('tbauth_')) {
    const authorization = await testBankAuthorization(sql, id);
    const charge = authorization === undefined ? undefined : await chargeByNetworkId(sql, authorization.request_id);
    return charge === undefined ? null : subjectOf('issuer_authorization', id, charge.merchantId, [charge], sql);
  }
  const message = await getNetworkMessage(sql, id);
  if (message === null || message.originalId === null) return null;
  const charge = await chargeByNetworkId(sql, message.originalId);
  if (charge !== undefined) return subjectOf('network_message', id, charge.merchantId, [charge], sql);
  const authorization = await cardlaneAuthorizationOf(sql, message.originalId);
  if (authorization === undefined) return null;
  return { kind: 'network_message', id, merchantId: null, attempts: [await factsOfIssuerRecord(sql, authorization)], billing: null };
}

async function subjectOf(kind: SubjectKind, id: string, merchantId: string, charges: readonly Charge[], sql: Sql): Promise<Subject> {
  const attempts = await Promise.all(charges.map((charge) => factsOfCharge(sql, charge)));
  return { kind, id, merchantId, attempts, billing: null };
}
