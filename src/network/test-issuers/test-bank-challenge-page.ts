import type { FastifyPluginAsync } from 'fastify';
import { systemClock, type Clock } from '../../platform/clock.ts';
import {
  acceptPlainForms,
  escapeHtml,
  formatMinor,
  notificationUrlIn,
  pageLang,
  sendAuthenticationPage,
  serveAuthenticationStylesheet,
  THREE_D_SECURE_PAGE_RATE_LIMIT,
  type PageLang,
} from '../../platform/http/authentication-page.ts';
import { RateLimiter } from '../../platform/http/rate-limit.ts';
import { TEST_BANK_CHALLENGE_PATH, type ChallengeView, type TestBankAcs } from './test-bank-acs.ts';

/**
 * The test bank's 3-D Secure challenge page, like Stripe's test page:
 * "Complete" passes the authentication, "Fail" fails it; either way the
 * browser goes on to the acquirer's notification URL, which finishes the
 * payment. GET shows it, POST (a plain form, no script) answers it.
 */

const TEXT = {
  en: {
    title: '3-D Secure test payment',
    intro: 'Cardlane Test Bank asks you to confirm this payment. This is a test page: choose what the cardholder does.',
    merchant: 'Merchant', amount: 'Amount', card: 'Card',
    complete: 'Complete authentication', fail: 'Fail authentication',
    closed: 'This authentication has ended.', missing: 'No such authentication.', back: 'Continue',
  },
  'zh-CN': {
    title: '3-D Secure 测试支付验证',
    intro: 'Cardlane 测试银行请你确认这笔付款。这是测试页面：请选择持卡人的操作。',
    merchant: '商户', amount: '金额', card: '卡片',
    complete: '完成验证', fail: '验证失败',
    closed: '此验证已结束。', missing: '没有这个验证。', back: '继续',
  },
} as const;

export function testBankChallengeRoutes(acs: TestBankAcs, clock: Clock = systemClock): FastifyPluginAsync {
  // No credential: one limit per client address over showing and answering (SECURITY.md).
  const limit = new RateLimiter(THREE_D_SECURE_PAGE_RATE_LIMIT, clock);
  return async (app) => {
    acceptPlainForms(app);
    serveAuthenticationStylesheet(app);
    const path = `${TEST_BANK_CHALLENGE_PATH}/:id`;

    app.get(path, { schema: { hide: true }, onRequest: limit.hook }, async (request, reply) => {
      const lang = pageLang(request);
      const id = (request.params as { id: string }).id;
      const view = await acs.view(id);
      return page(reply, lang, view, request.url.split('?')[0]!);
    });

    app.post(path, { schema: { hide: true }, onRequest: limit.hook }, async (request, reply) => {
      const lang = pageLang(request);
      const id = (request.params as { id: string }).id;
      const action = (request.body as Record<string, unknown> | undefined)?.action;
      if (action !== 'complete' && action !== 'fail') return page(reply, lang, await acs.view(id), request.url.split('?')[0]!, 400);
      const view = await acs.finish(id, action);
      if (view === undefined) return page(reply, lang, view, request.url.split('?')[0]!, 404);
      // Back to the acquirer (a path on this server, checked when the authentication began), which continues the payment.
      // In the language the customer used here: the return page answers in it.
      return reply.code(303).header('location', notificationUrlIn(lang, view.notificationUrl)).header('cache-control', 'no-store').send();
    });
  };
}

function page(reply: Parameters<typeof sendAuthenticationPage>[0], lang: PageLang, view: ChallengeView | undefined, selfPath: string, status = 200) {
  const t = TEXT[lang];
  if (view === undefined) return sendAuthenticationPage(reply, lang, t.title, `<p class="error">${t.missing}</p>`, selfPath, 404);
  const facts = `<dl><dt>${t.merchant}</dt><dd>${escapeHtml(view.merchantName)}</dd><dt>${t.amount}</dt><dd>${escapeHtml(formatMinor(view.amountMinor, view.currency, lang))}</dd>
<dt>${t.card}</dt><dd>•••• ${escapeHtml(view.last4)}</dd></dl>`;
  if (view.status !== 'challenge') {
    return sendAuthenticationPage(reply, lang, t.title, `${facts}<p>${t.closed}</p><p><a href="${escapeHtml(notificationUrlIn(lang, view.notificationUrl))}">${t.back}</a></p>`, selfPath, status);
  }
  const form = `<p class="note">${t.intro}</p>${facts}
<form method="post" action="${escapeHtml(selfPath)}?lang=${lang}"><button type="submit" name="action" value="complete">${t.complete}</button>
<button class="secondary" type="submit" name="action" value="fail">${t.fail}</button></form>`;
  return sendAuthenticationPage(reply, lang, t.title, form, selfPath, status);
}
