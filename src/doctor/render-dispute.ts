import { formatMoney, money } from '../platform/money.ts';
import type { Lang } from './catalogue-types.ts';
import type { traceDispute } from './dispute-trace.ts';
import { viewZh } from './render-text.ts';
import { say } from './views.ts';

export type DisputeTrace = Awaited<ReturnType<typeof traceDispute>>;

/**
 * A dispute's trace for people at a terminal: the summary, then each party's
 * side — the issuer's case and its steps, the network's messages with their
 * answers, the merchant's dispute — with times in the reader's time zone.
 */
export function renderDisputeTrace(trace: DisputeTrace, timeZone: string): string {
  const lang: Lang = trace.lang;
  const amount = (minor: number) => formatMoney(money(minor, trace.amount.currency.toUpperCase()));
  const at = (iso: unknown) => (typeof iso === 'string' ? localTime(iso, lang, timeZone) : '—');
  const lines = [say(lang, `Dispute ${trace.id} — ${trace.view} view`, `争议 ${trace.id} —— ${viewZh(trace.view)}视角`), trace.summary];
  for (const hop of trace.hops as Array<Record<string, unknown>>) {
    lines.push('');
    if (hop.party === 'issuer') {
      lines.push(say(lang, `Issuer  ${hop.id}: ${hop.text}`, `发卡行  ${hop.id}：${hop.text}`));
      lines.push(`  ${say(lang, 'reason: ', '原因：')}${hop.reason} (${hop.network_reason_code})`);
      for (const step of hop.steps as Array<{ step: string; amount: number | null; at: string }>) {
        lines.push(`  - ${at(step.at)}  ${step.step}${step.amount === null ? '' : `  ${amount(step.amount)}`}`);
      }
    } else if (hop.party === 'network') {
      lines.push(say(lang, `Network  chargeback ${hop.chargeback_id}`, `卡组织  拒付 ${hop.chargeback_id}`));
      for (const message of hop.messages as Array<{ text: string; answer: string; response_code: string; at: string }>) {
        lines.push(`  - ${at(message.at)}  ${message.text}${say(lang, ': ', '：')}${message.answer} (${message.response_code})`);
      }
    } else {
      lines.push(say(lang, `Acquirer  ${hop.id} (charge ${hop.charge}): ${hop.text}`, `收单机构  ${hop.id}（交易 ${hop.charge}）：${hop.text}`));
      lines.push(`  ${say(lang, 'funds: ', '资金：')}${hop.funds} · ${say(lang, 'answer by: ', '答复截止：')}${at(hop.due_by)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function localTime(iso: string, lang: Lang, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === 'zh-CN' ? 'zh-CN' : 'en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}
