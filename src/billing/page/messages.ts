import type { ApiAnswer } from './api.ts';
import type { Payment } from './api-types.ts';
import { $ } from './dom.ts';
import { lang, t } from './i18n.ts';

/**
 * The message boxes under each form. Each remembers how to say its message
 * (a function, not the text), so a language switch can say it again.
 */

export type Tone = 'good' | 'bad' | '';

const messages = new Map<string, { readonly tone: Tone; readonly say: () => string }>();

/** Shows `say()` in the box `id`; `say` is called again when the language changes. */
export function show(id: string, tone: Tone, say: () => string): void {
  messages.set(id, { tone, say });
  paintMessage(id);
}

export function clear(id: string): void {
  messages.delete(id);
  paintMessage(id);
}

function paintMessage(id: string): void {
  const box = $(id);
  const message = messages.get(id);
  box.className = `message${message ? ` ${message.tone}` : ''}`;
  box.textContent = message ? message.say() : '';
}

export function paintMessages(): void {
  for (const id of messages.keys()) paintMessage(id);
}

/** A card error's explanation in the page's language, from the payment the API answered with. */
export function explanationOf(payment: Payment | null | undefined): string | null {
  const explanation = payment?.failure?.explanation;
  if (!explanation) return null;
  return explanation[lang()] || explanation.en;
}

/** What to tell a person about a refused request: the decline's explanation (said with `declinedKey`), or the API's message; never a bare code. */
export function refusal(answer: ApiAnswer<unknown>, declinedKey?: string): () => string {
  const error = answer.ok ? undefined : answer.body?.error;
  const payment = error?.payment;
  if (payment?.failure && declinedKey !== undefined) return () => t(declinedKey, { why: explanationOf(payment) });
  const text = error?.message;
  return () => text || t('networkError');
}
