import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { IssuerErrorCode } from '../errors.ts';

/**
 * Issuer API errors in the request's language: with `Accept-Language`
 * preferring Chinese (zh, zh-CN, zh-Hans…), an error answer's `message` is
 * the Chinese sentence for its code, so the cardholder app never shows an
 * English-only line to a Chinese reader. The code, type and param stay as
 * they are (clients branch on the code, never on the message); English
 * remains the default. Every issuer code must have its Chinese text here
 * (the table's type says so); a few generic codes the issuer's routes
 * answer often have one too, the rest stay in English.
 */

const ISSUER_ZH: Readonly<Record<IssuerErrorCode, string>> = {
  phone_invalid: '这不是可以接收短信的手机号码。',
  invite_code_invalid: '邀请码为 8 位字母和数字，例如 7KQ2-M9XD。',
  invite_code_unknown: '没有用户使用此邀请码。',
  invite_code_own: '不能使用自己的邀请码。',
  invite_code_already_applied: '此账户已经使用过邀请码。',
  invite_code_too_late: '只有在开第一张卡之前才能使用邀请码。',
  kyc_required: '请先完成实名认证（KYC）。',
  kyc_already_approved: '实名认证已经通过。',
  kyc_not_pending: '此认证已不在审核中。',
  kyc_resubmission_not_allowed: '此认证结果不能通过重新认证改变。如有疑问，请联系 Cardlane 客服。',
  billing_address_invalid: '这不是发卡行可以核验的账单地址。',
  setting_invalid: '此设置值不被允许。',
  top_up_amount_out_of_range: '充值金额低于最低金额或高于最高金额。',
  quote_expired: '报价已过期，请重新获取报价。',
  notify_signature_invalid: '通知签名缺失或验签失败。',
  withdrawal_amount_out_of_range: '提现金额低于最低金额、高于最高金额，或不足以支付手续费。',
  insufficient_funds: '可用余额不足。',
  funding_provider_unavailable: '暂时无法连接支付服务商，请稍后重试。',
  card_limit_reached: '你的卡片数量已达到上限。',
  card_closed: '此卡已注销，无法修改。',
  dispute_not_settled: '只有已结算的交易才能发起争议。',
  dispute_duplicate: '此交易已经发起过争议。',
  dispute_time_limit_passed: '此交易以该理由发起争议的时限已过。',
  dispute_amount_invalid: '争议金额超过了此交易可争议的金额。',
  dispute_not_decidable: '此争议不在等待裁决的状态。',
  dispute_cardholder_authenticated: '这笔付款是持卡人用手机验证码确认的（3-D Secure），不能以盗刷为由发起争议。',
};

/** Generic (platform) codes the issuer's routes answer often. */
const GENERIC_ZH: Readonly<Record<string, string>> = {
  authentication_required: '请先登录；登录已失效时请重新登录。',
  permission_denied: '无权进行此操作。',
  csrf_token_invalid: '此页面已过期（缺少防伪造令牌），请刷新后重试。',
  session_cookie_ambiguous: '浏览器发送了两个本页面的会话（可能有一个是其他网站设置的），两个都已清除，请重新登录。',
  resource_missing: '找不到该对象。',
  resource_conflict: '请求与对象的当前状态冲突。',
  parameter_invalid: '参数无效。',
  parameter_missing: '缺少必填参数。',
  parameter_unknown: '请求中包含无法识别的参数。',
  body_invalid: '无法解析请求内容。',
  request_invalid: '请求无效。',
  rate_limited: '请求过于频繁，请稍后再试。',
  code_invalid: '验证码不正确。',
  code_expired: '验证码已过期，请重新获取。',
  code_locked: '错误次数过多，请重新获取验证码。',
  code_used: '验证码已被使用，请重新获取。',
  idempotency_key_in_use: '相同的请求正在处理中，请稍后重试。',
  idempotency_key_reused: '此 Idempotency-Key 已用于另一个不同的请求。',
  internal_error: '发生了意外错误。',
  service_unavailable: '服务暂不可用，请稍后重试。',
};

const MAX_RANGES = 16;

/** Whether the request prefers Chinese over English (q-values honoured; English when neither or a tie). */
export function prefersChinese(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  let zh = 0;
  let en = 0;
  for (const part of text.split(',').slice(0, MAX_RANGES)) {
    const [range = '', ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    const tag = range.trim().toLowerCase();
    if (tag === 'zh' || tag.startsWith('zh-')) zh = Math.max(zh, q);
    else if (tag === 'en' || tag.startsWith('en-') || tag === '*') en = Math.max(en, q);
  }
  return zh > en;
}

/** The Chinese message for an error code, if there is one. */
export function chineseMessage(code: string): string | undefined {
  if (Object.hasOwn(ISSUER_ZH, code)) return ISSUER_ZH[code as IssuerErrorCode];
  return Object.hasOwn(GENERIC_ZH, code) ? GENERIC_ZH[code] : undefined;
}

/**
 * `insufficient_funds` names the balance that was short and what it has
 * (money/insufficient-funds.ts): the Chinese sentence says the same, from
 * those fields — the wallet's for a withdrawal or a load, the card's for
 * moving money off the card.
 */
function insufficientFundsChinese(error: ErrorBody['error']): string | undefined {
  if (error.code !== 'insufficient_funds') return undefined;
  const available = (error.available as { formatted?: unknown } | undefined)?.formatted;
  if (typeof available !== 'string') return undefined;
  if (error.balance === 'wallet') return `钱包余额不足：可用余额为 ${available}。`;
  if (error.balance === 'card') return `卡内余额不足：卡内可用余额为 ${available}（被预授权占用的金额不可用）。`;
  return undefined;
}

interface ErrorBody {
  error: { code?: unknown; message?: unknown } & Record<string, unknown>;
}

function isErrorBody(payload: unknown): payload is ErrorBody {
  return typeof payload === 'object' && payload !== null && typeof (payload as ErrorBody).error === 'object' && (payload as ErrorBody).error !== null;
}

/** `plugin` with its error answers in the request's language (see above). */
export function withLocalizedErrors(plugin: FastifyPluginAsync): FastifyPluginAsync {
  return async (app) => {
    app.addHook('preSerialization', async (request: FastifyRequest, reply, payload: unknown) => {
      if (reply.statusCode < 400 || !isErrorBody(payload) || typeof payload.error.code !== 'string') return payload;
      if (!prefersChinese(request.headers['accept-language'])) return payload;
      const message = insufficientFundsChinese(payload.error) ?? chineseMessage(payload.error.code);
      reply.header('content-language', 'zh-CN');
      return message === undefined ? payload : { ...payload, error: { ...payload.error, message } };
    });
    await app.register(plugin);
  };
}
