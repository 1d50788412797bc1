import { useState } from 'preact/hooks';
import type { Lang } from '../../shared/lang.ts';
import { Message, type Tone } from '../../shared/ui.tsx';
import type { ApiAnswer } from '../api.ts';
import { sayError } from '../messages.tsx';
import { translator } from '../strings.ts';
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

/** The API's refusal, in a sentence in the page's language: its stable code's words (the billing page's, messages.tsx), never a bare code. */
export function failure(answer: ApiAnswer<unknown>): SaySpending {
  const why = sayError(answer.ok ? undefined : answer.body?.error);
  return (t, lang) => t('failed', { why: why(translator(lang), lang) });
}
