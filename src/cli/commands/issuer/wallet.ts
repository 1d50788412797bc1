import { Command } from 'commander';
import type { Io } from '../../output.ts';
import { call, contextOf, line, money, newIdempotencyKey, output, table, typedAmount } from './client.ts';

type Amount = { amount_minor: number; currency: string; formatted: string };

interface Quote {
  id: string;
  cny_amount: Amount;
  fee: Amount;
  rate: string;
  usd_amount: Amount;
  expires_at: string;
}

interface TopUp {
  id: string;
  quote_id: string;
  status: string;
  cny_amount: Amount;
  fee: Amount;
  rate: string;
  usd_amount: Amount;
  pay_url: string | null;
  expires_at: string;
  credited_at: string | null;
}

/** wallet, top-up (+ pay), withdraw, statement. */
export function walletCommands(io: Io): Command[] {
  const wallet = new Command('wallet').description('the USD wallet balance').action(async (_options: unknown, command: Command) => {
    const ctx = contextOf(io, command);
    const w = await call<{ available: Amount; pending: Amount; posted: Amount }>(ctx, 'GET', '/wallet', { auth: 'cardholder' });
    output(ctx, w, () =>
      table(ctx, [
        ['available', money(w.available)],
        ['pending', money(w.pending)],
        ['posted', money(w.posted)],
      ]),
    );
  });

  const topUp = new Command('top-up')
    .description('top up the wallet through Alipay: quote and order (then pay it)')
    .option('--cny <amount>', 'CNY to pay, e.g. 1000 or 1,000.00')
    .action(async (options: { cny?: string }, command: Command) => {
      const ctx = contextOf(io, command);
      if (options.cny === undefined) {
        command.help({ error: true });
        return;
      }
      const cny = typedAmount(options.cny, 'CNY', '--cny');
      const quote = await call<Quote>(ctx, 'POST', '/wallet/top-up-quotes', { auth: 'cardholder', body: { cny_amount: cny } });
      const order = await call<TopUp>(ctx, 'POST', '/wallet/top-ups', { auth: 'cardholder', body: { quote_id: quote.id } });
      output(ctx, { quote, top_up: order }, () => {
        table(ctx, [
          ['you pay', money(quote.cny_amount)],
          ['fee', money(quote.fee)],
          ['rate', `1 USD = ${quote.rate} CNY`],
          ['you get', money(quote.usd_amount)],
          ['order', order.id],
          ['status', order.status],
          ['pay before', order.expires_at],
          ['pay at', order.pay_url ?? '-'],
        ]);
      });
    });

  topUp
    .command('pay')
    .description('operator (sandbox Alipay): the payer pays the order')
    .argument('<order>', 'the top-up id (tuo_…)')
    .action(async (order: string, _options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const result = await call<{ notify_answer: string; top_up: TopUp }>(ctx, 'POST', `/operator/sandbox/alipay/${encodeURIComponent(order)}/pay`, { auth: 'operator' });
      output(ctx, result, () =>
        table(ctx, [
          ['order', result.top_up.id],
          ['status', result.top_up.status],
          ['credited', result.top_up.credited_at ? money(result.top_up.usd_amount) : '-'],
          ['notify', result.notify_answer],
        ]),
      );
    });

  const withdraw = new Command('withdraw')
    .description('withdraw wallet USD to Alipay (fee included in the amount)')
    .requiredOption('--amount <usd>', 'USD, e.g. 50.00')
    .option('--idempotency-key <key>', 'retry safely with the same key (default: a new one)')
    .action(async (options: { amount: string; idempotencyKey?: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const amount = typedAmount(options.amount, 'USD', '--amount');
      const w = await call<{ id: string; status: string; amount: Amount; fee: Amount; payout: Amount; payout_cny: Amount; rate: string; failure_reason: string | null }>(
        ctx,
        'POST',
        '/wallet/withdrawals',
        { auth: 'cardholder', body: { amount }, idempotencyKey: options.idempotencyKey ?? newIdempotencyKey() },
      );
      output(ctx, w, () => {
        const rows: Array<[string, string]> = [
          ['withdrawal', w.id],
          ['status', w.status],
          ['from wallet', money(w.amount)],
          ['fee', money(w.fee)],
          ['payout', `${money(w.payout)} = ${money(w.payout_cny)} at ${w.rate}`],
        ];
        if (w.failure_reason) rows.push(['failure', w.failure_reason]);
        table(ctx, rows);
      });
    });

  const statement = new Command('statement')
    .description('every movement of the wallet, newest first')
    .option('--limit <n>', 'how many entries', '20')
    .option('--cursor <cursor>', 'the next page (from the previous page)')
    .action(async (options: { limit: string; cursor?: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const page = await call<{ data: Array<{ type: string; status: string; amount: Amount; created_at: string }>; has_more: boolean; next_cursor: string | null }>(
        ctx,
        'GET',
        '/wallet/statement',
        { auth: 'cardholder', query: { limit: options.limit, cursor: options.cursor } },
      );
      output(ctx, page, () => {
        if (page.data.length === 0) line(ctx, 'No movements yet.');
        const width = Math.max(0, ...page.data.map((e) => money(e.amount).length));
        for (const e of page.data) line(ctx, `  ${e.created_at}  ${money(e.amount).padStart(width)}  ${e.type} (${e.status})`);
        if (page.has_more) line(ctx, `More: --cursor ${page.next_cursor}`);
      });
    });

  return [wallet, topUp, withdraw, statement];
}
