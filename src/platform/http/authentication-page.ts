import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currency, money, toDecimalString } from '../money.ts';
import type { RateLimitPolicy } from './rate-limit.ts';

/**
 * The frame of a 3-D Secure challenge page (an issuer's access control
 * server page: the test bank's, Cardlane's own issuer's). Mobile first (one
 * column, large touch targets), in Simplified Chinese or English as the
 * browser asks (`?lang=` overrides, and the page links to the other), with a
 * strict Content-Security-Policy: no script at all, the stylesheet from this
 * origin, forms posting only to this origin. Card numbers
 * never appear: the page shows the last four digits only, and its URL names
 * the authentication, not the card.
 */

export type PageLang = 'zh-CN' | 'en';

// Framing is allowed: EMV 3-D Secure shows the challenge in a frame of the checkout page (Stripe.js's handleNextAction does),
// and without script nothing on the page can be driven from the frame's parent. form-action names http(s) too: browsers
// check the redirects after a post against it, and the answer's last hop is the merchant's return_url (any site).
export const AUTHENTICATION_PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' https: http:; base-uri 'none'; frame-ancestors *";

/** Where the shared stylesheet is served (registered once by `serveAuthenticationStylesheet`). */
export const AUTHENTICATION_STYLESHEET_PATH = '/3ds/assets/challenge.css';

/**
 * The 3-D Secure pages take no credential (the authentication's id is the
 * handle), so, like every such route, they are limited per client address
 * (SECURITY.md): a customer loads a challenge and comes back a few times; a
 * script asking without end gets 429 before any database read.
 */
export const THREE_D_SECURE_PAGE_RATE_LIMIT: RateLimitPolicy = { name: 'three_d_secure_pages', burst: 60, perWindow: 60, windowMs: 60_000 };

const STYLESHEET = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f4f5f7;color:#1a1d21}
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}h1{font-size:1.25rem;margin:0 0 1rem}.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;margin:0 0 1rem}dt{color:#5b6270}dd{margin:0;font-weight:600}
label{display:block;margin:.5rem 0 .25rem}input[type=text]{width:100%;font-size:1.5rem;letter-spacing:.3em;padding:.6rem;border:1px solid #c4c9d2;border-radius:8px;text-align:center}
button{display:block;width:100%;min-height:3rem;margin-top:.75rem;font-size:1rem;border:0;border-radius:8px;background:#2f5bea;color:#fff}button.secondary{background:#e6e8ec;color:#1a1d21}
.note{color:#5b6270;font-size:.9rem}.error{color:#b42318;font-weight:600}.lang{text-align:right;font-size:.9rem;margin-bottom:.5rem}a{color:#2f5bea}`;

export function pageLang(request: FastifyRequest): PageLang {
  const asked = (request.query as Record<string, unknown> | undefined)?.lang;
  if (asked === 'en' || asked === 'zh-CN') return asked;
  const header = String(request.headers['accept-language'] ?? '');
  const first = header.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}

/**
 * Where a challenge page sends the browser when it ends — the acquirer's notification URL (a path on this server) —
 * carrying the language the customer chose on the challenge, so the acquirer's page after it (which reads `?lang=`
 * as every page here does) speaks it too, even when it is not the browser's.
 */
export function notificationUrlIn(lang: PageLang, notificationUrl: string): string {
  return `${notificationUrl}${notificationUrl.includes('?') ? '&' : '?'}lang=${lang}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Shows an amount in minor units as the reader's locale writes money — `$20.00` in English, `US$20.00` in Chinese
 * (Intl's own symbols and grouping) — from the exact decimal string: no float rounding, whatever the amount.
 */
export function formatMinor(minor: number, currencyCode: string, lang: PageLang): string {
  const amount = money(minor, currencyCode);
  const digits = currency(amount.currency).exponent;
  return new Intl.NumberFormat(lang, { style: 'currency', currency: amount.currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(toDecimalString(amount) as `${number}`);
}

/** A whole page: `body` is trusted HTML the caller built with `escapeHtml` for every value. */
export function sendAuthenticationPage(reply: FastifyReply, lang: PageLang, title: string, body: string, selfPath: string, status = 200): FastifyReply {
  const other: PageLang = lang === 'en' ? 'zh-CN' : 'en';
  const html = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="${AUTHENTICATION_STYLESHEET_PATH}"></head>
<body><main><p class="lang"><a href="${escapeHtml(selfPath)}?lang=${other}">${other === 'en' ? 'English' : '中文'}</a></p>
<h1>${escapeHtml(title)}</h1><div class="card">${body}</div></main></body></html>`;
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', AUTHENTICATION_PAGE_CSP)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .send(html);
}

/** Registers the stylesheet (idempotent per Fastify instance tree: call it from one module only). */
export function serveAuthenticationStylesheet(app: FastifyInstance): void {
  app.get(AUTHENTICATION_STYLESHEET_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );
}

/** Parses an `application/x-www-form-urlencoded` body (the challenge forms) inside the plugin that calls it. */
export function acceptPlainForms(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
