import assert from 'node:assert/strict';
import { test } from 'node:test';

// A copied card number or CVV stayed in the clipboard for good. Now a minute
// after the copy the clipboard is emptied if it still holds what the app put
// there (read back only when reading is already permitted); without that
// permission it is emptied only while the page still has the focus.

interface Host {
  writeText(text: string): Promise<void>;
  readText(): Promise<string>;
  mayRead(): Promise<boolean>;
  hasFocus(): boolean;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
// The app's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
const { copySecret, cancelPendingClear, CLIPBOARD_CLEAR_MS } = (await import(new URL('../../src/web/app/clipboard-expiry.ts', import.meta.url).href)) as {
  copySecret(value: string, host: Host): Promise<void>;
  cancelPendingClear(): void;
  CLIPBOARD_CLEAR_MS: number;
};

function fakeHost(options: { mayRead: boolean; focused: boolean }) {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const state = { clipboard: '', reads: 0, focused: options.focused };
  const host: Host = {
    writeText: async (text) => void (state.clipboard = text),
    readText: async () => {
      state.reads += 1;
      return state.clipboard;
    },
    mayRead: async () => options.mayRead,
    hasFocus: () => state.focused,
    setTimeout: (fn, ms) => (timers.set(++next, { fn, ms }), next),
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  /** Runs the timers due after `ms`, then lets their promises settle. */
  const pass = async (ms: number) => {
    for (const [id, timer] of [...timers]) {
      if (timer.ms <= ms) {
        timers.delete(id);
        timer.fn();
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { host, state, timers, pass };
}

test('a copied card number is cleared after 60 s when the clipboard still holds it', async () => {
  const { host, state, pass } = fakeHost({ mayRead: true, focused: false });
  await copySecret('4242424242424242', host);
  assert.equal(state.clipboard, '4242424242424242');
  await pass(CLIPBOARD_CLEAR_MS - 1);
  assert.equal(state.clipboard, '4242424242424242', 'not before the minute');
  await pass(CLIPBOARD_CLEAR_MS);
  assert.equal(CLIPBOARD_CLEAR_MS, 60_000);
  assert.equal(state.clipboard, '');
});

test('something copied since (elsewhere) is left alone when the clipboard can be read', async () => {
  const { host, state, pass } = fakeHost({ mayRead: true, focused: true });
  await copySecret('123', host);
  state.clipboard = 'a note the person copied in another app';
  await pass(CLIPBOARD_CLEAR_MS);
  assert.equal(state.clipboard, 'a note the person copied in another app');
});

test('without permission to read: emptied only while the page has the focus, and never read', async () => {
  const focused = fakeHost({ mayRead: false, focused: true });
  await copySecret('123', focused.host);
  await focused.pass(CLIPBOARD_CLEAR_MS);
  assert.equal(focused.state.clipboard, '');
  assert.equal(focused.state.reads, 0);

  const away = fakeHost({ mayRead: false, focused: false });
  await copySecret('123', away.host);
  away.state.clipboard = 'copied in another app';
  await away.pass(CLIPBOARD_CLEAR_MS);
  assert.equal(away.state.clipboard, 'copied in another app');
  assert.equal(away.state.reads, 0);
});

test('one pending clear for the page: a new copy replaces it, a plain copy cancels it', async () => {
  const { host, timers } = fakeHost({ mayRead: true, focused: true });
  await copySecret('4242424242424242', host);
  await copySecret('123', host);
  assert.equal(timers.size, 1);
  cancelPendingClear();
  assert.equal(timers.size, 0);
});

test('a refused write schedules nothing and the failure reaches the button', async () => {
  const { host, timers } = fakeHost({ mayRead: true, focused: true });
  host.writeText = async () => {
    throw new Error('NotAllowedError');
  };
  await assert.rejects(copySecret('123', host), /NotAllowedError/);
  assert.equal(timers.size, 0);
});
