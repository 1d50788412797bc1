import type { ComponentChildren } from 'preact';
import { dateTime } from '../shared/format.ts';
import { useConsole } from './context.ts';
import { errorWording } from './strings.ts';
import type { ApiErrorBody } from '../shared/http.ts';

/** Pieces every screen of the console uses. */

/** A status filter: a select of the list's statuses (and "all"), labelled. */
export function StatusFilter(props: {
  readonly id: string;
  readonly value: string;
  readonly options: ReadonlyArray<{ readonly value: string; readonly label: string }>;
  readonly onChange: (value: string) => void;
}) {
  const { t } = useConsole();
  return (
    <div class="filter">
      <label for={props.id}>{t('show')}</label>
      <select id={props.id} value={props.value} onChange={(event) => props.onChange((event.currentTarget as HTMLSelectElement).value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The end of a paged list: "show more" while there is more, a line when it is empty, the refusal when loading failed. */
export function ListFooter(props: {
  readonly id: string;
  readonly empty: boolean;
  readonly emptyText: string;
  readonly hasMore: boolean;
  readonly busy: boolean;
  readonly failed: { readonly status: number; readonly error: ApiErrorBody | null } | null;
  readonly onMore: () => void;
}) {
  const { t } = useConsole();
  return (
    <>
      {props.failed ? (
        <p id={`${props.id}-error`} class="message error" role="alert">
          {errorWording(t, props.failed.status, props.failed.error)}
        </p>
      ) : null}
      {props.empty && !props.busy && !props.failed ? (
        <p id={`${props.id}-empty`} class="note">
          {props.emptyText}
        </p>
      ) : null}
      {props.hasMore ? (
        <button type="button" id={`${props.id}-more`} disabled={props.busy} onClick={props.onMore}>
          {t('loadMore')}
        </button>
      ) : null}
    </>
  );
}

/**
 * Moves the keyboard's focus to an element once the page has drawn it: a
 * section's heading (made focusable with tabIndex -1) after an action that
 * removed the focused button, or the button a dialog was opened from. Without
 * it the focus falls to the document's start and a keyboard user tabs through
 * the whole header again.
 */
export function focusById(id: string): void {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

/** A moment in the reader's own time zone and language (never the API's UTC text). */
export function Time(props: { readonly iso: string }) {
  const { lang } = useConsole();
  return <time dateTime={props.iso}>{dateTime(props.iso, lang)}</time>;
}

export function Badge(props: { readonly tone: 'good' | 'bad' | 'wait' | 'plain'; readonly children: ComponentChildren }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

/** A sentence with elements in its `{name}` places (a time, a code), in whatever order the language puts them. */
export function Phrase(props: { readonly text: string; readonly values: Readonly<Record<string, ComponentChildren>> }) {
  const parts = props.text.split(/\{(\w+)\}/);
  return <>{parts.map((part, i) => (i % 2 === 1 && part in props.values ? <span key={i}>{props.values[part]}</span> : part))}</>;
}
