import { Command } from 'commander';
import { CliError, EXIT_USAGE, localTime, type Io } from '../../output.ts';
import { call, contextOf, line, money, newIdempotencyKey, output, table, typedAmount, type IssuerContext } from './client.ts';

interface Card {
  id: string;
  status: string;
  last4: string;
  masked_number: string;
  exp_month: number;
  exp_year: number;
  cardholder_name: string;
  balance: { posted: number; held: number; available: number };
  controls: {
    spending_limits: { per_transaction: number | null; per_day: number | null; per_month: number | null };
    mcc_allow: string[];
    mcc_block: string[];
    country_allow: string[];
    country_block: string[];
    max_accounts_per_merchant: number;
  };
  opening_fee: { amount: number; waived: boolean };
  created_at: string;
}

interface CardStatementPage {
  data: Array<{
    type: string;
    status: string;
    amount: number;
    currency: string;
    created_at: string;
    merchant: { name: string } | null;
    decline: { response_code: string; reason: string; message_zh: string; message_en: string } | null;
  }>;
  has_more: boolean;
  next_cursor: string | null;
}

function printCard(ctx: IssuerContext, card: Card): void {
  table(ctx, [
    ['card', card.id],
    ['number', card.masked_number],
    ['expires', `${String(card.exp_month).padStart(2, '0')}/${card.exp_year}`],
    ['name', card.cardholder_name],
    ['status', card.status],
    ['available', money(card.balance.available)],
    ['held', money(card.balance.held)],
    ['opening fee', card.opening_fee.waived ? 'waived' : money(card.opening_fee.amount)],
  ]);
}

function printControls(ctx: IssuerContext, card: Card): void {
  const c = card.controls;
  const limit = (value: number | null) => (value === null ? 'none' : money(value));
  const list = (values: string[]) => (values.length === 0 ? '-' : values.join(','));
  table(ctx, [
    ['card', card.id],
    ['per transaction', limit(c.spending_limits.per_transaction)],
    ['per day', limit(c.spending_limits.per_day)],
    ['per month', limit(c.spending_limits.per_month)],
    ['mcc allow', list(c.mcc_allow)],
    ['mcc block', list(c.mcc_block)],
    ['country allow', list(c.country_allow)],
    ['country block', list(c.country_block)],
    ['accounts per merchant', String(c.max_accounts_per_merchant)],
  ]);
}

interface ControlsOptions {
  perTransaction?: string;
  perDay?: string;
  perMonth?: string;
  mccAllow?: string;
  mccBlock?: string;
  countryAllow?: string;
  countryBlock?: string;
  maxAccountsPerMerchant?: string;
}

/** A typed limit ("50.00") as USD cents, or null for "none". */
function limitOf(text: string, flag: string): number | null {
  return text.trim().toLowerCase() === 'none' ? null : typedAmount(text, 'USD', flag);
}

/** "5967,7995" → ["5967", "7995"]; "none" (or "") → [] to clear the list. */
function listOf(text: string, upper = false): string[] {
  if (text.trim().toLowerCase() === 'none') return [];
  return text
    .split(',')
    .map((item) => (upper ? item.trim().toUpperCase() : item.trim()))
    .filter((item) => item !== '');
}

function controlsBody(options: ControlsOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const limits: Record<string, number | null> = {};
  if (options.perTransaction !== undefined) limits.per_transaction = limitOf(options.perTransaction, '--per-transaction');
  if (options.perDay !== undefined) limits.per_day = limitOf(options.perDay, '--per-day');
  if (options.perMonth !== undefined) limits.per_month = limitOf(options.perMonth, '--per-month');
  if (Object.keys(limits).length > 0) body.spending_limits = limits;
  if (options.mccAllow !== undefined) body.mcc_allow = listOf(options.mccAllow);
  if (options.mccBlock !== undefined) body.mcc_block = listOf(options.mccBlock);
  if (options.countryAllow !== undefined) body.country_allow = listOf(options.countryAllow, true);
  if (options.countryBlock !== undefined) body.country_block = listOf(options.countryBlock, true);
  if (options.maxAccountsPerMerchant !== undefined) {
    const text = options.maxAccountsPerMerchant.trim();
    if (!/^\d+$/.test(text)) throw new CliError(`--max-accounts-per-merchant: not a whole number: ${JSON.stringify(options.maxAccountsPerMerchant)}`, EXIT_USAGE);
    body.max_accounts_per_merchant = Number(text);
  }
  return body;
}

/** card open | list | show | load | unload | freeze | unfreeze | controls | reveal-code | reveal | close. */
export function cardCommand(io: Io): Command {
  const card = new Command('card').description('virtual cards');
  const path = (id: string, action = '') => `/cards/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

  card
    .command('open')
    .description('open a virtual card (charges the opening fee unless waived)')
    .option('--name <name>', 'the name on the card, e.g. "ZHANG WEI"')
    .action(async (options: { name?: string }, command: Command) => {
      const ctx = contextOf(io, command);
      const body = options.name === undefined ? {} : { name: options.name };
      const c = await call<Card>(ctx, 'POST', '/cards', { auth: 'cardholder', body, idempotencyKey: newIdempotencyKey() });
      output(ctx, c, () => printCard(ctx, c));
    });

  card
    .command('list')
    .description('your cards')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const list = await call<{ data: Card[] }>(ctx, 'GET', '/cards', { auth: 'cardholder' });
      output(ctx, list, () => {
        if (list.data.length === 0) line(ctx, 'No cards yet (cardlane issuer card open).');
        else table(ctx, list.data.map((c) => [c.id, `•••• ${c.last4}  ${c.status.padEnd(6)}  ${money(c.balance.available)}`] as const));
      });
    });

  card
    .command('show')
    .description('one card, with its balance')
    .argument('<id>', 'the card id (card_…)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const c = await call<Card>(ctx, 'GET', path(id), { auth: 'cardholder' });
      output(ctx, c, () => printCard(ctx, c));
    });

  card
    .command('statement')
    .description("the card's movements, newest first: payments (approved and declined, with why), loads, refunds")
    .argument('<id>', 'the card id (card_…)')
    .option('--limit <n>', 'how many lines', '20')
    .option('--cursor <cursor>', 'the next page (from the previous page)')
    .option('--lang <lang>', 'language of decline explanations: en or zh-CN', 'en')
    .action(async (id: string, options: { limit: string; cursor?: string; lang: string }, command: Command) => {
      const ctx = contextOf(io, command);
      if (options.lang !== 'en' && options.lang !== 'zh-CN') throw new CliError('--lang is en or zh-CN', EXIT_USAGE);
      const page = await call<CardStatementPage>(ctx, 'GET', `${path(id)}/statement`, {
        auth: 'cardholder',
        query: { limit: options.limit, starting_after: options.cursor },
      });
      output(ctx, page, () => {
        if (page.data.length === 0) line(ctx, 'No movements yet.');
        const width = Math.max(0, ...page.data.map((e) => money(e.amount, e.currency).length));
        for (const e of page.data) {
          const who = e.merchant ? `  ${e.merchant.name}` : '';
          line(ctx, `  ${localTime(e.created_at)}  ${money(e.amount, e.currency).padStart(width)}  ${e.type} (${e.status})${who}`);
          if (e.decline) line(ctx, `      declined ${e.decline.response_code} ${e.decline.reason}: ${options.lang === 'zh-CN' ? e.decline.message_zh : e.decline.message_en}`);
        }
        if (page.has_more && page.next_cursor) line(ctx, `More: --cursor ${page.next_cursor}`);
      });
    });

  for (const [direction, what] of [
    ['load', 'move USD from the wallet onto the card'],
    ['unload', 'move USD from the card back to the wallet'],
  ] as const) {
    card
      .command(direction)
      .description(what)
      .argument('<id>', 'the card id (card_…)')
      .requiredOption('--amount <usd>', 'USD, e.g. 20.00')
      .action(async (id: string, options: { amount: string }, command: Command) => {
        const ctx = contextOf(io, command);
        const amount = typedAmount(options.amount, 'USD', '--amount');
        const c = await call<Card>(ctx, 'POST', path(id, direction), { auth: 'cardholder', body: { amount }, idempotencyKey: newIdempotencyKey() });
        output(ctx, c, () => printCard(ctx, c));
      });
  }

  for (const [action, what] of [
    ['freeze', 'freeze the card (authorizations are declined)'],
    ['unfreeze', 'unfreeze the card'],
    ['close', 'close the card for good (its balance returns to the wallet)'],
  ] as const) {
    card
      .command(action)
      .description(what)
      .argument('<id>', 'the card id (card_…)')
      .action(async (id: string, _options: unknown, command: Command) => {
        const ctx = contextOf(io, command);
        const c = await call<Card>(ctx, 'POST', path(id, action), { auth: 'cardholder', idempotencyKey: newIdempotencyKey() });
        output(ctx, c, () => printCard(ctx, c));
      });
  }

  card
    .command('controls')
    .description('show the card\'s controls, or change limits (USD, or "none"), MCC and country lists (comma-separated, or "none")')
    .argument('<id>', 'the card id (card_…)')
    .option('--per-transaction <usd>', 'largest single authorization, e.g. 50.00')
    .option('--per-day <usd>', 'spending limit per day')
    .option('--per-month <usd>', 'spending limit per month')
    .option('--mcc-allow <mccs>', 'only these merchant category codes, e.g. 5411,5812')
    .option('--mcc-block <mccs>', 'never these merchant category codes, e.g. 5967,7995')
    .option('--country-allow <countries>', 'only these merchant countries (ISO alpha-2), e.g. US,GB')
    .option('--country-block <countries>', 'never these merchant countries, e.g. RU,KP')
    .option('--max-accounts-per-merchant <n>', 'how many accounts one merchant may hold on the card (1–20)')
    .action(async (id: string, options: ControlsOptions, command: Command) => {
      const ctx = contextOf(io, command);
      const body = controlsBody(options);
      const c =
        Object.keys(body).length === 0
          ? await call<Card>(ctx, 'GET', path(id), { auth: 'cardholder' })
          : await call<Card>(ctx, 'PATCH', path(id, 'controls'), { auth: 'cardholder', body, idempotencyKey: newIdempotencyKey() });
      output(ctx, c, () => printControls(ctx, c));
    });

  card
    .command('reveal-code')
    .description('send a one-time SMS code to reveal the full card number (then: card reveal ID --code …)')
    .argument('<id>', 'the card id (card_…)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = contextOf(io, command);
      const result = await call<{ expires_at: string; resend_after: string }>(ctx, 'POST', path(id, 'reveal-code'), { auth: 'cardholder' });
      output(ctx, result, () => {
        line(ctx, `Code sent by SMS. Then: cardlane issuer card reveal ${id} --code …`);
        table(ctx, [
          ['valid until', result.expires_at],
          ['resend after', result.resend_after],
        ]);
      });
    });

  card
    .command('reveal')
    .description('show the full card number, CVV2 and expiry (needs the code from card reveal-code)')
    .argument('<id>', 'the card id (card_…)')
    .requiredOption('--code <code>', 'the code sent by SMS')
    .action(async (id: string, options: { code: string }, command: Command) => {
      const ctx = contextOf(io, command);
      // The answer is printed once and never stored or logged.
      const r = await call<{ id: string; number: string; cvc: string; exp_month: number; exp_year: number }>(ctx, 'POST', path(id, 'reveal'), {
        auth: 'cardholder',
        body: { code: options.code },
      });
      output(ctx, r, () => {
        line(ctx, 'Sensitive: the full card details below. Do not share, paste or keep them.');
        table(ctx, [
          ['card', r.id],
          ['number', r.number.replace(/(\d{4})(?=\d)/g, '$1 ')],
          ['cvv2', r.cvc],
          ['expires', `${String(r.exp_month).padStart(2, '0')}/${r.exp_year}`],
        ]);
      });
    });

  return card;
}
