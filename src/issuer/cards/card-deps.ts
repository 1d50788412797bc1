import type { Clock } from '../../platform/clock.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { SmsProvider } from '../identity/sms-provider.ts';
import type { Keyring } from '../keyring.ts';
import { cardProgram, type CardProgram } from './card-program.ts';

/** What the card services need from outside; time, randomness and secrets are injected. */
export interface CardDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** For PAN digits, encryption IVs and one-time codes: `cryptoRandom` outside tests. */
  readonly random: RandomSource;
  readonly keyring: Keyring;
  /** Pepper for one-time-code hashes (the keyring's `otpPepper`, shared with sign-in). */
  readonly otpPepper: Buffer;
  readonly sms: SmsProvider;
  readonly program: CardProgram;
  /**
   * The network's PAR of a card number (src/network/payment-account-reference.ts),
   * asked once when a card is opened; injected, so the issuer imports neither
   * the network's key nor any other party. Absent (tests that run no network):
   * cards are opened without one, and the next start's backfill fills it in.
   */
  readonly paymentAccountReference?: (pan: string) => string | null;
}

/** The card services' dependencies as a running Cardlane has them: its one id generator and randomness, the keyring of its data directory. */
export function runtimeCardDeps(input: {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: RandomSource;
  readonly keyring: Keyring;
  readonly sms: SmsProvider;
  /** The network's PAR function; the composition root passes it (see CardDeps). */
  readonly paymentAccountReference?: (pan: string) => string | null;
}): CardDeps {
  return {
    ledger: input.ledger,
    clock: input.clock,
    ids: input.ids,
    random: input.random,
    keyring: input.keyring,
    otpPepper: input.keyring.otpPepper,
    sms: input.sms,
    program: cardProgram(),
    paymentAccountReference: input.paymentAccountReference,
  };
}
