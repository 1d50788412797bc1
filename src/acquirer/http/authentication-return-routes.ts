import type { FastifyPluginAsync } from 'fastify';
import { escapeHtml, pageLang, sendAuthenticationPage } from '../../platform/http/authentication-page.ts';
import { AUTHENTICATION_RETURN_PATH } from '../payments/payment-authentication.ts';
import type { PaymentIntent } from '../payments/payment-intent-store.ts';
import type { PaymentIntents } from '../payments/payment-intents.ts';

/**
 * Where an issuer's 3-D Secure challenge page sends the customer's browser
 * when it ends (the EMV 3DS notification URL). The payment continues here —
 * the authentication's result is asked of the network, never taken from the
 * browser — and the browser goes on to the merchant's `return_url` with the
 * query Stripe adds (`payment_intent`, `payment_intent_client_secret`,
 * `redirect_status`). Without a `return_url`, a short page says it is done.
 * No API key: the authentication id is the only handle, and nothing here
 * shows more than the intent's status.
 */

const TEXT = {
  en: { title: 'Payment authentication', succeeded: 'Authentication complete. You can close this window.', failed: 'Authentication failed. Go back to the merchant to try again.', pending: 'The authentication is not finished yet.', missing: 'No such authentication.' },
  'zh-CN': { title: '支付验证', succeeded: '验证已完成，可以关闭此窗口。', failed: '验证未通过，请返回商户重试。', pending: '验证尚未完成。', missing: '没有这个验证。' },
} as const;

export function authenticationReturnRoutes(payments: PaymentIntents, nowMs: () => number): FastifyPluginAsync {
  return async (app) => {
    app.get(`${AUTHENTICATION_RETURN_PATH}/:id`, { schema: { hide: true } }, async (request, reply) => {
      const lang = pageLang(request);
      const id = (request.params as { id: string }).id;
      const pi = id.length <= 200 ? await payments.continueAfterAuthentication(id, nowMs()) : null;
      const selfPath = request.url.split('?')[0]!;
      if (pi === null) return sendAuthenticationPage(reply, lang, TEXT[lang].title, `<p class="error">${TEXT[lang].missing}</p>`, selfPath, 404);
      const status = redirectStatus(pi);
      if (pi.returnUrl !== null && status !== 'pending') {
        const target = new URL(pi.returnUrl);
        target.searchParams.set('payment_intent', pi.id);
        target.searchParams.set('payment_intent_client_secret', pi.clientSecret);
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
