import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { IdGenerator, RandomSource } from '../platform/ids.ts';
import type { Ledger } from '../ledger/index.ts';
import type { CvcCache } from './cards/vault.ts';
import type { WebhookNetworkPolicy } from './webhooks/webhook-address-policy.ts';
import type {
  AuthenticationRequest,
  AuthenticationResponse,
  AuthorizationRequest,
  AuthorizationResponse,
  CardBrand,
  CardFunding,
  ClearingRequest,
  DisputeNetwork,
  FollowUpResponse,
  IncrementalAuthorizationRequest,
  RefundRequest,
  ReversalRequest,
} from '../network/messages.ts';

/** What the acquirer knows about a card number from the network's BIN table. */
export interface CardInfo {
  readonly brand: CardBrand;
  readonly country: string;
  readonly funding: CardFunding;
  /** The issuer's display name, when known. */
  readonly issuerName?: string;
}

/** The part of the card network the acquirer uses (`CardNetwork` in src/network has this shape). */
export interface AcquirerNetwork {
  lookupCard(pan: string): CardInfo | null;
  /** The card account's payment account reference (EMVCo PAR), when the network assigns them; optional so a stub network need not. */
  paymentAccountReference?(pan: string): string | null;
  authorize(request: AuthorizationRequest): Promise<AuthorizationResponse>;
  incrementAuthorization(request: IncrementalAuthorizationRequest): Promise<AuthorizationResponse>;
  reverse(request: ReversalRequest): Promise<FollowUpResponse>;
  clear(request: ClearingRequest): Promise<FollowUpResponse>;
  refund(request: RefundRequest): Promise<FollowUpResponse>;
  /** 3-D Secure through the network's directory server; optional so a stub network need not (then no challenge is offered). */
  authenticate?(request: AuthenticationRequest): Promise<AuthenticationResponse>;
  authenticationResult?(pan: string, id: string): Promise<AuthenticationResponse>;
}

/** Everything the acquirer's endpoints and jobs share. */
export interface AcquirerDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: RandomSource;
  readonly ledger: Ledger;
  readonly network: AcquirerNetwork;
  /** The acquirer's name on the network (card acceptor's acquirer id). */
  readonly acquirerId: string;
  /** The acquirer's 32-byte vault key: sealing card numbers and keying fingerprints each use a subkey derived from it (cards/vault.ts). */
  readonly vaultKey: Buffer;
  /** CVCs held for moments between tokenizing and charging, bounded per merchant (see cards/vault.ts): the endpoints that take a card and the ones that charge it share this one. */
  readonly cvcCache: CvcCache;
  /** Where webhooks may go; absent means public addresses only (see webhooks/webhook-address-policy.ts). */
  readonly webhookNetwork?: WebhookNetworkPolicy;
  /** The network's dispute service (representments); absent in tests that wire no disputes. */
  readonly disputes?: DisputeNetwork;
  /** Requests per second per API key before 429 `rate_limit`; absent or 0 is no limit (stripe/api-rate-limit.ts). */
  readonly apiRequestsPerSecond?: number;
}
