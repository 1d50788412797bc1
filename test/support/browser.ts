import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { CALL_BOUND_MS } from './cli.ts';

/**
 * What the browser tests of Cardlane's pages share: Debian's chromium
 * (driven by playwright-core), the phone viewport every page is designed
 * for first, waiting for a text, and axe-core's accessibility check.
 */

export const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking switches Chromium's own connections are refused on a closed network and slow every page down.
export const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// CARDLANE_TEST_BROWSER=off leaves the browser journeys out: CI runs them once, on Node 20 (the pages are the same
// bundle whichever Node serves them; a second runtime's pass is for the runtime).
export const NO_CHROMIUM: string | false =
  process.env.CARDLANE_TEST_BROWSER === 'off'
    ? 'CARDLANE_TEST_BROWSER=off: the browser journeys run in another pass'
    : existsSync(CHROMIUM)
      ? false
      : `no browser at ${CHROMIUM} (apt-get install chromium): the pages are tested in a real browser`;

/** A phone (the seed's readers are on phones): 390×844 CSS pixels, twice as dense. */
export const PHONE_VIEWPORT = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Waits until the element's text matches; a bound, not an expectation: a hang must fail. */
export async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<string> {
  try {
    await page.waitForFunction(
      // Runs in the page; the test's TypeScript has no DOM types.
      ([sel, source, flags]) => new RegExp(source!, flags).test((globalThis as any).document.querySelector(sel!)?.textContent ?? ''),
      [selector, pattern.source, pattern.flags] as const,
      { timeout: CALL_BOUND_MS },
    );
  } catch (error) {
    throw new Error(`${selector} never matched ${pattern}; it reads ${JSON.stringify(await page.textContent(selector).catch(() => null))}`, { cause: error });
  }
  return (await page.textContent(selector)) ?? '';
}

/** axe-core on the screen as it is: no serious or critical violation. */
export async function checkAccessibility(page: Page, screen: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (an inline script would be refused).
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3) }));
  })) as Array<{ id: string; impact: string; nodes: string[] }>;
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${screen}: ${JSON.stringify(serious)}`);
}

/**
 * Chromium at a phone's size in English (New York time), with a fresh
 * profile under `workDir`: its page, and the problems it logs — a script
 * error, or a console error (a request the CSP blocked…) other than a
 * 401/402 refusal or what `expected` lets through — which a test asserts
 * stay empty.
 */
export async function openEnglishPhone(
  workDir: string,
  expected: (message: ConsoleMessage) => boolean = () => false,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(workDir, 'chromium-profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: 'en-US',
    timezoneId: 'America/New_York',
    ...PHONE_VIEWPORT,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(CALL_BOUND_MS);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 40[12]/.test(message.text()) && !expected(message)) problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  return { context, page, problems };
}

/** What has the keyboard's focus, as `tag#id` (`h2#wallet-title`). */
function focusedElement(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = (globalThis as any).document.activeElement;
    return `${active?.tagName.toLowerCase()}#${active?.id ?? ''}`;
  });
}

/**
 * Asserts that the keyboard's focus reaches `expected` (`tag#id`) within 10 s. A screen moves the focus once it has
 * drawn — after its data arrived, which on a loaded machine is later than the next animation frame (reading it then
 * made these checks flaky in CI) — so this waits for it, and a focus that never gets there fails naming where it is.
 */
export async function expectFocus(page: Page, expected: string): Promise<void> {
  try {
    await page.waitForFunction(
      (want) => {
        const active = (globalThis as any).document.activeElement;
        return `${active?.tagName.toLowerCase()}#${active?.id ?? ''}` === want;
      },
      expected,
      { timeout: 10_000 },
    );
  } catch {
    // Timed out: the assertion below says where the focus is instead.
  }
  assert.equal(await focusedElement(page), expected, 'where the keyboard focus is');
}
