/** The app's own formats; money and time are every page's (../shared/format.ts). */
export { dateTime, money, parseAmount, when } from '../shared/format.ts';

/** Card expiry as MM/YY. */
export function expiry(month: number, year: number): string {
  return `${String(month).padStart(2, '0')}/${String(year % 100).padStart(2, '0')}`;
}

/** A card number in groups of four, for reading and typing. */
export function groupDigits(number: string): string {
  return number.replace(/\s+/g, '').replace(/(\d{4})(?=\d)/g, '$1 ');
}
