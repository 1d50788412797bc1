/**
 * Dollars as people type them into the billing page. Amounts are shown from
 * the API's `formatted` fields; what a person types becomes cents by string
 * arithmetic, never float math.
 */

/** "10", "10.5", "$10.00" → 1000 (cents), or null. */
export function dollarsToCents(text: string): number | null {
  const match = /^\s*\$?\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(String(text));
  if (!match) return null;
  const digits = `${match[1]}${(match[2] || '').padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
  return Number.parseInt(digits, 10);
}

/** 1000 → "10.00", for pre-filling a dollar field. */
export function centsToDollars(cents: number): string {
  const digits = String(cents).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
