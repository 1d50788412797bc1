import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  acceptPlainForms,
  escapeHtml,
  formatMinor,
  notificationUrlIn,
  pageLang,
  sendAuthenticationPage,
  THREE_D_SECURE_PAGE_RATE_LIMIT,
  type PageLang,
} from '../../platform/http/authentication-page.ts';
import { RateLimiter } from '../../platform/http/rate-limit.ts';
import { CARDLANE_CHALLENGE_PATH, type CardlaneAccessControlServer, type ChallengeView, type CodeOutcome } from './access-control-server.ts';

/**
 * Cardlane's 3-D Secure challenge page, served by the issuer: the payment
 * (merchant, amount in the card's currency, the card's last four), a field
 * for the code the issuer texted to the cardholder's phone, "send a new
 * code", and "this was not me". Mobile first, no script, strict CSP (the
 * shared frame, platform/http/authentication-page.ts), in Chinese or English.
 * When the challenge ends — passed, failed, refused — the browser goes on to
 * the acquirer's notification URL, which asks the network for the result and
 * finishes the payment; the page itself decides nothing the acquirer trusts.
 */

const TEXT = {
  en: {
    title: 'Confirm it is you',
    intro: (phoneEnd: string) => `Cardlane sent a 6-digit code by SMS to your phone ending ${phoneEnd}. Enter it to confirm this payment.`,
    introSetUp: (phoneEnd: string) => `Cardlane sent a 6-digit code by SMS to your phone ending ${phoneEnd}. Enter it to let this merchant save your card.`,
    merchant: 'Merchant',
    amount: 'Amount',
    setUp: 'Saving the card for later payments',
    card: 'Card',
    code: 'Code from the SMS',
    confirm: 'Confirm',
    resend: 'Send a new code',
    notMe: 'This was not me — cancel',
    wrong: (left: number) => `That code is not right. ${left === 1 ? 'One more try' : `${left} more tries`}, then the payment is cancelled.`,
    invalid: 'Enter the 6 digits of the code.',
    expired: 'This code has expired. Send a new code.',
    sent: 'A new code is on its way.',
    notSent: 'No new code can be sent now.',
    resendLater: (seconds: number) => `You can ask for a new code in ${seconds} seconds.`,
    noMoreCodes: 'No more codes can be sent for this payment.',
    until: (minutes: number) => `This check ends in about ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    ended: { authenticated: 'You confirmed this payment.', failed: 'This check failed: the payment is cancelled.', expired: 'This check was not finished in time: the payment is cancelled.', challenge: '' },
    missing: 'No such check.',
    back: 'Continue',
  },
  'zh-CN': {
    title: '确认是你本人',
    intro: (phoneEnd: string) => `Cardlane 已向你尾号 ${phoneEnd} 的手机发送 6 位短信验证码，输入后即可确认这笔付款。`,
    introSetUp: (phoneEnd: string) => `Cardlane 已向你尾号 ${phoneEnd} 的手机发送 6 位短信验证码，输入后即可允许该商户保存你的卡。`,
    merchant: '商户',
    amount: '金额',
    setUp: '保存卡片，用于以后付款',
    card: '卡片',
    code: '短信验证码',
    confirm: '确认',
    resend: '重新发送验证码',
    notMe: '不是我本人，取消',
    wrong: (left: number) => `验证码不正确。还可以再试 ${left} 次，之后这笔付款将被取消。`,
    invalid: '请输入 6 位数字验证码。',
    expired: '验证码已过期，请重新发送。',
    sent: '新的验证码已发送。',
    notSent: '现在无法发送新的验证码。',
    resendLater: (seconds: number) => `${seconds} 秒后可以重新发送验证码。`,
    noMoreCodes: '这笔付款不能再发送验证码了。',
    until: (minutes: number) => `本次验证约 ${minutes} 分钟后结束。`,
    ended: { authenticated: '你已确认这笔付款。', failed: '验证未通过，这笔付款已取消。', expired: '验证没有在规定时间内完成，这笔付款已取消。', challenge: '' },
    missing: '没有这个验证。',
    back: '继续',
  },
} as const;

type Notice = { readonly kind: 'error' | 'note'; readonly text: string };

export function cardlaneChallengeRoutes(acs: CardlaneAccessControlServer, nowMs: () => number): FastifyPluginAsync {
  // No credential: one limit per client address over showing and answering, as for every challenge page. Guessing
  // codes is bounded by the challenge itself (three wrong codes end it); this bounds the load.
  const limit = new RateLimiter(THREE_D_SECURE_PAGE_RATE_LIMIT, { nowMs });
  return async (app) => {
    acceptPlainForms(app);
    const path = `${CARDLANE_CHALLENGE_PATH}/:id`;

    // The page's id is the challenge's own (`chl_…`), or the authentication's for a challenge opened before that.
    const authenticationOf = async (params: unknown) => {
      const pageId = idOf(params);
      return pageId === null ? null : ((await acs.authenticationOfChallenge(pageId)) ?? null);
    };

    app.get(path, { schema: { hide: true }, onRequest: limit.hook }, async (request, reply) => {
      const lang = pageLang(request);
      const id = await authenticationOf(request.params);
      const view = id === null ? undefined : await acs.view(id);
      return page(reply, lang, view, request.url.split('?')[0]!, nowMs(), null);
    });

    app.post(path, { schema: { hide: true }, onRequest: limit.hook }, async (request, reply) => {
      const lang = pageLang(request);
      const t = TEXT[lang];
      const selfPath = request.url.split('?')[0]!;
      const id = await authenticationOf(request.params);
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (id === null || (await acs.view(id)) === undefined) return page(reply, lang, undefined, selfPath, nowMs(), null, 404);
      let notice: Notice | null = null;
      if (body.action === 'code') {
        const outcome: CodeOutcome = await acs.submitCode(id, typeof body.code === 'string' ? body.code.slice(0, 32) : '');
        const view = (await acs.view(id))!;
        // Passed or failed: back to the acquirer, which continues (or ends) the payment.
        if (outcome === 'passed' || outcome === 'failed') return toAcquirer(reply, lang, view);
        notice = outcome === 'wrong_code' ? { kind: 'error', text: t.wrong(view.wrongCodesLeft) } : outcome === 'code_invalid' ? { kind: 'error', text: t.invalid } : outcome === 'code_expired' ? { kind: 'error', text: t.expired } : null;
        return page(reply, lang, view, selfPath, nowMs(), notice, outcome === 'closed' ? 200 : 400);
      }
      if (body.action === 'resend') {
        notice = (await acs.resend(id)) ? { kind: 'note', text: t.sent } : { kind: 'error', text: t.notSent };
        return page(reply, lang, await acs.view(id), selfPath, nowMs(), notice);
      }
      if (body.action === 'decline') {
        await acs.decline(id);
        return toAcquirer(reply, lang, (await acs.view(id))!);
      }
      return page(reply, lang, await acs.view(id), selfPath, nowMs(), { kind: 'error', text: t.invalid }, 400);
    });
  };
}

function idOf(params: unknown): string | null {
  const id = (params as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : null;
}

/** Back to the acquirer's notification URL (a path on this server, checked when the authentication began), in the page's language. */
function toAcquirer(reply: FastifyReply, lang: PageLang, view: ChallengeView): FastifyReply {
  return reply.code(303).header('location', notificationUrlIn(lang, view.notificationUrl)).header('cache-control', 'no-store').send();
}

function page(reply: FastifyReply, lang: PageLang, view: ChallengeView | undefined, selfPath: string, nowMs: number, notice: Notice | null, status = 200): FastifyReply {
  const t = TEXT[lang];
  if (view === undefined) return sendAuthenticationPage(reply, lang, t.title, `<p class="error">${t.missing}</p>`, selfPath, 404);
  const setUp = view.purpose === 'account_verification' && view.amountMinor === 0;
  const amount = setUp ? t.setUp : formatMinor(view.amountMinor, view.currency, lang);
  const facts = `<dl><dt>${t.merchant}</dt><dd>${escapeHtml(view.merchantName)}</dd><dt>${t.amount}</dt><dd>${escapeHtml(amount)}</dd>
<dt>${t.card}</dt><dd>•••• ${escapeHtml(view.last4)}</dd></dl>`;
  if (view.status !== 'challenge') {
    return sendAuthenticationPage(reply, lang, t.title, `${facts}<p>${t.ended[view.status]}</p><p><a href="${escapeHtml(notificationUrlIn(lang, view.notificationUrl))}">${t.back}</a></p>`, selfPath, status);
  }
  const action = `${escapeHtml(selfPath)}?lang=${lang}`;
  const message = notice === null ? '' : `<p class="${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">${escapeHtml(notice.text)}</p>`;
  const secondsToResend = view.resendAtMs === null ? null : Math.max(0, Math.ceil((view.resendAtMs - nowMs) / 1000));
  const resend =
    view.resendAtMs === null
      ? `<p class="note">${t.noMoreCodes}</p>`
      : secondsToResend! > 0
        ? `<p class="note">${t.resendLater(secondsToResend!)}</p>`
        : `<form method="post" action="${action}"><button class="secondary" type="submit" name="action" value="resend">${t.resend}</button></form>`;
  const minutesLeft = Math.max(1, Math.ceil((view.expiresAtMs - nowMs) / 60_000));
  const body = `<p>${escapeHtml((setUp ? t.introSetUp : t.intro)(view.phoneEnd))}</p>${facts}${message}
<form method="post" action="${action}"><input type="hidden" name="action" value="code">
<label for="code">${t.code}</label><input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required>
<button type="submit">${t.confirm}</button></form>
${resend}
<form method="post" action="${action}"><button class="secondary" type="submit" name="action" value="decline">${t.notMe}</button></form>
<p class="note">${escapeHtml(t.until(minutesLeft))}</p>`;
  return sendAuthenticationPage(reply, lang, t.title, body, selfPath, status);
}
