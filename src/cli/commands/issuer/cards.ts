import { Command } from 'commander';
import type { Io } from '../../output.ts';
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
  opening_fee: { amount: number; waived: boolean };
  created_at: string;
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

/** card open | list | show | load | unload | freeze | unfreeze | close. */
export function cardCommand(io: Io): Command {
  const card = new Command('card').description('virtual cards (reveal, controls and settings are not in the CLI yet: use the API)');
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

  return card;
}
