import { useState } from 'preact/hooks';
import type { ApiErrorBody } from '../shared/http.ts';
import type { Lang } from '../shared/lang.ts';
import { Message, type Tone } from '../shared/ui.tsx';
import { errorWording, type T } from './strings.ts';

/**
 * A message under a form or a list, kept as how to say it (a function of
 * the language), so switching the language says it again.
 */
export type Say = (t: T, lang: Lang) => string;

export interface Shown {
  readonly tone: Tone;
  readonly say: Say;
}

export function useMessage() {
  const [shown, setShown] = useState<Shown | null>(null);
  return {
    shown,
    show: (tone: Tone, say: Say) => setShown({ tone, say }),
    clear: () => setShown(null),
  };
}

export function refusal(answer: { readonly status: number; readonly error: ApiErrorBody | null }): Say {
  return (t) => errorWording(t, answer.status, answer.error);
}

export function Said(props: { readonly id: string; readonly shown: Shown | null; readonly t: T; readonly lang: Lang }) {
  return <Message id={props.id} kind={props.shown?.tone ?? ''} text={props.shown ? props.shown.say(props.t, props.lang) : null} />;
}
