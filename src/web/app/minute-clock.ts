import { useEffect, useState } from 'preact/hooks';

/**
 * "现在", "1 分钟前": relative times are computed from a clock that must move,
 * or a line that said "现在" says it for as long as the page stays open. One
 * shared timer ticks once a minute for every line on the page (not one per
 * line), runs only while something shows a relative time and the page is
 * visible (a hidden tab does no work), and ticks at once when the page comes
 * back, so nothing stale is shown on return.
 */

export const MINUTE_MS = 60_000;

/** What the clock needs from the browser; a test gives its own. */
export interface ClockHost {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  isVisible(): boolean;
  /** Calls `fn` whenever the page is shown or hidden; returns the un-subscription. */
  onVisibilityChange(fn: () => void): () => void;
}

export interface MinuteClock {
  /** Calls `listener` with the new time on every tick; returns the un-subscription. */
  subscribe(listener: (nowMs: number) => void): () => void;
  /** How many timers run now (0 or 1): for tests. */
  runningTimers(): number;
}

export function minuteClock(host: ClockHost): MinuteClock {
  const listeners = new Set<(nowMs: number) => void>();
  let timer: unknown = null;
  let stopWatchingVisibility: (() => void) | null = null;

  const tick = () => {
    const nowMs = host.now();
    for (const listener of [...listeners]) listener(nowMs);
  };
  const stopTimer = () => {
    if (timer === null) return;
    host.clearInterval(timer);
    timer = null;
  };
  const startTimer = () => {
    if (timer === null) timer = host.setInterval(tick, MINUTE_MS);
  };
  const onVisibility = () => {
    if (!host.isVisible()) return stopTimer();
    // Back on the page: whatever minutes passed while hidden are shown now, then once a minute again.
    tick();
    startTimer();
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) {
        stopWatchingVisibility = host.onVisibilityChange(onVisibility);
        if (host.isVisible()) startTimer();
      }
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        stopTimer();
        stopWatchingVisibility?.();
        stopWatchingVisibility = null;
      };
    },
    runningTimers: () => (timer === null ? 0 : 1),
  };
}

let pageClock: MinuteClock | null = null;

function browserClock(): MinuteClock {
  pageClock ??= minuteClock({
    now: () => Date.now(),
    setInterval: (fn, ms) => window.setInterval(fn, ms),
    clearInterval: (handle) => window.clearInterval(handle as number),
    isVisible: () => document.visibilityState === 'visible',
    onVisibilityChange: (fn) => {
      document.addEventListener('visibilitychange', fn);
      return () => document.removeEventListener('visibilitychange', fn);
    },
  });
  return pageClock;
}

/** The time relative times are counted from, moved on by the page's one minute clock. */
export function useMinuteNow(): number {
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    // The time may have moved between the first drawing and this effect.
    setNowMs(Date.now());
    return browserClock().subscribe(setNowMs);
  }, []);
  return nowMs;
}
