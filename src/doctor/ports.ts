import type { Merchant, Charge, RiskRule } from '../acquirer/index.ts';
import type { IssuerAuthorization } from '../issuer/index.ts';
import type { NetworkMessageRecord, TestBankAuthorizationRow } from '../network/index.ts';
import type { AuthorizationCount, RecordPosition } from './decline-stats-records.ts';
import type { AuthenticationRecord, IssuerCardRecord, PaymentIntentSummary, PaymentMethodSummary, SetupIntentSummary, TimeWindow } from './port-records.ts';
import type { AcquirerDisputeRecord, IssuerDisputeRecord, NetworkDisputeMessageRecord } from './dispute-records.ts';

/**
 * What the doctor reads from each party, declared here by the doctor (the
 * consumer owns the port) and implemented by each party in its own folder
 * with its own SQL: src/acquirer/doctor-records.ts,
 * src/issuer/doctor-records.ts, src/network/doctor-records.ts and
 * src/network/test-issuers/doctor-records.ts. Merchant billing's port is
 * `BillingAttemptResolver` (billing-resolver.ts).
 *
 * Every method reads only; none returns a card number, sealed or not: the
 * acquirer and the issuer recognise the same card account by its payment
 * account reference (PAR), which the network assigns. Lists are bounded by
 * the `limit` the doctor passes; a party may cap it lower.
 */

export interface AcquirerRecords {
  charge(id: string): Promise<Charge | undefined>;
  /** The charge that sent network message `networkId` (the id an issuer's record names as its request). */
  chargeByNetworkId(networkId: string): Promise<Charge | undefined>;
  paymentIntent(id: string): Promise<PaymentIntentSummary | undefined>;
  /** The newest `limit` charges of a payment intent, oldest first. */
  chargesOfPaymentIntent(paymentIntentId: string, limit: number): Promise<Charge[]>;
  setupIntent(id: string): Promise<SetupIntentSummary | undefined>;
  /** The newest `limit` charges of a setup intent at its merchant, oldest first. */
  chargesOfSetupIntent(merchantId: string, setupIntentId: string, limit: number): Promise<Charge[]>;
  /** Charges of one card (by the acquirer's fingerprint) at one merchant, newest first. */
  chargesOfCardAtMerchant(merchantId: string, fingerprint: string, limit: number): Promise<Charge[]>;
  /** Charges of one card account (by its PAR) at any merchant in [fromMs, toMs), oldest first. */
  chargesOfCardAccount(paymentAccountReference: string, window: TimeWindow, limit: number): Promise<Charge[]>;
  paymentMethod(merchantId: string, id: string): Promise<PaymentMethodSummary | undefined>;
  merchant(id: string): Promise<Merchant | undefined>;
  /** One of the merchant's rules, even if deleted since (its row is kept for exactly this). */
  rule(merchantId: string, ruleId: string): Promise<RiskRule | undefined>;
  /** The rules the merchant's payments are checked against now, oldest first. */
  activeRules(merchantId: string): Promise<RiskRule[]>;
  /** Whether `token` has the shape of a merchant API key (no I/O). */
  looksLikeApiKey(token: string): boolean;
  /** The merchant a live API key belongs to, and the key's kind; undefined when unknown or revoked. */
  apiKey(token: string): Promise<{ readonly merchantId: string; readonly kind: 'secret' | 'publishable' } | undefined>;
  /** A dispute (`du_…`), by its id or by the network chargeback it was opened for. */
  dispute(id: string): Promise<AcquirerDisputeRecord | undefined>;
  disputeOfChargeback(networkChargebackId: string): Promise<AcquirerDisputeRecord | undefined>;
}

export interface IssuerRecords {
  /** The name the network routes Cardlane's issuer by: a network record naming it is this issuer's decision. */
  readonly networkName: string;
  /** Cardlane's issuer's decision on network request `requestId`. */
  authorizationByRequest(requestId: string): Promise<IssuerAuthorization | undefined>;
  authorization(id: string): Promise<IssuerAuthorization | undefined>;
  /** A card's decisions in [fromMs, toMs), newest first. */
  authorizationsOfCard(cardId: string, window: TimeWindow, limit: number): Promise<IssuerAuthorization[]>;
  card(cardId: string): Promise<IssuerCardRecord | undefined>;
  /** The cardholder's cards (closed ones too), newest first. */
  cardsOfCardholder(cardholderId: string): Promise<IssuerCardRecord[]>;
  /** The cardholder of the issuer's card with this payment account reference; undefined when no card of this issuer has it. */
  cardholderOfCardAccount(paymentAccountReference: string): Promise<string | undefined>;
  kycStatus(cardholderId: string): Promise<string | undefined>;
  /** Whether `token` has the shape of an operator key (no I/O). */
  looksLikeOperatorKey(token: string): boolean;
  operatorKeyIsLive(token: string): Promise<boolean>;
  /** Whether `token` has the shape of an operator console session (the `cardlane_operator` cookie's token; no I/O). */
  looksLikeOperatorSession(token: string): boolean;
  /** Whether it is a live console session whose operator key is live. */
  operatorSessionIsLive(token: string, nowMs: number): Promise<boolean>;
  /** The cardholder a live session token belongs to; undefined when unknown, expired or revoked. */
  sessionCardholder(token: string, nowMs: number): Promise<string | undefined>;
  /** A cardholder's dispute (`idsp_…`, also the id of the chargeback it sent) with the steps the cardholder was told. */
  dispute(id: string): Promise<IssuerDisputeRecord | undefined>;
  /** A 3-D Secure authentication of Cardlane's access control server, by the id the acquirer gave it. */
  authentication?(id: string): Promise<AuthenticationRecord | undefined>;
  /** The id the acquirer gave the authentication whose challenge has this id (`chl_…`, its page's handle); undefined when none has. */
  authenticationOfChallenge?(challengeId: string): Promise<string | undefined>;
}

export interface NetworkRecords {
  /** Authorizations answered in [fromMs, toMs), counted by who decided, the response code and the reason. */
  authorizationCounts(window: TimeWindow): Promise<AuthorizationCount[]>;
  /** Declined authorizations answered in [fromMs, toMs), newest first, from just after `after` (null: the newest). */
  declinedAuthorizations(window: TimeWindow, after: RecordPosition | null, limit: number): Promise<NetworkMessageRecord[]>;
  message(id: string): Promise<NetworkMessageRecord | undefined>;
  /** Every message about one authorization, the authorization itself first. */
  messagesOf(authorizationId: string): Promise<NetworkMessageRecord[]>;
  /** Every dispute message of one chargeback (chargeback, representment, decision), in order. */
  disputeMessagesOf(chargebackId: string): Promise<NetworkDisputeMessageRecord[]>;
}

/** The scripted test bank behind the network, which keeps its own books. */
export interface TestBankRecords {
  authorizationByRequest(requestId: string): Promise<TestBankAuthorizationRow | undefined>;
  authorization(id: string): Promise<TestBankAuthorizationRow | undefined>;
  /** A 3-D Secure authentication of the test bank's access control server. */
  authentication?(id: string): Promise<AuthenticationRecord | undefined>;
}

export interface DoctorPorts {
  readonly acquirer: AcquirerRecords;
  readonly issuer: IssuerRecords;
  readonly network: NetworkRecords;
  readonly testBank: TestBankRecords;
}
