import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Lang } from './lang.ts';
import { otherLang } from './lang.ts';

/** UI pieces every Cardlane page uses: status lines, the language switch, a confirmation dialog. */

export type Tone = 'error' | 'ok' | '';

/** A status line read out by screen readers when it changes; empty, it takes no room. */
export function Message(props: { readonly text: string | null; readonly kind?: Tone; readonly id?: string }) {
  return (
    <p id={props.id} class={`message ${props.kind ?? ''}`} role={props.kind === 'error' ? 'alert' : 'status'} aria-live="polite">
      {props.text ?? ''}
    </p>
  );
}

/** The header's switch to the other language, labelled in that language (so a reader who cannot read this one finds it). */
export function LanguageSwitch(props: { readonly lang: Lang; readonly id: string; readonly onSwitch: (lang: Lang) => void }) {
  const to = otherLang(props.lang);
  return (
    <button type="button" id={props.id} class="link" lang={to} onClick={() => props.onSwitch(to)}>
      {to === 'en' ? 'English' : '中文'}
    </button>
  );
}

/**
 * A modal question before something that cannot be undone: the browser's
 * own <dialog> (focus kept inside, Escape cancels), opened while mounted.
 */
export function ConfirmDialog(props: {
  readonly id: string;
  readonly title: string;
  readonly children: ComponentChildren;
  readonly confirmLabel: string;
  readonly cancelLabel: string;
  readonly busy?: boolean;
  readonly danger?: boolean;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const titleId = `${props.id}-title`;
  return (
    <dialog ref={ref} id={props.id} class="confirm" aria-labelledby={titleId} onCancel={(event) => (event.preventDefault(), props.onCancel())}>
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" id={`${props.id}-cancel`} onClick={props.onCancel}>
          {props.cancelLabel}
        </button>
        <button type="button" id={`${props.id}-confirm`} class={props.danger ? 'danger' : 'primary'} disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
