import { useState } from 'preact/hooks';
import type { Lang } from './lang.ts';
import { Message, type Tone } from './ui.tsx';

/**
 * A message under a form or a list, kept as how to say it (a function of
 * the language), not as text, so switching the language says it again.
 * `T` is the page's own translate function (each page has its strings).
 */
export type Say<T> = (t: T, lang: Lang) => string;

export interface Shown<T> {
  readonly tone: Tone;
  readonly say: Say<T>;
}

export function useMessage<T>() {
  const [shown, setShown] = useState<Shown<T> | null>(null);
  return {
    shown,
    show: (tone: Tone, say: Say<T>) => setShown({ tone, say }),
    clear: () => setShown(null),
  };
}

/** The message box `id`, saying `shown` in the page's language. */
export function Said<T>(props: { readonly id: string; readonly shown: Shown<T> | null; readonly t: T; readonly lang: Lang }) {
  return <Message id={props.id} kind={props.shown?.tone ?? ''} text={props.shown ? props.shown.say(props.t, props.lang) : null} />;
}
