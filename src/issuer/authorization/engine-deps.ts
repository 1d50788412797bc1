import type { Clock } from '../../platform/clock.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { Keyring } from '../keyring.ts';
import type { DeclineLimits } from './decline-limiter.ts';
import type { Notifier } from '../notifications/notifier.ts';
import type { IssuerFx } from './foreign-exchange.ts';
import type { ThreeDSecurePolicy } from '../authentication/policy.ts';

/** What the engine's steps share inside a batch; time, ids and secrets are injected. */
export interface EngineDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly keyring: Keyring;
  /** How long an approved authorization holds funds before it expires. */
  readonly holdTtlMs: number;
  /** Card-testing limits; DEFAULT_DECLINE_LIMITS when absent. */
  readonly declineLimits?: DeclineLimits;
  /** Records the cardholder's notifications of decisions and follow-ups; none when absent. */
  readonly notifier?: Notifier;
  /** Rates and the cross-border fee for payments in other currencies (foreign-exchange.ts); USD only when absent. */
  readonly fx?: IssuerFx;
  /** When the program asks for 3-D Secure (authentication/policy.ts); never when absent. */
  readonly threeDSecure?: ThreeDSecurePolicy;
}

/** Holds usually expire after 7 days (Stripe, the networks' defaults for card-not-present). */
export const DEFAULT_HOLD_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Lodging holds can run 31 days; nothing of ours should hold longer. */
export const MAX_HOLD_TTL_MS = 31 * 24 * 60 * 60 * 1000;
