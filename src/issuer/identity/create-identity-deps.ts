import type { Clock } from '../../platform/clock.ts';
import { cryptoRandom, IdGenerator, type RandomSource } from '../../platform/ids.ts';
import type { CountryCode } from '../phone.ts';
import type { IdentityDeps } from './deps.ts';
import { SandboxKycProvider } from './kyc-provider.ts';
import { SandboxSmsProvider } from './sms-provider.ts';

/** Identity wiring with the sandbox SMS and KYC providers. */
export function createSandboxIdentityDeps(options: {
  readonly clock: Clock;
  readonly otpPepper: Buffer;
  readonly random?: RandomSource;
  /** The program's one id generator; tests without one get their own over `random`. */
  readonly ids?: IdGenerator;
  readonly defaultCountry?: CountryCode;
}): IdentityDeps {
  const random = options.random ?? cryptoRandom;
  const ids = options.ids ?? new IdGenerator(options.clock, random);
  return {
    clock: options.clock,
    random,
    ids,
    otpPepper: options.otpPepper,
    sms: new SandboxSmsProvider(ids),
    kyc: new SandboxKycProvider(random),
    ...(options.defaultCountry === undefined ? {} : { defaultCountry: options.defaultCountry }),
  };
}
