import { Command } from 'commander';
import type { Io } from '../../output.ts';
import { call, contextOf, line, money, output, typedAmount, type IssuerContext } from './client.ts';

interface Dispute {
  id: string;
  authorization_id: string;
  reason: string;
  status: string;
  winner: string | null;
  amount: { amount_minor: number };
  provisional_credit: number;
  network: { scheme: string; reason_code: string; title: string };
  steps: Array<{ step: string; detail: string; at: string }>;
}

function printDispute(ctx: IssuerContext, d: Dispute): void {
  line(ctx, `${d.id}  ${d.status}${d.winner ? ` (${d.winner} won)` : ''}  ${money(d.amount.amount_minor)}  ${d.reason} — ${d.network.scheme} ${d.network.reason_code} ${d.network.title}`);
  if (d.provisional_credit > 0) line(ctx, `  provisional credit ${money(d.provisional_credit)}`);
  for (const s of d.steps) line(ctx, `  ${s.at}  ${s.step.padEnd(20)} ${s.detail}`);
}

/** dispute open | list | show | decide (operator). */
export function disputeCommand(io: Io): Command {
  const dispute = new Command('dispute').description('dispute a settled card payment, and follow the case');
  dispute
    .command('open')
    .description('dispute a statement line (its authorization id, iauth_…)')
    .argument('<authorization>', 'the payment’s authorization id (iauth_…), from the card statement')
    .requiredOption('--reason <reason>', 'fraud | product_not_received | duplicate | credit_not_processed | not_as_described')
    .option('--evidence <text>', 'what happened, in your words', '')
    .option('--amount <usd>', 'part of the payment, e.g. 12.50 (default: all of it)')
    .action(async (authorization: string, options: { reason: string; evidence: string; amount?: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const body = { authorization_id: authorization, reason: options.reason, evidence: options.evidence, ...(options.amount ? { amount: typedAmount(options.amount, 'USD', '--amount') } : {}) };
      const d = await call<Dispute>(ctx, 'POST', '/disputes', { auth: 'cardholder', body });
      output(ctx, d, () => printDispute(ctx, d));
    });
  dispute
    .command('list')
    .description('your disputes')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const list = await call<{ data: Dispute[] }>(ctx, 'GET', '/disputes', { auth: 'cardholder' });
      output(ctx, list, () => (list.data.length === 0 ? line(ctx, 'No disputes.') : list.data.forEach((d) => printDispute(ctx, d))));
    });
  dispute
    .command('show')
    .description('one dispute, with every step of its case')
    .argument('<id>', 'the dispute id (idsp_…)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const d = await call<Dispute>(ctx, 'GET', `/disputes/${encodeURIComponent(id)}`, { auth: 'cardholder' });
      output(ctx, d, () => printDispute(ctx, d));
    });
  dispute
    .command('decide')
    .description('operator (sandbox): decide a dispute the merchant answered with evidence')
    .argument('<id>', 'the dispute id (idsp_…)')
    .requiredOption('--winner <who>', 'cardholder | merchant')
    .action(async (id: string, options: { winner: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const d = await call<Dispute>(ctx, 'POST', `/operator/disputes/${encodeURIComponent(id)}/decide`, { auth: 'operator', body: { winner: options.winner } });
      output(ctx, d, () => printDispute(ctx, d));
    });
  return dispute;
}
