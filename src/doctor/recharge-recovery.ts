import { formatMoney, money } from '../platform/money.ts';
import type { BillingAttemptResolution } from './billing-resolver.ts';
import type { Lang } from './catalogue-types.ts';
import type { AttemptParts } from './present.ts';
import { readerTime } from './reader-time.ts';
import type { TraceRecovery } from './trace-types.ts';
import { say, type View } from './views.ts';

/**
 * What brings a declined auto-recharge back — the second half of the seed's
 * story. The card's issuer declined the merchant's own charge for want of
 * funds (ISO 51), and the catalogue's generic "top up the card, then retry"
 * is wrong there: at a merchant that refuses the card on payments made by
 * hand, a retry by hand is refused again. What works:
 *
 *  1. load at least the shortfall onto the card — the recharge's amount
 *     less what the card had available when the issuer decided (only the
 *     issuer's side may see that balance; the merchant's side is told the
 *     whole amount, an upper bound);
 *  2. then turn auto-recharge on again (billing then tries at once: turning
 *     it on ends the back-off) or wait for its next attempt — written in the
 *     reader's time zone and relative to now;
 *  3. and, when a rule of the merchant refuses this card on payments made by
 *     hand, not to pay by hand.
 *
 * Pure: the caller gathers the facts (the manual-payment blockers from the
 * merchant's rules, the billing attempt's auto-recharge state).
 */

export interface RecoveryInput {
  readonly billing: BillingAttemptResolution | null;
  readonly last: AttemptParts;
  /** Rules of the merchant that would refuse a purchase of this card made by hand (mit-blockers.ts `citBlockingRules`). */
  readonly manualBlockers: readonly string[];
  readonly view: View;
  readonly lang: Lang;
  readonly nowMs: number;
  readonly timeZone: string;
}

export function rechargeRecovery(input: RecoveryInput): TraceRecovery | null {
  const { billing, last, view, lang } = input;
  const { facts, diagnosis } = last;
  const state = billing?.autoRecharge ?? null;
  if (billing === null || billing.kind !== 'auto_recharge' || state === null || !state.isLatest) return null;
  if (diagnosis.outcome !== 'declined' || diagnosis.decidedBy !== 'issuer' || diagnosis.isoCode !== '51' || facts.initiator !== 'merchant') return null;

  const currency = facts.amount.currency;
  const show = (minor: number) => formatMoney(money(minor, currency.toUpperCase()));
  // The balance the issuer decided on is the cardholder's business: only the issuer's side of the doctor uses it.
  const figure = view !== 'merchant' && facts.issuer?.kind === 'cardlane' ? facts.issuer.authorization.checks.available_usd_minor : undefined;
  const available = typeof figure === 'number' && currency === 'usd' ? Math.max(0, figure) : null;
  const loadMinor = available === null ? facts.amount.minor : Math.max(0, facts.amount.minor - available);
  const next = state.enabled && state.pausedReason === null && state.nextAttemptAtMs !== null && state.nextAttemptAtMs > input.nowMs ? state.nextAttemptAtMs : null;
  const nextLocal = next === null ? null : readerTime(next, input.nowMs, lang, input.timeZone);
  const manualRefused = input.manualBlockers.length > 0;

  const steps: string[] = [
    available === null
      ? say(lang, `Load the card so it has at least ${show(facts.amount.minor)} available (the recharge's amount).`, `向卡内转入资金，使可用余额至少为 ${show(facts.amount.minor)}（这次充值的金额）。`)
      : say(
          lang,
          `Load at least ${show(loadMinor)} onto the card: the recharge is ${show(facts.amount.minor)} and the card had ${show(available)} available.`,
          `向卡内转入至少 ${show(loadMinor)}：这次充值 ${show(facts.amount.minor)}，卡内当时可用 ${show(available)}。`,
        ),
    !state.enabled
      ? say(lang, 'Then turn auto-recharge on again on the billing page.', '然后在账单页面重新开启自动充值。')
      : state.pausedReason !== null
        ? say(lang, 'Then turn auto-recharge on again on the billing page: it is paused and will not try by itself.', '然后在账单页面重新开启自动充值：它已暂停，不会自行重试。')
        : nextLocal === null
          ? say(lang, 'Then turn auto-recharge on again on the billing page, or wait for its next attempt.', '然后在账单页面重新开启自动充值，或等待下一次自动尝试。')
          : say(
              lang,
              `Then turn auto-recharge on again on the billing page (it tries at once), or wait for its next attempt: ${nextLocal}.`,
              `然后在账单页面重新开启自动充值（会立即重试），或等待下一次自动尝试：${nextLocal}。`,
            ),
  ];
  if (manualRefused) {
    steps.push(
      view === 'merchant'
        ? say(lang, `Do not ask the customer to pay by hand: your rule refuses this card on customer-initiated payments (${input.manualBlockers.join(', ')}).`, `不要让客户手动付款：你的规则拒绝这张卡的客户发起付款（${input.manualBlockers.join('、')}）。`)
        : say(lang, 'Do not buy credits by hand: the merchant refuses this card on payments made by hand.', '不要手动购买额度：商户只接受这张卡的自动扣款，手动付款会被拒绝。'),
    );
  }
  const summary = say(
    lang,
    `Load at least ${show(loadMinor)} onto the card, then turn auto-recharge on again${nextLocal === null ? '' : ` or wait for its next attempt at ${nextLocal}`}${manualRefused ? '; paying by hand is refused' : ''}.`,
    `向卡内转入至少 ${show(loadMinor)}，然后重新开启自动充值${nextLocal === null ? '' : `，或等到 ${nextLocal} 自动重试`}${manualRefused ? '；手动付款会被拒绝' : ''}。`,
  );
  return {
    kind: 'declined_auto_recharge',
    summary,
    steps,
    load_at_least: { amount: loadMinor, currency, display: show(loadMinor) },
    card_available: available,
    next_attempt_at: next === null ? null : new Date(next).toISOString(),
    next_attempt_local: nextLocal,
    time_zone: input.timeZone,
    manual_payment_refused: manualRefused,
  };
}
