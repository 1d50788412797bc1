import type { Clock } from '../../platform/clock.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import type { SmsProvider } from '../identity/sms-provider.ts';
import type { Keyring } from '../keyring.ts';
import type { CardProgram } from './card-program.ts';

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
}
