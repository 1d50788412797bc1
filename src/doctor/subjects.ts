import type { Charge } from '../acquirer/index.ts';
import type { Sql } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { factsOfCharge, factsOfIssuerRecord, type AttemptFacts } from './attempt-facts.ts';
import type { BillingAttemptResolution, BillingAttemptResolver } from './billing-resolver.ts';
import type { DoctorPorts } from './ports.ts';

/**
 * What an id names, and the attempts it led to. By prefix, as each party
 * writes its ids: `pi_` a payment intent and `seti_` a setup intent at the
 * acquirer; `ch_` a charge (one authorization attempt; it is also the
 * attempt's network message id); `iauth_` Cardlane's issuer's
 * authorization; `tbauth_` the test bank's; a billing attempt id through
 * billing's resolvers; any other network message id (a reversal, a
 * capture) through the network's record to the authorization it belongs
 * to; a 3-D Secure check — Cardlane's issuer's challenge by its own id
 * (`chl_`, its page's handle) or the acquirer's id for it (`<attempt>.3ds`)
 * — through the attempt it followed. (`ch_` is also the issuer's prefix for
 * cardholders; a cardholder is not a payment and is not traced — use a card
 * and a time window.)
 */

export type SubjectKind = 'payment_intent' | 'setup_intent' | 'charge' | 'issuer_authorization' | 'network_message' | 'billing_attempt' | 'authentication';

/** The acquirer names a 3-D Secure check after the attempt it follows (acquirer/payments/payment-authentication.ts). */
const AUTHENTICATION_SUFFIX = '.3ds';

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
/** Charges of one payment intent or setup intent looked at, at most (the newest). */
export const MAX_CHARGES_PER_SUBJECT = 50;

/** Billing's resolvers, and the connection they read with (their contract: `resolve(sql, id)`). */
export interface BillingResolvers {
  readonly sql: Sql;
  readonly resolvers: readonly BillingAttemptResolver[];
}

export async function resolveSubject(ports: DoctorPorts, billing: BillingResolvers, id: string): Promise<Subject> {
  if (!ID_PATTERN.test(id)) throw new AppError('parameter_invalid', 'An id is 1 to 255 visible ASCII characters.', { param: 'id' });
  for (const resolver of billing.resolvers) {
    if (!resolver.handles(id)) continue;
    const attempt = await resolver.resolve(billing.sql, id);
    if (attempt === undefined) continue;
    // An id this Cardlane's acquirer does not know (billing pointed at an outside provider) leaves the trace at billing.
    const inner = attempt.acquirerObjectId === null ? null : await resolveAcquirerSide(ports, attempt.acquirerObjectId);
    const said = attempt.merchantId ?? null;
    if (inner !== null && inner.merchantId !== null && said !== null && inner.merchantId !== said) {
      throw new Error(`billing resolver ${resolver.name}: ${id} names ${attempt.acquirerObjectId}, which belongs to another merchant`);
    }
    return { kind: 'billing_attempt', id, merchantId: said ?? inner?.merchantId ?? null, attempts: inner?.attempts ?? [], billing: attempt };
  }
  const subject = await resolveAcquirerSide(ports, id);
  if (subject === null) throw notFound(id);
  return subject;
}

export function notFound(id: string): AppError {
  return new AppError('resource_missing', `No payment, setup, billing attempt, charge or authorization has the id '${id}'.`, { param: 'id' });
}

async function resolveAcquirerSide(ports: DoctorPorts, id: string): Promise<Subject | null> {
  const { acquirer, issuer, network, testBank } = ports;
  const authenticationId = id.endsWith(AUTHENTICATION_SUFFIX) ? id : id.startsWith('chl_') ? await issuer.authenticationOfChallenge?.(id) : undefined;
  if (authenticationId !== undefined) {
    if (!authenticationId.endsWith(AUTHENTICATION_SUFFIX)) return null;
    const charge = await acquirer.chargeByNetworkId(authenticationId.slice(0, -AUTHENTICATION_SUFFIX.length));
    return charge === undefined ? null : subjectOf(ports, 'authentication', id, charge.merchantId, [charge]);
  }
  if (id.startsWith('pi_')) {
    const intent = await acquirer.paymentIntent(id);
    if (intent === undefined) return null;
    return subjectOf(ports, 'payment_intent', id, intent.merchantId, await acquirer.chargesOfPaymentIntent(id, MAX_CHARGES_PER_SUBJECT));
  }
  if (id.startsWith('seti_')) {
    const intent = await acquirer.setupIntent(id);
    if (intent === undefined) return null;
    return subjectOf(ports, 'setup_intent', id, intent.merchantId, await acquirer.chargesOfSetupIntent(intent.merchantId, id, MAX_CHARGES_PER_SUBJECT));
  }
  if (id.startsWith('ch_')) {
    const charge = await acquirer.charge(id);
    return charge === undefined ? null : subjectOf(ports, 'charge', id, charge.merchantId, [charge]);
  }
  if (id.startsWith('iauth_')) {
    const authorization = await issuer.authorization(id);
    if (authorization === undefined) return null;
    const charge = await acquirer.chargeByNetworkId(authorization.requestId);
    if (charge !== undefined) return subjectOf(ports, 'issuer_authorization', id, charge.merchantId, [charge]);
    return { kind: 'issuer_authorization', id, merchantId: null, attempts: [await factsOfIssuerRecord(ports, authorization)], billing: null };
  }
  if (id.startsWith('tbauth_')) {
    const authorization = await testBank.authorization(id);
    const charge = authorization === undefined ? undefined : await acquirer.chargeByNetworkId(authorization.request_id);
    return charge === undefined ? null : subjectOf(ports, 'issuer_authorization', id, charge.merchantId, [charge]);
  }
  const message = await network.message(id);
  if (message === undefined || message.originalId === null) return null;
  const charge = await acquirer.chargeByNetworkId(message.originalId);
  if (charge !== undefined) return subjectOf(ports, 'network_message', id, charge.merchantId, [charge]);
  const authorization = await issuer.authorizationByRequest(message.originalId);
  if (authorization === undefined) return null;
  return { kind: 'network_message', id, merchantId: null, attempts: [await factsOfIssuerRecord(ports, authorization)], billing: null };
}

async function subjectOf(ports: DoctorPorts, kind: SubjectKind, id: string, merchantId: string, charges: readonly Charge[]): Promise<Subject> {
  const attempts = await Promise.all(charges.map((charge) => factsOfCharge(ports, charge)));
  return { kind, id, merchantId, attempts, billing: null };
}
