import { formatMoney, money } from '../platform/money.ts';
import { padEndToWidth } from '../platform/text-width.ts';
import type { Party } from './diagnose.ts';
import { readerTimeZone } from './reader-time.ts';
import type { Trace, TraceAttempt } from './trace-types.ts';
import { say } from './views.ts';

/**
 * A trace for people at a terminal: the verdict first, then each attempt's path, then what to do.
 * Times are in `timeZone` (the CLI passes the machine's), else the doctor's default for the language.
 */
export function renderTrace(trace: Trace, timeZone?: string): string {
  const lang = trace.lang;
  const zone = timeZone ?? readerTimeZone(lang, undefined);
  const lines: string[] = [];
  const what = 'id' in trace.query ? `${trace.subject.id} (${trace.subject.kind})` : `${trace.subject.id} ${terminalTime(trace.query.from, zone)} → ${terminalTime(trace.query.to, zone)}`;
  lines.push(say(lang, `Trace of ${what} — ${trace.view} view`, `诊断 ${what} —— ${viewZh(trace.view)}视角`));
  lines.push(trace.summary);
  if (trace.billing !== null) {
    lines.push('');
    lines.push(say(lang, `Billing: ${trace.billing.kind} ${trace.billing.attempt_id}`, `账单：${trace.billing.kind} ${trace.billing.attempt_id}`));
    for (const line of trace.billing.lines) lines.push(`  - ${line.text}`);
  }
  for (const attempt of trace.attempts) lines.push('', ...renderAttempt(attempt, lang, zone));
  if (trace.attempts.length === 0 && !('id' in trace.query)) lines.push('', say(lang, 'No attempts in this window.', '此时间段内没有交易尝试。'));
  if (trace.recovery) {
    lines.push('', say(lang, 'What brings the recharge back:', '怎样让自动充值恢复：'));
    trace.recovery.steps.forEach((step, i) => lines.push(`  ${i + 1}. ${step}`));
  }
  if (trace.notes.length > 0) {
    lines.push('', say(lang, 'Notes:', '说明：'));
    for (const note of trace.notes) lines.push(`  - ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderAttempt(a: TraceAttempt, lang: 'en' | 'zh-CN', timeZone: string): string[] {
  const amount = a.purpose === 'purchase' ? formatMoney(money(a.amount, a.currency), { code: true }) : cardCheck(a, lang);
  const initiated = a.initiated_by === 'customer' ? say(lang, 'customer-initiated', '客户发起') : say(lang, 'merchant-initiated', '商户发起');
  const purpose = a.purpose === 'purchase' ? say(lang, 'purchase', '付款') : say(lang, 'card verification', '卡片验证');
  const about = [a.card.funding === null ? null : fundingWord(a.card.funding, lang), a.card.country].filter(Boolean);
  const card = `${a.card.brand} •••• ${a.card.last4 ?? '????'}${a.card.funding ? say(lang, ` (${about.join(', ')})`, `（${about.join('，')}）`) : ''}`;
  const out: string[] = [];
  out.push(`${say(lang, 'Attempt', '尝试')} ${a.reference ?? '—'} · ${terminalTime(a.created_at, timeZone)} · ${a.merchant.name ?? '?'} · ${amount} · ${say(lang, `${initiated} ${purpose}`, `${initiated}的${purpose}`)} · ${card}`);
  a.hops.forEach((hop, i) => {
    const party = lang === 'en' ? hop.party : PARTY_ZH[hop.party];
    const status = lang === 'en' ? hop.status : (STATUS_ZH[hop.status] ?? hop.status);
    out.push(`  ${i + 1}. ${padEndToWidth(party, 8)} ${padEndToWidth(status, 22)} ${hop.summary}`);
    const fields = hop.iso_fields;
    // Fields 6/51 only when the issuer converted: the transaction's amount (4/49) against what the card was billed.
    if (fields?.['6'] !== undefined && fields['51'] !== undefined && fields['4'] !== null && fields['49'] !== null) {
      const transaction = formatMoney(money(fields['4'], fields['49']), { code: true });
      const billing = formatMoney(money(fields['6'], fields['51']), { code: true });
      out.push(`     ${say(lang, 'ISO fields', 'ISO 字段')} 4/49 ${transaction} · 6/51 ${billing}${say(lang, ' (billed to the card)', '（按卡片币种扣款）')}`);
    }
  });
  const v = a.verdict;
  out.push(`  ${say(lang, 'Verdict: ', '结论：')}${v.title}${v.decided_by ? ` [${v.decided_by}${v.reason ? `: ${v.reason}` : ''}]` : ''}`);
  if (v.outcome === 'declined') {
    const retry = v.retryable === null ? '—' : v.retryable ? say(lang, 'yes', '是') : say(lang, 'no', '否');
    out.push(
      `    ISO ${v.iso_code ?? '—'} · Stripe ${v.stripe_code ?? '—'} / ${v.stripe_decline_code ?? '—'} · ${say(lang, 'retryable: ', '可重试：')}${retry} · ${say(lang, 'seed cause: ', '原文分类：')}${v.seed_cause ?? '—'}`,
    );
    if (v.rule) out.push(`    ${say(lang, 'Rule: ', '规则：')}${v.rule.id ?? 'built-in'} “${v.rule.description}”${v.rule.deleted ? say(lang, ' (deleted since)', '（已删除）') : ''}`);
  }
  out.push(`    ${say(lang, 'Why: ', '原因：')}${v.explanation}`);
  if (v.remedy !== null) out.push(`    ${say(lang, 'What to do: ', '建议：')}${v.remedy}`);
  if (v.outcome === 'declined') {
    const r = a.seed_remedy;
    out.push(`  ${say(lang, 'Seed remedy (default card + auto-recharge): ', '原文方案（设为默认卡 + 自动充值）：')}${r.recommended ? say(lang, 'recommended', '推荐') : say(lang, 'not recommended', '不推荐')}`);
    out.push(`    ${r.summary}`);
    for (const step of r.steps) out.push(`    - ${step}`);
  }
  return out;
}

/**
 * A card verification moves no money (at Stripe it has no amount; Cardlane's
 * is a zero-amount check or a small verification hold, released): its line
 * says what happened to the check, never "USD 0.00" as if it were a payment.
 */
function cardCheck(a: TraceAttempt, lang: 'en' | 'zh-CN'): string {
  const outcome =
    a.verdict.outcome === 'declined' ? say(lang, 'card check declined', '验卡被拒') : a.verdict.outcome === 'approved' ? say(lang, 'card check passed', '验卡通过') : say(lang, 'card check', '验卡');
  if (a.amount <= 0) return outcome;
  const hold = formatMoney(money(a.amount, a.currency), { code: true });
  return `${outcome} (${say(lang, `verification hold ${hold}`, `验证预授权 ${hold}`)})`;
}

/** `2026-12-07 17:59:28 GMT+8`: the reader's wall clock to the second (a trace orders events), its zone named. */
function terminalTime(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).formatToParts(ms);
  const part = Object.fromEntries(parts.map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second} ${part.timeZoneName}`;
}

const PARTY_ZH: Readonly<Record<Party, string>> = { billing: '商户账单', acquirer: '收单机构', network: '卡组织', issuer: '发卡行' };

/** What each party did, as diagnose.ts names it (HopStatus), in Chinese. */
const STATUS_ZH: Readonly<Record<string, string>> = {
  requested: '已发起',
  blocked: '已拦截',
  sent: '已发出',
  reversed: '已撤销',
  not_reached: '未收到',
  routed: '已转发',
  stand_in: '代为应答',
  refused: '已拒收',
  pending: '等待应答',
  approved: '已批准',
  declined: '已拒绝',
  late_approval_released: '迟到的批准（已释放）',
  told_afterwards: '事后获知',
  no_answer: '未应答',
};

function fundingWord(funding: string, lang: 'en' | 'zh-CN'): string {
  if (lang === 'en') return funding;
  return ({ credit: '信用卡', debit: '借记卡', prepaid: '预付卡' } as Record<string, string>)[funding] ?? funding;
}

export function viewZh(view: string): string {
  return view === 'merchant' ? '商户' : view === 'cardholder' ? '持卡人' : '运营';
}
