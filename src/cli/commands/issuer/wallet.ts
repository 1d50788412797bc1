import { Command } from 'commander';
import { parseMoney } from '../../../platform/money.ts';
import { CliError, EXIT_USAGE, localTime, type Io } from '../../output.ts';
import { call, contextOf, line, money, newIdempotencyKey, output, table, typedAmount, type IssuerContext } from './client.ts';

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

interface MoneySettings {
  settings: Record<string, string | number>;
  history: Array<{ name: string; value: string; changed_by: string; changed_at: string }>;
}

/** --flag → setting, and how a person types it. */
const SETTING_FLAGS = [
  ['rate', 'usd_cny_rate', 'rate', 'CNY per USD, e.g. 7.25'],
  ['top-up-fee-bps', 'top_up_fee_bps', 'integer', 'top-up fee, basis points of the CNY paid'],
  ['top-up-fee-min', 'top_up_fee_min_cny_minor', 'CNY', 'smallest top-up fee, CNY'],
  ['top-up-min', 'top_up_min_cny_minor', 'CNY', 'smallest top-up, CNY'],
  ['top-up-max', 'top_up_max_cny_minor', 'CNY', 'largest top-up, CNY'],
  ['quote-validity-ms', 'quote_validity_ms', 'integer', 'how long a quote holds, ms'],
  ['order-expiry-ms', 'order_expiry_ms', 'integer', 'how long a top-up order can be paid, ms'],
  ['withdrawal-fee-bps', 'withdrawal_fee_bps', 'integer', 'withdrawal fee, basis points'],
  ['withdrawal-fee-min', 'withdrawal_fee_min_usd_minor', 'USD', 'smallest withdrawal fee, USD'],
  ['withdrawal-min', 'withdrawal_min_usd_minor', 'USD', 'smallest withdrawal, USD'],
  ['withdrawal-max', 'withdrawal_max_usd_minor', 'USD', 'largest withdrawal, USD'],
] as const;

function settingValue(flag: string, kind: 'rate' | 'integer' | 'CNY' | 'USD', text: string): string | number {
  if (kind === 'rate') {
    if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new CliError(`--${flag}: not a rate: ${JSON.stringify(text)}`, EXIT_USAGE);
    return text.trim();
  }
  if (kind === 'integer') {
    if (!/^\d+$/.test(text.trim())) throw new CliError(`--${flag}: not a whole number: ${JSON.stringify(text)}`, EXIT_USAGE);
    return Number(text.trim());
  }
  let minor: number;
  try {
    minor = parseMoney(text, kind).amount_minor;
  } catch (error) {
    throw new CliError(`--${flag}: ${(error as Error).message}`, EXIT_USAGE);
  }
  if (minor < 0) throw new CliError(`--${flag}: must not be negative`, EXIT_USAGE);
  return minor;
}

/** Each setting as a person reads it: a label, and its value in the unit people use. */
const SETTING_LABELS: Record<string, string> = {
  usd_cny_rate: 'Exchange rate',
  top_up_fee_bps: 'Top-up fee',
  top_up_fee_min_cny_minor: 'Smallest top-up fee',
  top_up_min_cny_minor: 'Smallest top-up',
  top_up_max_cny_minor: 'Largest top-up',
  quote_validity_ms: 'A quote holds for',
  order_expiry_ms: 'A top-up order can be paid for',
  withdrawal_fee_bps: 'Withdrawal fee',
  withdrawal_fee_min_usd_minor: 'Smallest withdrawal fee',
  withdrawal_min_usd_minor: 'Smallest withdrawal',
  withdrawal_max_usd_minor: 'Largest withdrawal',
  dispute_provisional_credit: 'Provisional credit on disputes',
};

/** 900000 → "15 min", 5400000 → "1 h 30 min": the settings are whole minutes or seconds. */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const parts = [[Math.floor(seconds / 3600), 'h'], [Math.floor((seconds % 3600) / 60), 'min'], [seconds % 60, 's']] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}`);
  return shown.length > 0 ? shown.join(' ') : `${ms} ms`;
}

/** 100 bps → "1%", 150 → "1.5%". */
function percent(bps: number): string {
  return `${(bps / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

export function settingShown(name: string, value: string | number): string {
  if (name === 'usd_cny_rate') return `1 USD = ${value} CNY`;
  if (name === 'dispute_provisional_credit') return Number(value) === 1 ? 'yes' : 'no';
  if (name.endsWith('_cny_minor')) return money(Number(value), 'CNY');
  if (name.endsWith('_usd_minor')) return money(Number(value), 'USD');
  if (name.endsWith('_bps')) return percent(Number(value));
  if (name.endsWith('_ms')) return duration(Number(value));
  return String(value);
}

function printSettings(ctx: IssuerContext, result: MoneySettings): void {
  table(ctx, Object.entries(result.settings).map(([name, value]) => [SETTING_LABELS[name] ?? name, settingShown(name, value)] as const));
  if (result.history.length > 0) {
    line(ctx, 'Recent changes:');
    table(ctx, result.history.map((h) => [localTime(h.changed_at), `${SETTING_LABELS[h.name] ?? h.name}: ${settingShown(h.name, h.value)}  (${h.changed_by})`] as const));
  }
}

/** A wallet statement entry as the API gives it (the fields the CLI shows). */
export interface WalletStatementEntry {
  type: string;
  transfer_kind?: string | null;
  card?: { id: string; last4: string | null } | null;
  status: string;
  amount: Amount;
  created_at: string;
}

/**
 * What a `transfer` was, in the cardholder app's English words (src/web/app/i18n.ts, `wallet_<kind>` and
 * `wallet_<kind>_unnamed`): with the card's last four digits, and without when they are not known.
 */
const TRANSFER_KIND_WORDS: Readonly<Record<string, { readonly card: (last4: string) => string; readonly noCard: string }>> = {
  card_load: { card: (l) => `Loaded to card •••• ${l}`, noCard: 'Loaded to a card' },
  card_unload: { card: (l) => `Moved back from card •••• ${l}`, noCard: 'Moved back from a card' },
  card_close_sweep: { card: (l) => `Card •••• ${l} closed: balance returned`, noCard: 'Card closed: balance returned' },
  card_fee: { card: (l) => `Opening fee, card •••• ${l}`, noCard: 'Card opening fee' },
  merchant_refund: { card: (l) => `Refund to wallet (card •••• ${l} closed)`, noCard: 'Refund to wallet (card closed)' },
  dispute_provisional_credit: { card: (l) => `Temporary credit (dispute), card •••• ${l}`, noCard: 'Temporary credit (dispute)' },
  dispute_credit: { card: (l) => `Dispute won: money returned, card •••• ${l}`, noCard: 'Dispute won: money returned' },
  dispute_reversal: { card: (l) => `Temporary credit taken back (dispute), card •••• ${l}`, noCard: 'Temporary credit taken back (dispute)' },
};

/** An entry's name: for a transfer of a known kind the app's words, else its type (a kind this CLI does not know yet reads as `transfer`). */
export function walletEntryLabel(e: Pick<WalletStatementEntry, 'type' | 'transfer_kind' | 'card'>): string {
  const words = e.type === 'transfer' && e.transfer_kind ? TRANSFER_KIND_WORDS[e.transfer_kind] : undefined;
  if (words === undefined) return e.type;
  const last4 = e.card?.last4 ?? null;
  return last4 === null ? words.noCard : words.card(last4);
}

/** wallet, top-up (+ pay, close, fail), withdraw, statement, settings (+ set). */
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

  for (const [action, what] of [
    ['pay', 'operator (sandbox Alipay): the payer pays the order'],
    ['close', 'operator (sandbox Alipay): the payer closes the order unpaid'],
    ['fail', 'operator (sandbox Alipay): the payment fails'],
  ] as const) {
    topUp
      .command(action)
      .description(what)
      .argument('<order>', 'the top-up id (tuo_…)')
      .action(async (order: string, _options: unknown, command: Command) => {
        const ctx = contextOf(io, command);
        const result = await call<{ notify_answer: string; top_up: TopUp }>(ctx, 'POST', `/operator/sandbox/alipay/${encodeURIComponent(order)}/${action}`, { auth: 'operator' });
        output(ctx, result, () =>
          table(ctx, [
            ['order', result.top_up.id],
            ['status', result.top_up.status],
            ['credited', result.top_up.credited_at ? money(result.top_up.usd_amount) : '-'],
            ['notify', result.notify_answer],
          ]),
        );
      });
  }

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
      const page = await call<{ data: WalletStatementEntry[]; has_more: boolean; next_cursor: string | null }>(
        ctx,
        'GET',
        '/wallet/statement',
        { auth: 'cardholder', query: { limit: options.limit, cursor: options.cursor } },
      );
      output(ctx, page, () => {
        if (page.data.length === 0) line(ctx, 'No movements yet.');
        const width = Math.max(0, ...page.data.map((e) => money(e.amount).length));
        for (const e of page.data) line(ctx, `  ${localTime(e.created_at)}  ${money(e.amount).padStart(width)}  ${walletEntryLabel(e)} (${e.status})`);
        if (page.has_more) line(ctx, `More: --cursor ${page.next_cursor}`);
      });
    });

  const settings = new Command('settings')
    .description('operator: the money settings in force (rate, fees, limits) and their recent changes')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const result = await call<MoneySettings>(ctx, 'GET', '/operator/settings', { auth: 'operator' });
      output(ctx, result, () => printSettings(ctx, result));
    });

  const set = settings.command('set').description('operator: change the rate, fees or limits (all or nothing)');
  for (const [flag, , kind, what] of SETTING_FLAGS) set.option(`--${flag} <${kind === 'integer' ? 'n' : kind === 'rate' ? 'rate' : kind.toLowerCase()}>`, what);
  set.action(async (options: Record<string, string | undefined>, command: Command) => {
    const ctx = contextOf(io, command);
    const body: Record<string, string | number> = {};
    for (const [flag, name, kind] of SETTING_FLAGS) {
      const text = options[flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())];
      if (text !== undefined) body[name] = settingValue(flag, kind, text);
    }
    if (Object.keys(body).length === 0) {
      command.help({ error: true });
      return;
    }
    const result = await call<MoneySettings>(ctx, 'PATCH', '/operator/settings', { auth: 'operator', body, idempotencyKey: newIdempotencyKey() });
    output(ctx, result, () => printSettings(ctx, result));
  });

  return [wallet, topUp, withdraw, statement, settings];
}
