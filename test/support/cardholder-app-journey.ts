import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { checkAccessibility, CHROMIUM, CHROMIUM_ARGS, PHONE_VIEWPORT, waitForText } from './browser.ts';
import { CALL_BOUND_MS, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS, type Spawned, type TestLocation } from './cli.ts';
import { testDatabaseKind } from './databases.ts';

/**
 * The cardholder app's browser tests share their beginning: `cardlane up`,
 * a phone-sized Chromium in Chinese, and the seed's first steps — sign up
 * with a friend's invite code, KYC, an Alipay top-up, a card opened and
 * funded, its number revealed with an SMS code. Each test goes on from the
 * revealed card with what it is about.
 */

/** The phone number the journey signs up with. */
export const JOURNEY_PHONE = '+8613800138000';

export interface UpInfo {
  readonly url: string;
  readonly operator_key_file: string;
  readonly acquirer: { readonly secret_key: string };
  readonly cardholder_app: { readonly url: string; readonly phone: string };
}

export interface AppServer {
  readonly info: UpInfo;
  readonly server: Spawned;
  /** Calls the issuer's API (`/issuer/v1…`), failing the test on an error answer. */
  api<T>(method: string, path: string, headers?: Record<string, string>, body?: unknown): Promise<T>;
  readonly operator: { readonly authorization: string };
  /** The newest SMS code sent to a phone, waiting for one newer than the message `after`. */
  latestCode(phone: string, after?: string | null): Promise<string>;
  newestSmsId(phone: string): Promise<string | null>;
  /** Stops the server (it must exit cleanly) and runs `cardlane audit` on its data. */
  stopAndAudit(): Promise<void>;
}

/** Starts `cardlane up` in workDir on the test's database. */
export async function startAppServer(workDir: string, location: TestLocation): Promise<AppServer> {
  const dataDir = join(workDir, 'data');
  const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', dataDir, '--json', ...dbArgs], { cwd: workDir });
  const info = JSON.parse(await server.waitForLine((l) => l.startsWith('{'), START_BOUND_MS)) as UpInfo;
  const operator = { authorization: `Bearer ${readFileSync(info.operator_key_file, 'utf8').trim()}` };
  const api = async <T>(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<T> => {
    const answer = await fetch(`${info.url}/issuer/v1${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await answer.json()) as T;
    assert.ok(answer.ok, `${method} ${path}: ${answer.status} ${JSON.stringify(json)}`);
    return json;
  };
  const inbox = (phone: string) => api<{ data: Array<{ id: string; body: string }> }>('GET', `/operator/sms?phone=${encodeURIComponent(phone)}`, operator);
  const latestCode = async (phone: string, after: string | null = null): Promise<string> => {
    for (let i = 0; i < 50; i += 1) {
      const newest = (await inbox(phone)).data[0];
      const code = /\b(\d{6})\b/.exec(newest?.body ?? '')?.[1];
      if (code !== undefined && newest!.id !== after) return code;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no new code for ${phone}`);
  };
  return {
    info,
    server,
    api,
    operator,
    latestCode,
    newestSmsId: async (phone) => (await inbox(phone)).data[0]?.id ?? null,
    stopAndAudit: async () => {
      server.child.kill('SIGTERM');
      assert.deepEqual(await server.waitForExit(EXIT_BOUND_MS), { code: 0, signal: null }, server.stderr());
      const audit = spawnCardlane(['audit', '--data-dir', dataDir, ...dbArgs], { cwd: workDir });
      assert.equal((await audit.waitForExit(EXIT_BOUND_MS)).code, 0, `${audit.stdout()}\n${audit.stderr()}`);
    },
  };
}

export interface PhoneBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Page errors and console errors (other than the 4xx answers a test provokes); a test ends asserting it is empty. */
  readonly problems: string[];
  /** Every URL the page requested (to check no card number is ever in one). */
  readonly requests: string[];
  /** A phone-size screenshot `app-<name>.png` in CARDLANE_APP_SCREENSHOTS (the README's come from docs/) or the work dir. */
  shot(name: string): Promise<unknown>;
}

/** Chromium at 390×844 in Chinese, Asia/Shanghai, with the clipboard allowed for the server's origin. */
export async function openPhoneBrowser(workDir: string, origin: string): Promise<PhoneBrowser> {
  const shots = process.env.CARDLANE_APP_SCREENSHOTS ?? join(workDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const context = await chromium.launchPersistentContext(mkdtempSync(join(workDir, 'chromium-profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...PHONE_VIEWPORT,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(CALL_BOUND_MS);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of (40[0-9]|429)/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  return { context, page, problems, requests, shot: (name) => page.screenshot({ path: join(shots, `app-${name}.png`) }) };
}

export interface RevealedCard {
  readonly number: string;
  readonly cvc: string;
  readonly expMonth: number;
  /** Two digits, as the card face shows it. */
  readonly expYear: number;
  /** What the ¥200 top-up put in the wallet, as the page shows it (`$27.50`). */
  readonly toppedUp: string;
  /** The sign-in SMS's id: codes newer than it are the reveal's. */
  readonly signInSms: string | null;
}

/**
 * The seed's first steps in the app, each screen checked with axe-core:
 * sign up with the demo cardholder's invite code, KYC (approved by the
 * sandbox provider), top up ¥200 through the Alipay sandbox, open a card fee
 * waived, load $20.00, reveal it with a fresh SMS code. Ends on the card's
 * screen with the number shown (the page's clock installed, so a test can
 * move it to see the number hide).
 */
export async function signUpToRevealedCard(app: AppServer, browser: PhoneBrowser): Promise<RevealedCard> {
  const { api, operator, latestCode, info } = app;
  const { page, shot } = browser;

  // The friend who invites: the demo cardholder's own invite code.
  await api('POST', '/sessions/code', {}, { phone: info.cardholder_app.phone });
  const friend = await api<{ cardholder: { invite_code: string } }>('POST', '/sessions', {}, { phone: info.cardholder_app.phone, code: await latestCode(info.cardholder_app.phone) });

  // Sign up with the SMS code and the friend's invite code.
  await page.goto(`${info.url}/app`);
  await page.locator('#phone').waitFor({ state: 'visible' });
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN', 'Chinese from Accept-Language');
  await waitForText(page, '#sign-in-title', /登录或注册/);
  await checkAccessibility(page, 'sign-in');
  await page.fill('#phone', '138 0013 8000');
  await page.click('#send-code');
  await waitForText(page, '#code-sent', /\+8613800138000/);
  await waitForText(page, '#sms-hint', /沙箱.*sms-inbox --phone \+8613800138000/);
  const signInSms = await app.newestSmsId(JOURNEY_PHONE);
  // Signing in with the code left empty says what is missing (it once said "please check the amount").
  await page.click('#sign-in');
  await waitForText(page, '#sign-in-message', /请输入短信中的 6 位验证码/);
  await page.fill('#code', await latestCode(JOURNEY_PHONE));
  await page.fill('#invite', friend.cardholder.invite_code);
  await shot('sign-in');
  await checkAccessibility(page, 'sign-in code');
  await page.click('#sign-in');

  // Real-name verification: the face-scan QR, approved by the sandbox provider; the page follows by itself.
  await page.locator('#kyc').waitFor({ state: 'visible' });
  await waitForText(page, '#kyc-status', /未开始/);
  await page.click('#kyc-start');
  await page.locator('#kyc-qr').waitFor({ state: 'visible' });
  const kycPayload = (await page.getAttribute('#kyc-qr', 'data-payload')) ?? '';
  assert.ok((await page.locator('#kyc-qr path').getAttribute('d'))!.length > 500, 'a QR code drawn from its modules');
  await waitForText(page, '#kyc-status', /审核中/);
  await shot('kyc');
  await checkAccessibility(page, 'kyc');
  const verificationId = /verify\/([^?]+)/.exec(kycPayload)?.[1];
  assert.ok(verificationId, kycPayload);
  await api('POST', `/operator/kyc/${verificationId}/approve`, operator);
  await waitForText(page, '#kyc-status', /已通过/);
  await page.click('#kyc-continue');

  // Top up ¥200: the quote first, then the Alipay page with its QR; the sandbox payer pays and the balance follows.
  await waitForText(page, '#wallet-balance', /^\$0\.00$/);
  await page.fill('#top-up-amount', '200');
  await page.click('#get-quote');
  await waitForText(page, '#quote-pay', /^¥200\.00$/);
  const toppedUp = await waitForText(page, '#quote-usd', /^\$\d+\.\d\d$/);
  await waitForText(page, '#quote-rate', /1 美元 = [\d.]+ 人民币/);
  await checkAccessibility(page, 'top-up quote');
  await page.click('#pay-alipay');
  await page.locator('#alipay-qr').waitFor({ state: 'visible' });
  await waitForText(page, '#alipay-status', /等待付款/);
  await shot('alipay');
  await checkAccessibility(page, 'alipay');
  const orderId = /top-up pay (\S+)/.exec((await page.textContent('#alipay-hint')) ?? '')?.[1];
  assert.ok(orderId);
  await api('POST', `/operator/sandbox/alipay/${orderId}/pay`, operator);
  await waitForText(page, '#alipay-status', new RegExp(`付款成功，\\${toppedUp} 已存入钱包`));
  await waitForText(page, '#wallet-balance', new RegExp(`^\\${toppedUp}$`));
  await checkAccessibility(page, 'wallet');
  await shot('wallet');

  // Open a card, fee waived by the invite; move $20.00 onto it.
  await page.click('#tab-cards');
  await waitForText(page, '#opening-fee', /已免开卡费/);
  await checkAccessibility(page, 'cards');
  await page.click('#open-card');
  await page.locator('#card').waitFor({ state: 'visible' });
  await waitForText(page, '#card-balance', /^\$0\.00$/);
  await page.fill('#move-amount', '20');
  await page.click('#load');
  await waitForText(page, '#move-message', /已向卡片转入 \$20\.00/);
  await waitForText(page, '#card-balance', /^\$20\.00$/);
  await checkAccessibility(page, 'card');

  // Reveal with a fresh code (the phone's SMS allows one a minute: wait out the sign-in code's minute if need be).
  await page.clock.install();
  for (let tries = 0; ; tries += 1) {
    await page.click('#reveal-send');
    if (await page.locator('#reveal-code').isVisible({ timeout: 2_000 }).catch(() => false)) break;
    if (tries > 40) throw new Error('the reveal code was never sent');
    await page.waitForTimeout(2_000);
    await page.locator('#reveal-code').waitFor({ state: 'visible', timeout: 1_000 }).catch(() => undefined);
    if (await page.locator('#reveal-code').isVisible()) break;
  }
  await page.fill('#reveal-code', await latestCode(JOURNEY_PHONE, signInSms));
  await page.click('#reveal-show');
  const number = (await waitForText(page, '#reveal-number', /^\d{4} \d{4} \d{4} \d{4}$/)).replace(/\s/g, '');
  const cvc = await waitForText(page, '#reveal-cvc', /^\d{3}$/);
  const [expMonth, expYear] = (await waitForText(page, '#reveal-exp', /^\d\d\/\d\d$/)).split('/').map(Number) as [number, number];
  return { number, cvc, expMonth, expYear, toppedUp, signInSms };
}
