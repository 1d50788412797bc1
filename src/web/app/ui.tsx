import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { cancelPendingClear, copySecret } from './clipboard-expiry.ts';
import { useApp } from './context.ts';
import { known, type Translate } from './i18n.ts';
import { paramErrorKey } from './wording.ts';

/** Small pieces every screen uses. */

/** An API or network failure in the reader's language: the app's own sentence for known codes, else the API's. */
export function errorText(t: Translate, error: unknown): string {
  if (error instanceof ApiError) {
    // A refused field is named by what it is (the SMS code, the phone, the amount…), not by one sentence for every field.
    if (error.code === 'parameter_invalid' || error.code === 'parameter_missing') return t(paramErrorKey(error.param));
    if (error.code === 'rate_limited') return rateLimitedText(t, error.retryAfterS);
    // The issuer's sentence names the balance that was short (wallet or card) and what it has, in the language the app asked for.
    if (error.code === 'insufficient_funds' && error.message !== '') return error.message;
    const key = known('err_', error.code);
    return key !== null ? t(key) : t('error', { message: error.message });
  }
  return t('error', { message: (error as Error)?.message ?? String(error) });
}

/**
 * A refusal for sending too much says when to try again, as the API's
 * Retry-After does: a minute for the SMS cooldown, up to an hour for the
 * hourly caps; "later" when the API gave no time.
 */
function rateLimitedText(t: Translate, retryAfterS: number | null): string {
  if (retryAfterS === null) return t('err_rate_limited');
  if (retryAfterS < 60) return t('err_rate_limited_seconds', { seconds: Math.max(1, retryAfterS) });
  return t('err_rate_limited_minutes', { minutes: Math.ceil(retryAfterS / 60) });
}

/** A status line read out by screen readers (every page's: ../shared/ui.tsx). */
export { Message } from '../shared/ui.tsx';

/** The sandbox box: where the outside world's side of a step can be played. Clearly marked, never shown for real providers. */
export function SandboxHint(props: { readonly text: string; readonly command: string; readonly id?: string }) {
  const { sandbox, t } = useApp();
  if (!sandbox) return null;
  return (
    <aside class="sandbox" id={props.id} aria-label={t('sandbox')}>
      <span class="badge">{t('sandbox')}</span> {props.text}
      <code>{withServerOptions(props.command)}</code>
    </aside>
  );
}

/**
 * A `npx cardlane …` command with the options that reach the server this
 * page came from (`--data-dir`, `--url`; the server puts them in the
 * document, empty when it runs on the defaults): without them the command
 * would look for another server's operator key and address.
 */
function withServerOptions(command: string): string {
  const options = (document.documentElement.dataset.cliOptions ?? '').trim();
  return options === '' || !command.startsWith('npx cardlane ') ? command : `${command} ${options}`;
}

export function Section(props: { readonly title: string; readonly id?: string; readonly children: ComponentChildren }) {
  const headingId = `${props.id ?? props.title.replace(/\W+/g, '-')}-title`;
  return (
    <section class="panel" id={props.id} aria-labelledby={headingId}>
      {/* Focusable by script only: where the focus lands when the screen changes (main.tsx). */}
      <h2 id={headingId} tabIndex={-1}>
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

/**
 * A copy button; the value goes to the clipboard only, never into storage.
 * A `secret` (the card number, the CVV) is cleared from the clipboard a
 * minute later (clipboard-expiry.ts); `onCopied` lets the screen say so.
 */
export function CopyButton(props: { readonly value: string; readonly label: string; readonly id?: string; readonly secret?: boolean; readonly onCopied?: () => void }) {
  const { t } = useApp();
  const [done, setDone] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    try {
      if (props.secret === true) {
        await copySecret(props.value);
      } else {
        await navigator.clipboard.writeText(props.value);
        // The clipboard now holds this value, not the secret a pending clear was waiting for.
        cancelPendingClear();
      }
      props.onCopied?.();
      setDone(true);
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => setDone(false), 2_000);
    } catch {
      // No clipboard (an insecure origin, a refused permission): the value stays on screen to select by hand.
    }
  };
  return (
    <button type="button" class="copy" id={props.id} onClick={copy}>
      {done ? t('copied') : t('copy')}
      <span class="sr-only"> {props.label}</span>
    </button>
  );
}

/** Runs `fn` every `ms` while mounted and `active`, and once at once. */
export function usePolling(fn: () => Promise<void> | void, ms: number, active: boolean): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: number | undefined;
    const tick = async () => {
      try {
        await latest.current();
      } catch {
        // The next tick tries again; the screen shows its own errors.
      }
      if (!stopped) timer = window.setTimeout(tick, ms);
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [ms, active]);
}

/** An async action's busy flag and message, for a form's submit. */
export function useAction() {
  const { t } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(t, e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
