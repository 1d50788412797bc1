/**
 * Account-name verification, as the networks offer it (Visa ANI,
 * Mastercard's name validation): the merchant sends the name the customer
 * typed, the issuer compares it with the name on the card and answers
 * `match`, `partial_match` or `no_match` — it does not decline on it; the
 * merchant decides what a mismatch is worth (the seed's "持卡人姓名不符").
 *
 * Both names are normalized first: Unicode compatibility forms, accents and
 * other marks removed (José = JOSE), case folded, anything that is not a
 * letter or digit a space. Then, as words in any order (Chinese names are
 * written family name first or last):
 *   - match          the same words
 *   - partial_match  some word in common (the given or the family name), or
 *                    every word of one side an initial or word of the other ("L. Li", "L L")
 *   - no_match       neither
 *   - unavailable    the card has no name to compare with
 */

import type { NameCheckResult } from '../network/messages.ts';

export type { NameCheckResult };

export function normalizedNameWords(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
}

export function checkName(nameOnCard: string, given: string): NameCheckResult {
  const card = normalizedNameWords(nameOnCard);
  if (card.length === 0) return 'unavailable';
  const sent = normalizedNameWords(given);
  if (sent.length === 0) return 'no_match';
  if (sameWords(card, sent)) return 'match';
  if (sent.some((word) => word.length > 1 && card.includes(word))) return 'partial_match';
  if (initialsOf(sent, card) || initialsOf(card, sent)) return 'partial_match';
  return 'no_match';
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');
}

/** Every word of `short` is an initial of, or equal to, a distinct word of `full`. */
function initialsOf(short: readonly string[], full: readonly string[]): boolean {
  if (!short.some((word) => word.length === 1)) return false;
  const left = [...full];
  for (const word of short) {
    const i = left.findIndex((candidate) => candidate === word || (word.length === 1 && candidate.startsWith(word)));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}
