import type { FastifyPluginAsync } from 'fastify';
import { escapeHtml, pageLang, sendAuthenticationPage, THREE_D_SECURE_PAGE_RATE_LIMIT } from '../../platform/http/authentication-page.ts';
import { RateLimiter } from '../../platform/http/rate-limit.ts';
import { AUTHENTICATION_RETURN_PATH } from '../payments/payment-authentication.ts';
import type { PaymentIntent } from '../payments/payment-intent-store.ts';
import type { PaymentIntents } from '../payments/payment-intents.ts';
import type { SetupIntentFlow } from '../payments/setup-intent-flow.ts';
import type { SetupIntent } from '../payments/setup-intent-store.ts';

/**
 * Where an issuer's 3-D Secure challenge page sends the customer's browser
 * when it ends (the EMV 3DS notification URL). The payment continues here —
 * the authentication's result is asked of the network, never taken from the
 * browser — and the browser goes on to the merchant's `return_url` with the
 * query Stripe adds (`payment_intent`, `payment_intent_client_secret`,
 * `redirect_status`; for a set-up `setup_intent`, `setup_intent_client_secret`,
 * `redirect_status`). Without a `return_url`, a short page says it is done.
 * No API key: the authentication id is the only handle, and nothing here
 * shows more than the intent's status.
 */

const TEXT = {
  en: { title: 'Payment authentication', succeeded: 'Authentication complete. You can close this window.', failed: 'Authentication failed. Go back to the merchant to try again.', pending: 'The authentication is not finished yet.', missing: 'No such authentication.' },
  'zh-CN': { title: '支付验证', succeeded: '验证已完成，可以关闭此窗口。', failed: '验证未通过，请返回商户重试。', pending: '验证尚未完成。', missing: '没有这个验证。' },
} as const;

export function authenticationReturnRoutes(payments: PaymentIntents, setups: SetupIntentFlow, nowMs: () => number): FastifyPluginAsync {
  // No credential here: limited per client address before anything is read (a request may ask the network).
  const limit = new RateLimiter(THREE_D_SECURE_PAGE_RATE_LIMIT, { nowMs });
  return async (app) => {
    app.get(`${AUTHENTICATION_RETURN_PATH}/:id`, { schema: { hide: true }, onRequest: limit.hook }, async (request, reply) => {
      // The language the customer read the challenge in: the issuer's page sends the browser here with its `?lang=`
      // (notificationUrlIn); without one, the browser's Accept-Language, as on every 3-D Secure page.
      const lang = pageLang(request);
      const id = (request.params as { id: string }).id;
      const pi = id.length <= 200 ? await payments.continueAfterAuthentication(id, nowMs()) : null;
      // Not a payment's: a set-up's (the ids never collide: both are the network id of the attempt that was answered 1A).
      const si = pi === null && id.length <= 200 ? await setups.continueAfterAuthentication(id, nowMs()) : null;
      const selfPath = request.url.split('?')[0]!;
      const intent =
        pi !== null
          ? { kind: 'payment_intent', id: pi.id, clientSecret: pi.clientSecret, returnUrl: pi.returnUrl, status: redirectStatus(pi) }
          : si !== null
            ? { kind: 'setup_intent', id: si.id, clientSecret: si.clientSecret, returnUrl: si.returnUrl, status: setupRedirectStatus(si) }
            : null;
      if (intent === null) return sendAuthenticationPage(reply, lang, TEXT[lang].title, `<p class="error">${TEXT[lang].missing}</p>`, selfPath, 404);
      const status = intent.status;
      if (intent.returnUrl !== null && status !== 'pending') {
        const target = new URL(intent.returnUrl);
        target.searchParams.set(intent.kind, intent.id);
        target.searchParams.set(`${intent.kind}_client_secret`, intent.clientSecret);
        target.searchParams.set('redirect_status', status);
        return reply.code(303).header('location', target.toString()).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send();
      }
      return sendAuthenticationPage(reply, lang, TEXT[lang].title, `<p>${escapeHtml(TEXT[lang][status])}</p>`, selfPath);
    });
  };
}

/** Stripe's `redirect_status`: `succeeded` once authorized (captured or not), `failed` when it went back to requires_payment_method. */
function redirectStatus(pi: PaymentIntent): 'succeeded' | 'failed' | 'pending' {
  if (pi.status === 'succeeded' || pi.status === 'requires_capture' || pi.status === 'processing') return 'succeeded';
  if (pi.status === 'requires_action') return 'pending';
  return 'failed';
}

/** The same for a set-up: `succeeded` once the card is saved; `pending` while a challenge waits or a continuation runs. */
function setupRedirectStatus(si: SetupIntent): 'succeeded' | 'failed' | 'pending' {
  if (si.status === 'succeeded') return 'succeeded';
  if (si.status === 'requires_action' || si.status === 'processing') return 'pending';
  return 'failed';
}
