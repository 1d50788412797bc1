import { pick, type Lang } from '../shared/lang.ts';
import { Said as SaidIn, useMessage as useMessageIn, type Say as SayIn, type Shown as ShownIn } from '../shared/said.tsx';
import type { ApiAnswer } from './api.ts';
import { errorWording, type T } from './strings.ts';
import type { Payment } from './types.ts';

/** A card error's explanation in the reader's language, from the payment the API answered with. */
export function explanationOf(payment: Payment | null | undefined, lang: Lang): string | null {
  const explanation = payment?.failure?.explanation;
  return explanation ? pick(explanation, lang) : null;
}

/** An explanation standing on its own: a capital letter and a full stop (the API's read as the end of "declined: …"). */
export function sentence(text: string, lang: Lang): string {
  if (text === '') return text;
  if (lang !== 'en') return /[。！？]$/.test(text) ? text : `${text}。`;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}

/** What to tell a person about a refused request: the decline's explanation (said with `declinedKey`), or what its error says; never a bare code. */
export function refusal(answer: ApiAnswer<unknown>, declinedKey?: 'declined' | 'cardNotAdded'): Say {
  const error = answer.ok ? undefined : answer.body?.error;
  const payment = error?.payment;
  if (payment?.failure && declinedKey !== undefined) return (t, lang) => t(declinedKey, { why: explanationOf(payment, lang) ?? '' });
  return sayError(error);
}

/** An API's error in the page's language (strings.ts `errorWording`). */
export function sayError(error: { readonly code?: string; readonly message?: string } | null | undefined): Say {
  return (t, lang) => errorWording(error, t, lang);
}

/** This page's message: how to say it in its strings (../shared/said.tsx). */
export type Say = SayIn<T>;
export type Shown = ShownIn<T>;
export const useMessage = () => useMessageIn<T>();
export const Said = SaidIn<T>;
