/**
 * `npm run bench:app-load` — what a phone downloads and waits for when it
 * opens Cardlane's pages (/app, the cardholder app, and /billing), measured
 * against `cardlane up` (from dist/: run `npm run build` first) in Debian's
 * Chromium at the phone viewport (390×844):
 *
 * - first-load bytes: the JavaScript and CSS each page loads, as the server
 *   sends them compressed (gzip and brotli) — next to a ceiling of 100 kB of
 *   gzip JavaScript per page;
 * - time to interactive: from navigation start to the page's first screen
 *   rendered with its data (the app: the sign-in form; the billing page, with
 *   a signed-in owner: the credit balance read from the API), seen by a
 *   MutationObserver the bench adds before the page's own code runs (CDP,
 *   outside the page's CSP), and the first contentful paint; median (and
 *   worst) of N cold loads, each in a fresh browser context, with the CPU
 *   slowed down (default 4×, a mid-range phone) and, by default, a fast-4G
 *   network (40 ms latency, 9 Mbit/s down).
 *
 * Prints one JSON document on stdout; progress goes to stderr.
 * Flags: --loads N (default 9), --cpu-slowdown X (default 4), --network 4g|none.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;
const JS_GZIP_CEILING_BYTES = 100 * 1024;
const FAST_4G = { offline: false, latency: 40, downloadThroughput: (9_000_000 / 8) | 0, uploadThroughput: (1_500_000 / 8) | 0 };
const OWNER = 'owner@demo.cardlane.test';

function log(line: string): void {
  process.stderr.write(`[bench:app-load ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

interface Up {
  readonly url: string;
  readonly operatorKey: string;
  stop(): Promise<void>;
}

async function startCardlane(dataDir: string): Promise<Up> {
  const bin = new URL('../bin/cardlane.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'up', '--port', '0', '--data-dir', dataDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cardlane up did not start in 60 s: ${err}`)), 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const found = out.split('\n').find((l) => l.startsWith('{'));
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => reject(new Error(`cardlane up exited (${code}): ${err}`)));
  });
  const info = JSON.parse(line) as { url: string; operator_key_file: string };
  return {
    url: info.url,
    operatorKey: readFileSync(info.operator_key_file, 'utf8').trim(),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** The compressed size of one asset as the server sends it for `encoding`. */
async function assetBytes(url: string, encoding: 'gzip' | 'br'): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': encoding } }, (res) => {
      if (res.headers['content-encoding'] !== encoding) reject(new Error(`${url}: sent ${res.headers['content-encoding']}, not ${encoding}`));
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The scripts and style sheets the page's document links (its first load), with their compressed sizes. */
async function firstLoad(base: string, path: string) {
  const html = await (await fetch(`${base}${path}`)).text();
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
  const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
  const sum = async (urls: readonly string[], encoding: 'gzip' | 'br') => (await Promise.all(urls.map((u) => assetBytes(`${base}${u}`, encoding)))).reduce((a, b) => a + b, 0);
  const js = { gzip: await sum(scripts, 'gzip'), br: await sum(scripts, 'br') };
  const css = { gzip: await sum(styles, 'gzip'), br: await sum(styles, 'br') };
  return { scripts, styles, js_bytes: js, css_bytes: css, total_gzip_bytes: js.gzip + css.gzip, js_gzip_ceiling_bytes: JS_GZIP_CEILING_BYTES, js_within_ceiling: js.gzip <= JS_GZIP_CEILING_BYTES };
}

/** Runs in the page before its own code: records when `ready()` first holds. */
function watchReady(readyCheck: string): string {
  return `(() => {
    const ready = ${readyCheck};
    const check = () => { if (globalThis.__cardlaneReadyAt === undefined && ready()) { globalThis.__cardlaneReadyAt = performance.now(); observer.disconnect(); } };
    const observer = new MutationObserver(check);
    const start = () => { observer.observe(document, { subtree: true, childList: true, characterData: true }); check(); };
    if (document.documentElement) start(); else document.addEventListener('readystatechange', start, { once: true });
  })();`;
}

interface LoadTimes {
  readonly ready_ms: number;
  readonly first_contentful_paint_ms: number | null;
  readonly dom_content_loaded_ms: number;
}

async function measure(browser: Browser, url: string, readyCheck: string, options: { cpu: number; network: boolean; sessionCookie?: { name: string; value: string } }): Promise<LoadTimes> {
  const context = await browser.newContext({ ...PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  try {
    // A signed-in page's session rides in its HttpOnly cookie, as a browser that signed in holds it.
    if (options.sessionCookie !== undefined) await context.addCookies([{ ...options.sessionCookie, url, httpOnly: true, sameSite: 'Strict' }]);
    await context.addInitScript(watchReady(readyCheck));
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    if (options.cpu > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: options.cpu });
    if (options.network) {
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', FAST_4G);
    }
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as any).__cardlaneReadyAt !== undefined, undefined, { timeout: 60_000 });
    return await page.evaluate(() => {
      const g = globalThis as any;
      const nav = g.performance.getEntriesByType('navigation')[0];
      const fcp = g.performance.getEntriesByName('first-contentful-paint')[0];
      return { ready_ms: Math.round(g.__cardlaneReadyAt), first_contentful_paint_ms: fcp ? Math.round(fcp.startTime) : null, dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd) };
    });
  } finally {
    await context.close();
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
};

function summary(loads: readonly LoadTimes[]) {
  const fcps = loads.map((l) => l.first_contentful_paint_ms).filter((v): v is number => v !== null);
  return {
    loads: loads.length,
    ready_ms_median: median(loads.map((l) => l.ready_ms)),
    ready_ms_max: Math.max(...loads.map((l) => l.ready_ms)),
    first_contentful_paint_ms_median: fcps.length > 0 ? median(fcps) : null,
    dom_content_loaded_ms_median: median(loads.map((l) => l.dom_content_loaded_ms)),
  };
}

async function billingToken(up: Up): Promise<string> {
  const post = (path: string, body: unknown) => fetch(`${up.url}/billing/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('/sessions/code', { email: OWNER });
  const mail = (await (await fetch(`${up.url}/billing/v1/sandbox/mail?to=${encodeURIComponent(OWNER)}`, { headers: { authorization: `Bearer ${up.operatorKey}` } })).json()) as { data: Array<{ subject: string }> };
  const code = /\b(\d{6})\b/.exec(mail.data[0]?.subject ?? '')?.[1];
  const signedIn = (await (await post('/sessions', { email: OWNER, code })).json()) as { token?: string };
  if (!signedIn.token) throw new Error('the demo owner could not sign in to the billing page');
  return signedIn.token;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { loads: { type: 'string', default: '9' }, 'cpu-slowdown': { type: 'string', default: '4' }, network: { type: 'string', default: '4g' } } });
  const loads = Number(values.loads);
  const cpu = Number(values['cpu-slowdown']);
  const network = values.network === '4g';
  if (!Number.isInteger(loads) || loads < 1 || !(cpu >= 1) || !['4g', 'none'].includes(values.network!)) throw new Error('usage: --loads N --cpu-slowdown X --network 4g|none');

  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-app-load-'));
  const up = await startCardlane(dataDir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    log(`cardlane up at ${up.url}; ${loads} loads a page, CPU ${cpu}× slower, network ${network ? 'fast 4G' : 'unthrottled'}`);
    const token = await billingToken(up);
    const pages = [
      { name: 'app', path: '/app', ready: `() => document.querySelector('#phone') !== null`, sessionCookie: undefined },
      {
        name: 'billing',
        path: '/billing',
        ready: `() => /^\\$/.test(document.querySelector('#balance')?.textContent ?? '')`,
        // A signed-in owner, as after a sign-in: the dashboard reads its data from the API.
        sessionCookie: { name: 'cardlane_billing', value: token },
      },
    ];
    const results: Record<string, unknown> = {};
    for (const page of pages) {
      const bytes = await firstLoad(up.url, page.path);
      // One warm-up load (Chromium's own first start), not counted.
      await measure(browser, `${up.url}${page.path}`, page.ready, { cpu, network, ...(page.sessionCookie ? { sessionCookie: page.sessionCookie } : {}) });
      const times: LoadTimes[] = [];
      for (let i = 0; i < loads; i++) times.push(await measure(browser, `${up.url}${page.path}`, page.ready, { cpu, network, ...(page.sessionCookie ? { sessionCookie: page.sessionCookie } : {}) }));
      results[page.name] = { path: page.path, first_load: bytes, time_to_interactive: summary(times) };
      log(`${page.path}: ${(bytes.js_bytes.gzip / 1024).toFixed(1)} kB gzip JS + ${(bytes.css_bytes.gzip / 1024).toFixed(1)} kB gzip CSS; ready in ${summary(times).ready_ms_median} ms (median)`);
    }
    const ok = Object.values(results).every((r) => (r as { first_load: { js_within_ceiling: boolean } }).first_load.js_within_ceiling);
    process.stdout.write(
      `${JSON.stringify(
        { bench: 'app-load', viewport: '390x844@2x', cpu_slowdown: cpu, network: network ? { profile: 'fast-4g', ...FAST_4G } : 'unthrottled', chromium: browser.version(), pages: results, within_ceiling: ok },
        null,
        2,
      )}\n`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await browser.close();
    await up.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
