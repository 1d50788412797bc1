import { Command } from 'commander';
import { CliError, EXIT_USAGE, localTime, type Io } from '../../output.ts';
import { call, contextOf, line, newIdempotencyKey, output, table } from './client.ts';

type Lang = 'en' | 'zh-CN';

interface Bilingual {
  zh: string;
  en: string;
}

/** What a cardholder is told about a rejection (GET /kyc and a verification). */
interface Rejection {
  reason: string | null;
  reason_text: Bilingual | null;
  next_step: Bilingual | null;
  can_resubmit: boolean | null;
}

interface Verification extends Partial<Rejection> {
  id: string;
  status: string;
  qr_payload: string;
  created_at: string;
  completed_at: string | null;
  /** Only in an operator's answer. */
  internal_note?: string | null;
  legacy_reason_text?: string | null;
}

interface KycReason {
  code: string;
  title: { en: string; 'zh-CN': string };
  can_resubmit: boolean;
}

function rejectionRows(r: Partial<Rejection>, lang: Lang): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (r.reason) rows.push(['reason', r.reason]);
  const say = (text: Bilingual) => (lang === 'zh-CN' ? text.zh : text.en);
  if (r.reason_text) rows.push(['why', say(r.reason_text)]);
  if (r.next_step) rows.push(['next step', say(r.next_step)]);
  if (r.can_resubmit === false) rows.push(['verify again', 'not possible']);
  return rows;
}

function langOf(value: string): Lang {
  if (value !== 'en' && value !== 'zh-CN') throw new CliError('--lang is en or zh-CN', EXIT_USAGE);
  return value;
}

function verificationRows(v: Verification, lang: Lang = 'en'): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['verification', v.id],
    ['status', v.status],
  ];
  rows.push(...rejectionRows(v, lang));
  if (v.internal_note) rows.push(['internal note', v.internal_note]);
  if (v.legacy_reason_text) rows.push(['told the cardholder', v.legacy_reason_text]);
  rows.push(['started', localTime(v.created_at)]);
  if (v.completed_at) rows.push(['completed', localTime(v.completed_at)]);
  else rows.push(['face check', v.qr_payload]);
  return rows;
}

/** kyc start | status | approve ID | reject ID --reason CODE [--note N] | reasons. */
export function kycCommand(io: Io): Command {
  const kyc = new Command('kyc').description('identity verification (approve and reject are operator actions)');

  kyc
    .command('start')
    .description('start identity verification (or show the one pending)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const v = await call<Verification>(ctx, 'POST', '/kyc', { auth: 'cardholder', idempotencyKey: newIdempotencyKey() });
      output(ctx, v, () => {
        table(ctx, verificationRows(v));
        if (v.status === 'pending') line(ctx, 'Scan the face-check QR code; the outcome arrives later (cardlane issuer kyc status).');
      });
    });

  kyc
    .command('status')
    .description('identity verification status')
    .option('--lang <lang>', 'language of a rejection’s explanation: en or zh-CN', 'en')
    .action(async (options: { lang: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const lang = langOf(options.lang);
      const s = await call<Rejection & { status: string; verification: Verification | null }>(ctx, 'GET', '/kyc', { auth: 'cardholder' });
      output(ctx, s, () => {
        const rows: Array<[string, string]> = [['kyc', s.status]];
        rows.push(...rejectionRows(s, lang));
        if (s.verification) rows.push(['verification', `${s.verification.id} (${s.verification.status})`]);
        table(ctx, rows);
      });
    });

  kyc
    .command('approve')
    .description('operator (sandbox): approve a pending verification')
    .argument('<id>', 'the verification id (kyc_…)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const v = await call<Verification>(ctx, 'POST', `/operator/kyc/${encodeURIComponent(id)}/approve`, { auth: 'operator' });
      output(ctx, v, () => table(ctx, verificationRows(v)));
    });

  kyc
    .command('reject')
    .description('operator (sandbox): reject a pending verification with a reason code')
    .argument('<id>', 'the verification id (kyc_…)')
    .requiredOption('--reason <code>', 'why, a code (cardlane issuer kyc reasons lists them); the cardholder is told what it means')
    .option('--note <text>', 'an internal note for operators, never shown to the cardholder')
    .action(async (id: string, options: { reason: string; note?: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const body = { reason: options.reason, ...(options.note === undefined ? {} : { internal_note: options.note }) };
      const v = await call<Verification>(ctx, 'POST', `/operator/kyc/${encodeURIComponent(id)}/reject`, { auth: 'operator', body });
      output(ctx, v, () => table(ctx, verificationRows(v)));
    });

  kyc
    .command('reasons')
    .description('operator: the reason codes a verification may be rejected with')
    .option('--lang <lang>', 'language of the titles: en or zh-CN', 'en')
    .action(async (options: { lang: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const lang = langOf(options.lang);
      const list = await call<{ data: KycReason[] }>(ctx, 'GET', '/operator/kyc/reasons', { auth: 'operator' });
      const final = lang === 'zh-CN' ? '（不可重新认证）' : ' (final: no new verification)';
      output(ctx, list, () => table(ctx, list.data.map((r): [string, string] => [r.code, `${r.title[lang]}${r.can_resubmit ? '' : final}`])));
    });

  return kyc;
}
