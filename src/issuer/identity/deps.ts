import type { Clock } from '../../platform/clock.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import type { CountryCode } from '../phone.ts';
import type { KycProvider } from './kyc-provider.ts';
import type { SmsProvider } from './sms-provider.ts';

/** What the identity services need from outside: time, randomness, secrets and providers. */
export interface IdentityDeps {
  readonly clock: Clock;
  /** For codes, tokens and keys; `cryptoRandom` outside tests. */
  readonly random: RandomSource;
  readonly ids: IdGenerator;
  /** The keyring's `otpPepper`. */
  readonly otpPepper: Buffer;
  readonly sms: SmsProvider;
  readonly kyc: KycProvider;
  /** Country a phone number without `+` is read in; none means `+` is required. */
  readonly defaultCountry?: CountryCode;
}
