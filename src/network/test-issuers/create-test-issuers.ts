import type { IssuerEndpoint } from '../messages.ts';
import { TestBank, type TestBankDeps } from './test-bank.ts';

/** The scripted issuers the default BIN table routes test cards to (today one bank, `test-bank`). */
export function createTestIssuers(deps: TestBankDeps): IssuerEndpoint[] {
  return [new TestBank(deps)];
}

/** The test bank itself, for the network module to serve its 3-D Secure challenge page. */
export function createTestBank(deps: TestBankDeps): TestBank {
  return new TestBank(deps);
}
