import assert from 'node:assert/strict';
import { test } from 'node:test';

// Relative times ("现在", "1 分钟前") never moved on their own. The app's one
// minute clock moves them: a single timer for every line on the page, only
// while the page is visible, with a tick at once when it is shown again.

interface Host {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  isVisible(): boolean;
  onVisibilityChange(fn: () => void): () => void;
}
interface Clock {
  subscribe(listener: (nowMs: number) => void): () => void;
  runningTimers(): number;
}
// The app's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
const { minuteClock, MINUTE_MS } = (await import(new URL('../../src/web/app/minute-clock.ts', import.meta.url).href)) as {
  minuteClock(host: Host): Clock;
  MINUTE_MS: number;
};
const { when } = (await import(new URL('../../src/web/shared/format.ts', import.meta.url).href)) as { when(iso: string, lang: string, nowMs?: number): string };

function fakePage() {
  const intervals = new Map<number, { fn: () => void; ms: number }>();
  const visibilityListeners = new Set<() => void>();
  let next = 0;
  const page = { nowMs: Date.parse('2026-12-07T06:00:00Z'), visible: true, created: 0 };
  const host: Host = {
    now: () => page.nowMs,
    setInterval: (fn, ms) => {
      page.created += 1;
      intervals.set(++next, { fn, ms });
      return next;
    },
    clearInterval: (handle) => void intervals.delete(handle as number),
    isVisible: () => page.visible,
    onVisibilityChange: (fn) => {
      visibilityListeners.add(fn);
      return () => visibilityListeners.delete(fn);
    },
  };
  const minutePasses = () => {
    page.nowMs += MINUTE_MS;
    for (const { fn } of [...intervals.values()]) fn();
  };
  const setVisible = (visible: boolean) => {
    page.visible = visible;
    for (const fn of [...visibilityListeners]) fn();
  };
  return { host, page, intervals, visibilityListeners, minutePasses, setVisible };
}

test('a line that said 现在 says 1分钟前 a minute later, without a reload', () => {
  const { host, page, minutePasses } = fakePage();
  const createdAt = new Date(page.nowMs).toISOString();
  let shown = when(createdAt, 'zh-CN', page.nowMs);
  assert.equal(shown, '现在');
  const stop = minuteClock(host).subscribe((nowMs) => (shown = when(createdAt, 'zh-CN', nowMs)));
  minutePasses();
  assert.equal(shown, '1分钟前');
  minutePasses();
  assert.equal(shown, '2分钟前');
  stop();
});

test('one timer for every line, once a minute, gone when no line is left', () => {
  const { host, page, intervals } = fakePage();
  const clock = minuteClock(host);
  const stops = Array.from({ length: 30 }, () => clock.subscribe(() => undefined));
  assert.equal(clock.runningTimers(), 1);
  assert.equal(page.created, 1);
  assert.deepEqual([...intervals.values()].map((interval) => interval.ms), [60_000]);
  for (const stop of stops) stop();
  assert.equal(clock.runningTimers(), 0);
  assert.equal(intervals.size, 0);
});

test('no ticking while the page is hidden; shown again, the times catch up at once', () => {
  const { host, page, minutePasses, setVisible, visibilityListeners } = fakePage();
  const clock = minuteClock(host);
  const seen: number[] = [];
  const stop = clock.subscribe((nowMs) => seen.push(nowMs));
  setVisible(false);
  assert.equal(clock.runningTimers(), 0);
  page.nowMs += 5 * MINUTE_MS;
  minutePasses();
  assert.deepEqual(seen, [], 'no tick while hidden');
  setVisible(true);
  assert.deepEqual(seen, [page.nowMs]);
  assert.equal(clock.runningTimers(), 1);
  stop();
  assert.equal(visibilityListeners.size, 0);
});
