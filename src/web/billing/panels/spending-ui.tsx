import { useState } from 'preact/hooks';
import type { Lang } from '../../shared/lang.ts';
import { Message, type Tone } from '../../shared/ui.tsx';
import type { ApiAnswer } from '../api.ts';
import type { SpendingT } from './spending-strings.ts';

/** A panel's message kept as how to say it, so a language switch says it again (as messages.tsx, with these panels' strings). */
export type SaySpending = (t: SpendingT, lang: Lang) => string;

export function useSpendingMessage() {
  const [shown, setShown] = useState<{ tone: Tone; say: SaySpending } | null>(null);
  return { shown, show: (tone: Tone, say: SaySpending) => setShown({ tone, say }) };
}

export function SaidSpending(props: { readonly id: string; readonly shown: { tone: Tone; say: SaySpending } | null; readonly t: SpendingT; readonly lang: Lang }) {
  return <Message id={props.id} kind={props.shown?.tone ?? ''} text={props.shown ? props.shown.say(props.t, props.lang) : null} />;
}

/** The API's refusal, in a sentence: its message (a stable code's clear words), never a bare code. */
export function failure(answer: ApiAnswer<unknown>): SaySpending {
  const text = answer.ok ? undefined : answer.body?.error?.message;
  return (t) => t('failed', { why: text ?? `HTTP ${answer.status}` });
}
