import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { parseMoney } from '../../../platform/money.ts';
import { CliError, EXIT_USAGE, localTime, printTable, type Io } from '../../output.ts';
import { billingCall, orgContextOf, output } from './org-client.ts';

/** `cardlane billing balance | buy | payments | receipts`: credits and the payment history. */

interface Amount {
  amount_minor: number;
  formatted: string;
}
interface PaymentObject {
  id: string;
  kind: string;
  status: string;
  amount: Amount;
  initiator: string;
  payment_method: string;
  failure: { code: string | null; decline_code: string | null; network_decline_code: string | null; message: string } | null;
  receipt: { number: string } | null;
  created_at: string;
}

export function describePayment(payment: PaymentObject, timeZone?: string): string {
  return paymentCells(payment, timeZone).join('  ');
}

/** A payment as the history's columns: when, id, kind, amount, and how it ended (receipt or why it failed). */
function paymentCells(payment: PaymentObject, timeZone?: string): string[] {
  const failure = payment.failure === null ? '' : ` — ${payment.failure.message} (${[payment.failure.decline_code ?? payment.failure.code, payment.failure.network_decline_code].filter(Boolean).join(', ')})`;
  const receipt = payment.receipt === null ? '' : ` receipt ${payment.receipt.number}`;
  return [localTime(payment.created_at, timeZone), payment.id, payment.kind, amountOf(payment), `${payment.status}${receipt}${failure}`];
}

/** The amount column (index 3 of paymentCells) is right-aligned so the dollars line up. */
const AMOUNT_COLUMN = 3;

/**
 * A card verification charges nothing (a zero-amount check, or a small hold
 * that is released): its amount column says what happened to the check, so a
 * declined one never reads as a payment of $0.00.
 */
function amountOf(payment: PaymentObject): string {
  if (payment.kind !== 'verification') return payment.amount.formatted;
  if (payment.status === 'failed') return 'card check declined';
  return payment.amount.amount_minor > 0 ? `${payment.amount.formatted} hold` : 'card check';
}

function cents(text: string): number {
  try {
    return parseMoney(text, 'USD').amount_minor;
  } catch (error) {
    throw new CliError(`amount: ${(error as Error).message}`, EXIT_USAGE);
  }
}

export function creditCommands(io: Io): Command[] {
  const balance = new Command('balance').description("the organization's credit balance").action(async (_options: unknown, command: Command) => {
    const ctx = orgContextOf(io, command);
    const answer = await billingCall<{ available: Amount }>(ctx, 'GET', '/credit_balance');
    output(ctx, answer, () => io.stdout.write(`Credit balance: ${answer.available.formatted}\n`));
  });

  const buy = new Command('buy')
    .description('add to the credit balance: a customer-initiated payment on a card (default: the default card)')
    .argument('<amount>', 'in US dollars, e.g. 10.00')
    .option('--card <payment-method>', 'the card to charge')
    .action(async (amount: string, options: { card?: string }, command: Command) => {
      const ctx = orgContextOf(io, command);
      // One key per invocation: a retry inside this call cannot pay twice.
      const payment = await billingCall<PaymentObject>(ctx, 'POST', '/credit_purchases', { amount: cents(amount), ...(options.card ? { payment_method: options.card } : {}) }, { 'idempotency-key': randomUUID() });
      output(ctx, payment, () => io.stdout.write(`${payment.status === 'succeeded' ? 'Paid' : 'Processing'}: ${describePayment(payment)}\n`));
    });

  const payments = new Command('payments')
    .description('payment history, newest first: card verifications, purchases, auto-recharges, subscriptions')
    .option('--kind <kind>', 'verification | purchase | auto_recharge | subscription')
    .option('--limit <n>', 'how many', '20')
    .action(async (options: { kind?: string; limit: string }, command: Command) => {
      const ctx = orgContextOf(io, command);
      const query = new URLSearchParams({ limit: options.limit, ...(options.kind ? { kind: options.kind } : {}) });
      const list = await billingCall<{ data: PaymentObject[] }>(ctx, 'GET', `/payments?${query}`);
      output(ctx, list, () => {
        if (list.data.length === 0) io.stdout.write('No payments yet.\n');
        else printTable(io, list.data.map((payment) => paymentCells(payment)), '  ', { alignRight: [AMOUNT_COLUMN] });
      });
    });

  const receipts = new Command('receipts').description('receipts, newest first').action(async (_options: unknown, command: Command) => {
    const ctx = orgContextOf(io, command);
    const list = await billingCall<{ data: Array<{ number: string; amount: Amount; description: string; card: string; paid_at: string; payment: string }> }>(ctx, 'GET', '/receipts');
    output(ctx, list, () => {
      if (list.data.length === 0) io.stdout.write('No receipts yet.\n');
      printTable(io, list.data.map((receipt) => [receipt.number, receipt.paid_at.slice(0, 10), receipt.amount.formatted, receipt.description, receipt.card, `(${receipt.payment})`]), '  ', { alignRight: [2] });
    });
  });
  return [balance, buy, payments, receipts];
}
