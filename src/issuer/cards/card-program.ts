import { validateBillingAddress, type BillingAddress } from '../billing-address.ts';
import { isValidBin } from '../card-number.ts';

/**
 * The card program's settings. Defaults:
 *
 * - BIN `45300000`: an 8-digit Visa-range (leading 4) BIN chosen for the
 *   sandbox; 8 digits leave 10^7 card numbers, plenty for a sandbox and few
 *   enough that the network's BIN table is unambiguous. Real programs get
 *   theirs from their sponsor bank; change it here.
 * - At most 5 cards per cardholder that are not closed (closed cards do
 *   not count, so a cardholder can replace a card).
 * - Opening fee $2.00, waived for cardholders who used an invite code.
 * - The billing address printed with every card and checked by AVS: the
 *   program's registered address in the US (as with most cross-border
 *   virtual-card programs, the address is the program's, not the person's).
 */
export interface CardProgram {
  readonly bin: string;
  readonly maxCardsPerCardholder: number;
  readonly openingFeeUsdMinor: number;
  readonly billingAddress: BillingAddress;
  readonly validityYears: number;
}

export const DEFAULT_CARD_PROGRAM: CardProgram = {
  bin: '45300000',
  maxCardsPerCardholder: 5,
  openingFeeUsdMinor: 200,
  billingAddress: { line1: '548 Market St', line2: 'PMB 72810', city: 'San Francisco', state: 'CA', postal_code: '94104', country: 'US' },
  validityYears: 3,
};

/** Checks a program and returns it with its address in canonical form; throws on a configuration mistake. */
export function cardProgram(overrides: Partial<CardProgram> = {}): CardProgram {
  const program = { ...DEFAULT_CARD_PROGRAM, ...overrides };
  if (!isValidBin(program.bin)) throw new RangeError(`card program: BIN must be 6–8 digits not starting with 0, got ${JSON.stringify(program.bin)}`);
  if (!Number.isSafeInteger(program.maxCardsPerCardholder) || program.maxCardsPerCardholder < 1 || program.maxCardsPerCardholder > 100) {
    throw new RangeError('card program: maxCardsPerCardholder must be 1–100');
  }
  if (!Number.isSafeInteger(program.openingFeeUsdMinor) || program.openingFeeUsdMinor < 0 || program.openingFeeUsdMinor > 100_000) {
    throw new RangeError('card program: openingFeeUsdMinor must be 0–100000 cents');
  }
  if (!Number.isSafeInteger(program.validityYears) || program.validityYears < 1 || program.validityYears > 10) {
    throw new RangeError('card program: validityYears must be 1–10');
  }
  const address = validateBillingAddress(program.billingAddress);
  if (!address.ok) throw new RangeError(`card program: billing address ${address.param}: ${address.message}`);
  return { ...program, billingAddress: address.address };
}
