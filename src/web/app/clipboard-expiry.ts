/**
 * A card number or CVV copied from the app must not sit in the clipboard for
 * good: a minute after the copy, the clipboard is emptied — but only if it
 * still holds what the app put there. Reading it back needs the
 * `clipboard-read` permission, which is asked for nowhere (a prompt over a
 * card number would be worse than none): only when it is already granted is
 * the clipboard read. Without it, an empty string is written only while the
 * page has the focus, so nothing the person copied in another app since is
 * lost.
 *
 * One pending clear for the whole page, not one per button: a new copy
 * replaces the previous clear, because the clipboard no longer holds the
 * previous value. The timer lives outside any screen, so the clear still
 * comes after the number is hidden or the screen left. The value is held in
 * this module's memory only, never logged or stored, and forgotten at once
 * when the clear has run.
 */

export const CLIPBOARD_CLEAR_MS = 60_000;

/** What the clear needs from the browser (navigator.clipboard, the permissions API, document.hasFocus, timers). */
export interface ClipboardHost {
  writeText(text: string): Promise<void>;
  readText(): Promise<string>;
  /** Whether reading the clipboard is already allowed (false when unknown: no permissions API, or it does not know the name). */
  mayRead(): Promise<boolean>;
  hasFocus(): boolean;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

let pending: { readonly handle: unknown; readonly host: ClipboardHost } | null = null;

/** Copies a secret to the clipboard and schedules its clearing; rejects as writeText does (nothing then is scheduled). */
export async function copySecret(value: string, host: ClipboardHost = browserClipboard()): Promise<void> {
  await host.writeText(value);
  cancelPendingClear();
  const handle = host.setTimeout(() => {
    pending = null;
    void clearIfStill(value, host);
  }, CLIPBOARD_CLEAR_MS);
  pending = { handle, host };
}

/** Any copy from the app (a secret or not) replaces what a pending clear was waiting to remove. */
export function cancelPendingClear(): void {
  if (pending === null) return;
  pending.host.clearTimeout(pending.handle);
  pending = null;
}

/** Empties the clipboard if it still holds `value` (when that can be known) or if the page still has the focus (when not). */
export async function clearIfStill(value: string, host: ClipboardHost): Promise<void> {
  try {
    if (await host.mayRead()) {
      if ((await host.readText()) === value) await host.writeText('');
      return;
    }
    if (host.hasFocus()) await host.writeText('');
  } catch {
    // Refused (the page lost the focus meanwhile, the permission was withdrawn): nothing else can be done from a page.
  }
}

function browserClipboard(): ClipboardHost {
  return {
    writeText: (text) => navigator.clipboard.writeText(text),
    readText: () => navigator.clipboard.readText(),
    mayRead: async () => {
      try {
        // 'clipboard-read' is Chromium's name; browsers that do not know it throw, which reads as "not granted".
        return (await navigator.permissions.query({ name: 'clipboard-read' as PermissionName })).state === 'granted';
      } catch {
        return false;
      }
    },
    hasFocus: () => document.hasFocus(),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (handle) => window.clearTimeout(handle as number),
  };
}
