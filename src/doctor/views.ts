import type { Lang } from './catalogue-types.ts';

/**
 * Who is asking, and so what a trace may show.
 *
 * - `merchant`: its own payments only. Sees its rules (id, description,
 *   predicate), its charges, the network's response codes and the reason
 *   the issuer sent back — never the cardholder's card, wallet, balance or
 *   the issuer's internal checks.
 * - `cardholder`: payments on its own cards only. Sees the network's and
 *   the issuer's side in full (checks, the balance the decision used), and
 *   of the merchant side only that it refused before the card network and
 *   the general kind of refusal (what the merchant's own checkout already
 *   told the payer) — never a merchant's rule ids, names or predicates, nor
 *   the merchant's internal ids.
 * - `operator`: everything (Cardlane runs every party).
 */
export const VIEWS = ['operator', 'merchant', 'cardholder'] as const;
export type View = (typeof VIEWS)[number];

export type Principal =
  | { readonly view: 'operator' }
  | { readonly view: 'merchant'; readonly merchantId: string }
  | { readonly view: 'cardholder'; readonly cardholderId: string };

export function isView(value: unknown): value is View {
  return typeof value === 'string' && (VIEWS as readonly string[]).includes(value);
}

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'zh-CN';
}

/** One sentence in the asked language. */
export function say(lang: Lang, en: string, zh: string): string {
  return lang === 'en' ? en : zh;
}
