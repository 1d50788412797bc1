import { Command } from 'commander';
import { localTime, type Io } from '../../output.ts';
import { call, contextOf, line, newIdempotencyKey, output, table } from './client.ts';

interface Verification {
  id: string;
  status: string;
  reason: string | null;
  qr_payload: string;
  created_at: string;
  completed_at: string | null;
}

function verificationRows(v: Verification): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['verification', v.id],
    ['status', v.status],
  ];
  if (v.reason) rows.push(['reason', v.reason]);
  rows.push(['started', localTime(v.created_at)]);
  if (v.completed_at) rows.push(['completed', localTime(v.completed_at)]);
  else rows.push(['face check', v.qr_payload]);
  return rows;
}

/** kyc start | status | approve ID | reject ID --reason R. */
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
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const s = await call<{ status: string; reason: string | null; verification: Verification | null }>(ctx, 'GET', '/kyc', { auth: 'cardholder' });
      output(ctx, s, () => {
        const rows: Array<[string, string]> = [['kyc', s.status]];
        if (s.reason) rows.push(['reason', s.reason]);
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
    .description('operator (sandbox): reject a pending verification')
    .argument('<id>', 'the verification id (kyc_…)')
    .requiredOption('--reason <reason>', 'why (shown to the cardholder)')
    .action(async (id: string, options: { reason: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const v = await call<Verification>(ctx, 'POST', `/operator/kyc/${encodeURIComponent(id)}/reject`, { auth: 'operator', body: { reason: options.reason } });
      output(ctx, v, () => table(ctx, verificationRows(v)));
    });

  return kyc;
}
