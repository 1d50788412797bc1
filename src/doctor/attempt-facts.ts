import type { Charge, RiskRule } from '../acquirer/index.ts';
import type { IssuerAuthorization } from '../issuer/index.ts';
import type { AuthorizationPurpose, Initiator } from '../network/messages.ts';
import type { NetworkMessageRecord, TestBankAuthorizationRow } from '../network/index.ts';
import type { AuthenticationRecord, CardSummary, PaymentMethodSummary } from './port-records.ts';
import type { DoctorPorts } from './ports.ts';

/**
 * Everything each party recorded about one authorization attempt, read
 * from each party's records and linked by the ids they share: the charge's
 * `network_id` is the network message id, which is the request id the
 * issuer's record names. Unscoped: views decide later what they show.
 */

export type IssuerFacts =
  | { readonly kind: 'cardlane'; readonly authorization: IssuerAuthorization }
  | { readonly kind: 'other'; readonly name: string; readonly authorization: TestBankAuthorizationRow };

export interface AttemptFacts {
  /** The charge id, or the network message id when no charge of this acquirer sent it. */
  readonly reference: string;
  readonly atMs: number;
  readonly charge: Charge | null;
  readonly merchant: { readonly id: string | null; readonly name: string | null; readonly mcc: string | null; readonly country: string | null };
  readonly paymentMethod: PaymentMethodSummary | null;
  readonly card: CardSummary;
  readonly purpose: AuthorizationPurpose;
  readonly initiator: Initiator;
  readonly amount: { readonly minor: number; readonly currency: string };
  /** The merchant rule that blocked this attempt, when one did (deleted rules too). */
  readonly rule: RiskRule | null;
  /** The network's records of this authorization and its follow-ups, the authorization first; empty when it never reached the network. */
  readonly network: readonly NetworkMessageRecord[];
  readonly issuer: IssuerFacts | null;
  /** The merchant's card verification hold, in minor units of its default currency (0: zero-amount verification). */
  readonly verificationHoldMinor: number;
  /** The 3-D Secure check the issuer's 1A sent the customer to, as the issuer's access control server kept it; absent when none. */
  readonly authentication?: AuthenticationRecord | null;
}

/** The facts of an attempt the acquirer recorded as `charge`. */
export async function factsOfCharge(ports: DoctorPorts, charge: Charge): Promise<AttemptFacts> {
  const [merchant, pm, network] = await Promise.all([
    ports.acquirer.merchant(charge.merchantId),
    ports.acquirer.paymentMethod(charge.merchantId, charge.paymentMethodId),
    ports.network.messagesOf(charge.networkId),
  ]);
  const ruleId = charge.blockedByRule;
  const rule = ruleId !== null && !ruleId.startsWith('builtin:') ? ((await ports.acquirer.rule(charge.merchantId, ruleId)) ?? null) : null;
  const authorization = network.find((m) => m.type === 'authorization') ?? null;
  return {
    reference: charge.id,
    atMs: charge.createdAtMs,
    charge,
    merchant: {
      id: charge.merchantId,
      name: merchant?.statementDescriptor ?? authorization?.merchant.name ?? null,
      mcc: merchant?.mcc ?? authorization?.merchant.mcc ?? null,
      country: merchant?.country ?? authorization?.merchant.country ?? null,
    },
    paymentMethod: pm ?? null,
    card: pm?.card ?? cardFromNetwork(authorization),
    purpose: charge.purpose,
    initiator: charge.initiator,
    amount: { minor: charge.amountMinor, currency: charge.currency.toLowerCase() },
    rule,
    network,
    issuer: await issuerFactsOf(ports, authorization?.issuer ?? null, charge.networkId),
    verificationHoldMinor: verificationHoldOf(merchant),
    authentication: charge.networkResponseCode === '1A' ? await authenticationOf(ports, authorization?.issuer ?? null, charge.networkId) : null,
  };
}

/**
 * The 3-D Secure check that followed an attempt answered 1A: the acquirer
 * names it after the attempt's network id (payment-authentication.ts), and
 * the card's issuer keeps it — Cardlane's own access control server, or the
 * test bank's.
 */
async function authenticationOf(ports: DoctorPorts, issuerName: string | null, networkId: string): Promise<AuthenticationRecord | null> {
  if (issuerName === null) return null;
  const id = `${networkId}.3ds`;
  const records = issuerName === ports.issuer.networkName ? ports.issuer : ports.testBank;
  return (await records.authentication?.(id)) ?? null;
}

/**
 * The facts of an authorization Cardlane's issuer recorded when no charge
 * of this acquirer sent it (another acquirer, or a message sent straight to
 * the network): the network's and the issuer's records only.
 */
export async function factsOfIssuerRecord(ports: DoctorPorts, authorization: IssuerAuthorization): Promise<AttemptFacts> {
  const network = await ports.network.messagesOf(authorization.requestId);
  return {
    reference: authorization.requestId,
    atMs: authorization.createdAtMs,
    charge: null,
    merchant: { id: authorization.merchant.merchantId, name: authorization.merchant.name, mcc: authorization.merchant.mcc, country: authorization.merchant.country },
    paymentMethod: null,
    card: { ...cardFromNetwork(network.find((m) => m.type === 'authorization') ?? null), last4: authorization.panLast4 },
    purpose: authorization.purpose,
    initiator: authorization.initiator,
    amount: { minor: authorization.amount.minor, currency: authorization.amount.currency.toLowerCase() },
    rule: null,
    network,
    issuer: { kind: 'cardlane', authorization },
    verificationHoldMinor: 0,
  };
}

async function issuerFactsOf(ports: DoctorPorts, issuerName: string | null, requestId: string): Promise<IssuerFacts | null> {
  if (issuerName === null) return null;
  if (issuerName === ports.issuer.networkName) {
    const authorization = await ports.issuer.authorizationByRequest(requestId);
    return authorization === undefined ? null : { kind: 'cardlane', authorization };
  }
  // Every other issuer behind the network today is a scripted test bank, which keeps its own books.
  const row = await ports.testBank.authorizationByRequest(requestId);
  return row === undefined ? null : { kind: 'other', name: issuerName, authorization: row };
}

function cardFromNetwork(message: NetworkMessageRecord | null): CardSummary {
  return {
    brand: message?.card.brand ?? 'unknown',
    last4: message?.card.last4 ?? null,
    funding: message?.card.funding ?? null,
    country: message?.card.country ?? null,
    fingerprint: null,
    paymentAccountReference: null,
  };
}

/** Read through `in`, so the doctor works before and after the acquirer gained the setting. */
function verificationHoldOf(merchant: object | undefined): number {
  if (merchant === undefined || !('cardVerificationAmountMinor' in merchant)) return 0;
  const amount = (merchant as { cardVerificationAmountMinor: unknown }).cardVerificationAmountMinor;
  return typeof amount === 'number' && Number.isSafeInteger(amount) && amount > 0 ? amount : 0;
}
