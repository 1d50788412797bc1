import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';

/** Small helpers for the billing page's forms: fields read through refs, one busy flag so a double click cannot pay twice. */

export function valueOf(ref: RefObject<HTMLInputElement | HTMLSelectElement | null>): string {
  return ref.current?.value ?? '';
}

export function useBusy() {
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    try {
      await work();
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}

/** A submit handler that keeps the browser from posting the form (form-action 'none' would refuse it anyway). */
export function onSubmit(handler: () => void) {
  return (event: Event) => {
    event.preventDefault();
    handler();
  };
}
