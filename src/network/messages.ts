/**
 * The card network's messages: what an acquirer sends towards an issuer and
 * what comes back, with ISO 8583 meaning (message type, field 39 response
 * code, AVS and CVV2 results) in typed form. This file is the contract
 * between the acquirer (`src/acquirer`), the network (`src/network`) and
 * every issuer behind it (Cardlane's own in `src/issuer/authorization`, the
 * scripted test banks in `src/network/test-issuers`): none of them reads
 * another's tables.
 *
 * Identity and retries. Every message has an `id` chosen by its sender that
 * is unique for that message (an ISO 8583 retrieval reference number). A
 * message re-sent with the same id is a *repeat* (ISO 8583 MTI x01): the
 * receiver answers it with the response it gave the first time and never
 * acts twice. That is what makes every hop safe to retry after a time-out or
 * a crash. Follow-up messages name the authorization they belong to by its
 * `originalId`.
 *
 * Card data travels only in memory: `pan` and `cvv2` are never written to a
 * table or a log by anyone (the network keeps the BIN and the last four).
 */

import type { Database, Tx } from '../platform/db/database.ts';

/** ISO 8583 field 39 response codes Cardlane uses (two-character Visa form), with their meaning. */
export const ISO_RESPONSE_CODES = {
  '00': 'approved',
  '03': 'invalid merchant',
  '04': 'pick up card',
  '05': 'do not honour',
  '12': 'invalid transaction',
  '13': 'invalid amount',
  '14': 'invalid card number',
  '15': 'no such issuer',
  '41': 'lost card',
  '43': 'stolen card',
  '51': 'not sufficient funds',
  '54': 'expired card',
  '57': 'transaction not permitted to cardholder',
  '59': 'suspected fraud',
  '61': 'exceeds amount limit',
  '62': 'restricted card',
  '65': 'exceeds frequency limit',
  '91': 'issuer or switch inoperative',
  '93': 'transaction cannot be completed, violation of law',
  '94': 'duplicate transmission',
  '96': 'system malfunction',
  N7: 'CVV2 mismatch',
  // Visa's soft decline for SCA: the issuer wants the cardholder authenticated (3-D Secure) before it decides.
  '1A': 'additional customer authentication required',
} as const;

export type IsoResponseCode = keyof typeof ISO_RESPONSE_CODES;

export function isIsoResponseCode(code: unknown): code is IsoResponseCode {
  return typeof code === 'string' && Object.hasOwn(ISO_RESPONSE_CODES, code);
}

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay' | 'unknown';
export type CardFunding = 'credit' | 'debit' | 'prepaid' | 'unknown';

/** Customer-initiated (the cardholder is present and acting) or merchant-initiated (a stored card charged off-session). */
export type Initiator = 'customer' | 'merchant';

/** POS entry mode, card-not-present only: typed by the customer, or a stored credential on file. */
export type EntryMode = 'ecommerce' | 'credential_on_file';

/**
 * `purchase`: a payment. `account_verification`: a check that the card is
 * good (Stripe's setup intents and card attach), for a zero or small amount
 * that the acquirer reverses at once; it never moves money.
 */
export type AuthorizationPurpose = 'purchase' | 'account_verification';

export interface Money {
  /** Integer minor units of `currency` (cents for USD). */
  readonly minor: number;
  /** ISO 4217, upper case. */
  readonly currency: string;
}

/** The card acceptor: who is charging. */
export interface MerchantData {
  /** The acquirer's own name for itself, e.g. `cardlane-acquirer`. */
  readonly acquirerId: string;
  /** The merchant's id at its acquirer (card acceptor id). */
  readonly merchantId: string;
  /** As it appears on the cardholder's statement. */
  readonly name: string;
  /** Merchant category code, 4 digits. */
  readonly mcc: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
}

/** Card data as the acquirer received it. In memory only. */
export interface CardData {
  readonly pan: string;
  readonly expMonth: number;
  /** Four digits. */
  readonly expYear: number;
  /** Null when the merchant did not collect it (off-session charges never have it). */
  readonly cvv2: string | null;
}

/** AVS data the merchant collected (null fields were not collected). */
export interface AvsData {
  readonly line1: string | null;
  readonly postalCode: string | null;
}

/** Account-name verification's answer (Visa ANI): the whole name, some of it (given or family name, initials), none of it; `unavailable` when the issuer has no name to compare with. */
export type NameCheckResult = 'match' | 'partial_match' | 'no_match' | 'unavailable';

/** Result of the address check, per field. */
export type CheckResult = 'pass' | 'fail' | 'unavailable' | 'unchecked';

export interface AvsResult {
  readonly line1: CheckResult;
  readonly postalCode: CheckResult;
}

/** 0100 authorization request. */
export interface AuthorizationRequest {
  readonly type: 'authorization';
  /** Unique per attempt, chosen by the acquirer; a resend with the same id is a repeat. */
  readonly id: string;
  readonly purpose: AuthorizationPurpose;
  readonly card: CardData;
  readonly amount: Money;
  readonly merchant: MerchantData;
  readonly entryMode: EntryMode;
  readonly initiator: Initiator;
  readonly avs: AvsData | null;
  /**
   * The merchant's own id of the customer account paying (Stripe's customer
   * id), so an issuer can limit how many accounts at one merchant a card
   * pays for. Null when the merchant has no customer object.
   */
  readonly merchantCustomerRef: string | null;
  /**
   * Stored credential (Visa's original transaction id, Mastercard's trace
   * id): the `id` of the earlier authorization of this card at this merchant
   * that was approved with its CVV2 matched — the customer-initiated one that
   * stored the credential. Later payments without CVV2 (merchant-initiated,
   * or customer-initiated on file) carry it; an issuer may refuse a payment
   * without CVV2 that has none. Absent or null: no stored credential.
   */
  readonly storedCredentialOriginalId?: string | null;
  /**
   * The 3-D Secure result this authorization carries (Visa's CAVV and ECI in
   * field 126 / Mastercard's AAV): present on the retry after the cardholder
   * authenticated with the issuer; absent or null otherwise.
   */
  readonly authentication?: AuthenticationData | null;
  /**
   * Account-name verification (Visa ANI, Mastercard name validation): the
   * cardholder name the customer gave the merchant, for the issuer to
   * compare with the name on the card. Absent or null: not asked.
   */
  readonly cardholderName?: string | null;
  readonly sentAtMs: number;
}

/** The issuer's proof that it authenticated the cardholder for one payment (3-D Secure). */
export interface AuthenticationData {
  /** The authentication's id (the 3DS server transaction id the acquirer chose). */
  readonly transactionId: string;
  /** The issuer's authentication value (CAVV-like): a MAC over the transaction the issuer checks on authorization. */
  readonly value: string;
  /** Electronic commerce indicator: `05` fully authenticated (Visa), `07` not authenticated. */
  readonly eci: string;
}

/**
 * 3-D Secure authentication request (EMV 3DS AReq), acquirer → network →
 * issuer's access control server, sent when an issuer answered 1A. The id is
 * chosen by the acquirer; a repeat (same id) gets the first answer, so a
 * retry after a crash never opens a second challenge.
 */
export interface AuthenticationRequest {
  readonly type: 'authentication';
  readonly id: string;
  readonly purpose: AuthorizationPurpose;
  /** The card (in memory only); `cvv2` is always null. */
  readonly card: CardData;
  readonly amount: Money;
  readonly merchant: MerchantData;
  /** Where the challenge page sends the cardholder's browser when it ends (EMV 3DS notification URL); the acquirer's. */
  readonly notificationUrl: string;
  readonly sentAtMs: number;
}

/**
 * `authenticated`: done (frictionless, or the challenge passed), with the
 * value to send on the authorization. `challenge`: the cardholder must open
 * `challengeUrl` (the issuer's page) before `expiresAtMs`. `failed`: the
 * challenge failed (wrong code too many times, or the cardholder declined
 * it). `expired`: abandoned. `not_supported`: the card's issuer runs no
 * 3-D Secure (the network answers this for an issuer without one).
 */
export type AuthenticationStatus = 'authenticated' | 'challenge' | 'failed' | 'expired' | 'not_supported';

/** The answer to an AuthenticationRequest, and to asking for its result later. */
export interface AuthenticationResponse {
  readonly type: 'authentication_response';
  readonly id: string;
  readonly status: AuthenticationStatus;
  /** The issuer's challenge page (a path on Cardlane's server, never carrying card data) while `challenge`, else null. */
  readonly challengeUrl: string | null;
  readonly expiresAtMs: number | null;
  readonly authentication: AuthenticationData | null;
  /** A stable snake_case code: `frictionless`, `challenge_required`, `challenge_passed`, `too_many_wrong_codes`, `declined_by_cardholder`, `abandoned`, … */
  readonly reason: string;
  readonly issuer: string | null;
}

/** 0100 with an incremental indicator: raise an approved authorization's amount by `amount`. */
export interface IncrementalAuthorizationRequest {
  readonly type: 'incremental_authorization';
  readonly id: string;
  readonly originalId: string;
  /** The increase, not the new total. */
  readonly amount: Money;
  readonly sentAtMs: number;
}

/** 0400 reversal: release all (`amount` null) or part of what is still held. */
export interface ReversalRequest {
  readonly type: 'reversal';
  readonly id: string;
  readonly originalId: string;
  readonly amount: Money | null;
  readonly sentAtMs: number;
}

/**
 * Clearing (the capture, a first presentment). Several clearings may follow
 * one authorization; the one with `final: true` closes it and releases
 * whatever it still holds.
 */
export interface ClearingRequest {
  readonly type: 'clearing';
  readonly id: string;
  readonly originalId: string;
  readonly amount: Money;
  readonly final: boolean;
  readonly sentAtMs: number;
}

/** A refund (credit) against a cleared authorization; several partial refunds may follow one another. */
export interface RefundRequest {
  readonly type: 'refund';
  readonly id: string;
  readonly originalId: string;
  readonly amount: Money;
  readonly sentAtMs: number;
}

export type FollowUpRequest = IncrementalAuthorizationRequest | ReversalRequest | ClearingRequest | RefundRequest;

/** Who made the decision an acquirer receives. */
export type DecidedBy = 'issuer' | 'network';

/** 0110 authorization response (also the answer to an incremental authorization). */
export interface AuthorizationResponse {
  readonly type: 'authorization_response';
  /** The request's id. */
  readonly id: string;
  readonly responseCode: IsoResponseCode;
  readonly approved: boolean;
  /** Six letters or digits when approved (ISO 8583's element 38, an 6), null otherwise. */
  readonly approvalCode: string | null;
  /** The amount held: the request's amount when approved (for an incremental, the increase), 0 when declined. */
  readonly approvedAmount: Money;
  /**
   * ISO 8583 fields 6 and 51, cardholder billing amount and currency: what
   * the payment costs in the card's own currency, as the issuer converted it
   * (its rate and cross-border fee). Present only when the transaction's
   * currency (fields 4 and 49, `approvedAmount`'s) differs from the card's;
   * absent for a same-currency payment and for an answer that says nothing
   * about the card (declines_limited).
   */
  readonly cardholderBilling?: Money;
  readonly avs: AvsResult;
  readonly cvv2: CheckResult;
  /** The issuer's answer to a name sent in `cardholderName`; absent when none was sent (or the issuer does not check names). */
  readonly nameCheck?: NameCheckResult;
  /**
   * The issuer's own reason, a stable snake_case code (`approved`,
   * `insufficient_funds`, `card_frozen`, `cvv2_mismatch`, …) that refines the
   * ISO code; the acquirer maps both to Stripe's `decline_code`.
   */
  readonly reason: string;
  /** The issuer's record of this decision (for traces), null when the network decided in its stead. */
  readonly issuerAuthorizationId: string | null;
  readonly decidedBy: DecidedBy;
  /** The issuer the network routed to (`cardlane`, `test-bank`, …), null when no issuer has the BIN. */
  readonly issuer: string | null;
}

/** The answer to a reversal, clearing or refund. */
export interface FollowUpResponse {
  readonly type: 'follow_up_response';
  readonly id: string;
  readonly originalId: string;
  /** `00` done; `12` no such original or not allowed in its state; `13` amount over what remains; `91`/`96` retry later. */
  readonly responseCode: IsoResponseCode;
  readonly reason: string;
  /** What the message moved (held, released, cleared or refunded), 0 when refused. */
  readonly amount: Money;
  readonly decidedBy: DecidedBy;
}

/**
 * 0120 advice: tells an issuer about a decision the network made in its
 * stead (a stand-in decline after a time-out), so its records and the
 * cardholder's statement show the attempt. Carries the card for routing and
 * matching; like every message, in memory only.
 */
export interface AuthorizationAdvice {
  readonly type: 'advice';
  readonly id: string;
  readonly request: AuthorizationRequest;
  readonly response: AuthorizationResponse;
}

/**
 * The network's record of an issuer's answer, offered to an issuer that
 * keeps its books in the network's own database (Cardlane's issuer and the
 * test bank, in process). Such an issuer writes the record in the
 * transaction of its decision, so that one commit — one fsync — makes both
 * durable, where the issuer's commit and then the network's would take two
 * in a row. Any other issuer ignores it, and the network writes the record
 * itself.
 */
export interface AnswerRecorder<R extends AuthorizationResponse | FollowUpResponse = AuthorizationResponse> {
  /** Where the record goes: an issuer uses the recorder only if this is its own database. */
  readonly db: Database;
  /** Writes the network's record of the issuer's answer, inside the issuer's transaction. */
  record(tx: Tx, response: R): Promise<void>;
}

/** What every issuer behind the network implements. */
export interface IssuerEndpoint {
  /** A stable name used in routing tables and traces. */
  readonly name: string;
  authorize(request: AuthorizationRequest, recorder?: AnswerRecorder): Promise<AuthorizationResponse>;
  incrementAuthorization(request: IncrementalAuthorizationRequest, recorder?: AnswerRecorder): Promise<AuthorizationResponse>;
  reverse(request: ReversalRequest, recorder?: AnswerRecorder<FollowUpResponse>): Promise<FollowUpResponse>;
  clear(request: ClearingRequest, recorder?: AnswerRecorder<FollowUpResponse>): Promise<FollowUpResponse>;
  refund(request: RefundRequest, recorder?: AnswerRecorder<FollowUpResponse>): Promise<FollowUpResponse>;
  advise(advice: AuthorizationAdvice): Promise<void>;
  /** 3-D Secure (optional: an issuer without an access control server leaves it out and the network answers `not_supported`). */
  authenticate?(request: AuthenticationRequest): Promise<AuthenticationResponse>;
  /** Where an authentication stands now (the EMV 3DS result message, pulled): the card routes it, `id` names it. */
  authenticationResult?(id: string): Promise<AuthenticationResponse>;
}

// --- Disputes (issue 17) ------------------------------------------------------
//
// A dispute runs the other way round: the issuer sends a chargeback through
// the network to the acquirer of the original authorization; the acquirer
// answers with a representment (the merchant's evidence) or accepts it; the
// issuer sends its final decision. Pre-arbitration and arbitration are out of
// scope: the issuer's decision after a representment is final. Every message
// carries its sender's name (`sender`) and an id the sender chose; the network
// checks the sender is the party of the original authorization, keeps every
// message, and answers a repeat (same id) with its first answer. Reason codes
// are the networks' own (src/network/disputes/reason-codes.ts holds the table
// for Visa and Mastercard).

/** What the cardholder says went wrong, in the networks' families. */
export type DisputeCategory = 'fraud' | 'product_not_received' | 'duplicate' | 'credit_not_processed' | 'not_as_described';

/** Issuer → network → acquirer: take back `amount` (all or part of what was cleared and not refunded). */
export interface ChargebackRequest {
  readonly type: 'chargeback';
  readonly id: string;
  /** The issuer's name on the network (must be the issuer that approved the original). */
  readonly sender: string;
  /** The authorization being disputed. */
  readonly originalId: string;
  /** `inquiry`: a retrieval request, no money moves until it becomes a chargeback (Stripe's `warning_*`). */
  readonly kind: 'chargeback' | 'inquiry';
  readonly category: DisputeCategory;
  /** The network reason code for the card's scheme, e.g. `13.1` (Visa) or `4853` (Mastercard). */
  readonly reasonCode: string;
  readonly amount: Money;
  /** The cardholder's own account of it, as the issuer forwards it (at most 2,000 characters). */
  readonly cardholderStatement: string;
  /** The network's deadline for the merchant's answer. */
  readonly respondByMs: number;
  readonly sentAtMs: number;
}

/** Acquirer → network → issuer: the merchant's answer to a chargeback. */
export interface RepresentmentRequest {
  readonly type: 'representment';
  readonly id: string;
  /** The acquirer's name on the network (must be the acquirer of the original). */
  readonly sender: string;
  /** The chargeback's message id. */
  readonly chargebackId: string;
  /** `represent`: the merchant contests with evidence; `accept`: the merchant accepts the loss (or let the deadline pass). */
  readonly action: 'represent' | 'accept';
  /** Evidence as named text fields (Stripe's `evidence[...]`), each at most 20,000 characters. */
  readonly evidence: Readonly<Record<string, string>>;
  readonly sentAtMs: number;
}

/** Issuer → network → acquirer: the issuer's final decision after a representment. */
export interface DisputeDecisionRequest {
  readonly type: 'dispute_decision';
  readonly id: string;
  readonly sender: string;
  readonly chargebackId: string;
  /** `merchant`: the chargeback is reversed and the money goes back to the merchant. */
  readonly winner: 'cardholder' | 'merchant';
  readonly sentAtMs: number;
}

export type DisputeMessage = ChargebackRequest | RepresentmentRequest | DisputeDecisionRequest;

/** The answer to any dispute message. */
export interface DisputeMessageResponse {
  readonly type: 'dispute_response';
  readonly id: string;
  /** `00` taken; `12` not allowed (unknown original, wrong sender or state); `13` amount over what may be disputed; `94` id reused; `91`/`96` retry later with the same id. */
  readonly responseCode: IsoResponseCode;
  readonly reason: string;
  /** The receiver's own record of the case (the acquirer's `du_…`, the issuer's dispute id), null when refused. */
  readonly receiverRef: string | null;
  readonly decidedBy: DecidedBy;
}

/** What an acquirer implements to receive disputes from the network. */
export interface DisputeAcquirerEndpoint {
  /** The acquirer's id as its merchants' authorizations carry it (`MerchantData.acquirerId`). */
  readonly acquirerId: string;
  receiveChargeback(request: ChargebackRequest): Promise<DisputeMessageResponse>;
  receiveDecision(request: DisputeDecisionRequest): Promise<DisputeMessageResponse>;
  /** Absent: the acquirer takes no fraud reports (the network answers 12 `fraud_reports_not_taken`). */
  receiveFraudReport?(request: FraudReportRequest): Promise<DisputeMessageResponse>;
}

/**
 * The kinds of fraud an issuer reports (Visa TC40 / Mastercard SAFE), as
 * Stripe names them on an early fraud warning's `fraud_type`.
 */
export const FRAUD_TYPES = [
  'card_never_received',
  'fraudulent_card_application',
  'made_with_counterfeit_card',
  'made_with_lost_card',
  'made_with_stolen_card',
  'misc',
  'unauthorized_use_of_card',
] as const;
export type FraudType = (typeof FRAUD_TYPES)[number];

/**
 * Issuer → network → acquirer: the cardholder reported a payment as fraud
 * (Visa TC40, Mastercard SAFE). No money moves: it warns the merchant, who
 * may refund before a chargeback comes (Stripe's early fraud warning). One
 * per authorization; a repeat (same id) gets the first answer.
 */
export interface FraudReportRequest {
  readonly type: 'fraud_report';
  readonly id: string;
  /** The issuer's name on the network (must be the issuer that approved the original). */
  readonly sender: string;
  readonly originalId: string;
  readonly fraudType: FraudType;
  readonly sentAtMs: number;
}

/** What an issuer implements to receive the merchant's answers to its chargebacks. */
export interface DisputeIssuerEndpoint {
  readonly name: string;
  receiveRepresentment(request: RepresentmentRequest): Promise<DisputeMessageResponse>;
}

/** The network's dispute service as the parties reach it. */
export interface DisputeNetwork {
  chargeback(request: ChargebackRequest): Promise<DisputeMessageResponse>;
  represent(request: RepresentmentRequest): Promise<DisputeMessageResponse>;
  decide(request: DisputeDecisionRequest): Promise<DisputeMessageResponse>;
  reportFraud(request: FraudReportRequest): Promise<DisputeMessageResponse>;
}
