/**
 * Calls an issuer and waits at most `timeoutMs` for its answer. Waiting is
 * real time (a timer), not the injected Clock: a slow issuer is slow in the
 * world, whatever a test's clock says. A call that misses the deadline keeps
 * running; its outcome is handed back as `late`, so the network can undo what
 * a late approval did.
 */

export type Settled<T> = { readonly kind: 'answered'; readonly value: T } | { readonly kind: 'failed'; readonly error: unknown };

export type Timed<T> = Settled<T> | { readonly kind: 'timed_out'; readonly late: Promise<Settled<T>> };

export function callWithTimeout<T>(call: () => Promise<T>, timeoutMs: number): Promise<Timed<T>> {
  let settled: Promise<Settled<T>>;
  try {
    settled = call().then(
      (value): Settled<T> => ({ kind: 'answered', value }),
      (error: unknown): Settled<T> => ({ kind: 'failed', error }),
    );
  } catch (error) {
    return Promise.resolve({ kind: 'failed', error });
  }
  return new Promise<Timed<T>>((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timed_out', late: settled }), timeoutMs);
    void settled.then((outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
  });
}
