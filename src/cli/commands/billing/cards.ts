import { Command } from 'commander';
import { CliError, EXIT_USAGE, localTime, type Io } from '../../output.ts';
import { fetchJson } from '../../http-call.ts';
import { formEncode } from '../acquirer/merchant-client.ts';
import { readSecrets, SecretInputError } from '../../secret-input.ts';
import { billingCall, orgContextOf, output, type OrgContext } from './org-client.ts';

/**
 * `cardlane billing cards …`: the organization's cards. `add` does what a
 * billing page's browser does: it tokenizes the card at the payment
 * provider with the publishable key (the number never reaches billing),
 * then asks billing to verify and add the token. The number and the
 * security code come from standard input (typed at a prompt, or piped as
 * two lines), not from the command line, which other users can read.
 */

interface CardObject {
  id: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  funding: string;
  country: string | null;
  is_default: boolean;
  verification: { hold: { formatted: string } | null; released?: boolean; release_at?: string | null };
}

/** The hold as the merchant keeps it: released, held until a time (in this machine's local time), or held until the issuer lets it lapse. */
function holdState(verification: CardObject['verification']): string {
  if (verification.released !== false) return 'released';
  return verification.release_at ? `held until ${localTime(verification.release_at)}` : 'held until the issuer lets it lapse';
}

function describe(card: CardObject): string {
  const hold = card.verification.hold === null ? '' : `, verified with a ${card.verification.hold.formatted} hold (${holdState(card.verification)})`;
  return `${card.brand} •••• ${card.last4} ${String(card.exp_month).padStart(2, '0')}/${card.exp_year % 100} ${card.funding}${card.country ? ` ${card.country}` : ''}${card.is_default ? ' (default)' : ''}${hold}`;
}

function usage(message: string): never {
  throw new CliError(message, EXIT_USAGE);
}

/** Tokenizes a card at the provider, as Stripe.js would in a browser. */
async function tokenize(ctx: OrgContext, card: { number: string; expMonth: number; expYear: number; cvc: string; name?: string; line1?: string; zip?: string; country?: string }): Promise<string> {
  const settings = await billingCall<{ provider: { base_url: string; publishable_key: string } }>(ctx, 'GET', '/settings');
  const base = settings.provider.base_url.replace(/\/+$/, '');
  const body = formEncode({
    type: 'card',
    card: { number: card.number, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvc },
    billing_details: { name: card.name, address: { line1: card.line1, postal_code: card.zip, country: card.country } },
  });
  const pm = await fetchJson<{ id: string }>(base, `${base}/v1/payment_methods`, {
    method: 'POST',
    headers: { authorization: `Bearer ${settings.provider.publishable_key}`, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return pm.id;
}

/** The number and code: from the options (with a warning: argv is public on this machine) or from standard input. */
async function cardSecrets(io: Io, options: { number?: string; cvc?: string }): Promise<{ number: string; cvc: string }> {
  if (options.number !== undefined || options.cvc !== undefined) {
    io.stderr.write('warning: a card number or security code on the command line can be read by other users of this machine (ps) and stays in shell history; leave --number and --cvc out to be asked for them\n');
  }
  const asked = [...(options.number === undefined ? ['Card number: '] : []), ...(options.cvc === undefined ? ['Security code (CVC): '] : [])];
  let answers: string[] = [];
  try {
    if (asked.length > 0) answers = await readSecrets(asked);
  } catch (error) {
    if (error instanceof SecretInputError) usage(`card details: ${error.message}`);
    throw error;
  }
  // Checked by the payment provider, which answers as it would a browser (incorrect_number, invalid_cvc).
  return { number: options.number ?? answers.shift()!, cvc: options.cvc ?? answers.shift()! };
}

function expiry(text: string): { expMonth: number; expYear: number } {
  const match = /^(\d{1,2})\/(\d{2}|\d{4})$/.exec(text.trim());
  if (!match) usage(`--exp: MM/YY, got ${JSON.stringify(text)}`);
  const expMonth = Number(match[1]);
  const year = Number(match[2]);
  if (expMonth < 1 || expMonth > 12) usage(`--exp: the month is 01 to 12, got ${match[1]}`);
  return { expMonth, expYear: year < 100 ? 2000 + year : year };
}

export function cardsCommand(io: Io): Command {
  const cards = new Command('cards').description("the organization's cards: list, add (verified with a hold), set default, remove");

  cards
    .command('list', { isDefault: true })
    .description('list the cards')
    .action(async (_options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      const list = await billingCall<{ data: CardObject[] }>(ctx, 'GET', '/payment_methods');
      output(ctx, list, () => {
        if (list.data.length === 0) io.stdout.write('No cards yet: `cardlane billing cards add --exp MM/YY` (it asks for the number and the security code)\n');
        for (const card of list.data) io.stdout.write(`  ${card.id}  ${describe(card)}\n`);
      });
    });

  cards
    .command('add')
    .description(
      'tokenize a card at the provider and add it (the provider verifies it; a declined card is not added). The number and the security code are read from standard input — asked for at a terminal, or two lines from a pipe — and sent only to the payment provider; the code is never stored',
    )
    .requiredOption('--exp <MM/YY>', 'expiry')
    .option('--number <digits>', 'card number on the command line (discouraged: other users of this machine can read it with ps; use standard input)')
    .option('--cvc <digits>', 'security code on the command line (discouraged, as --number)')
    .option('--name <name>', 'cardholder name')
    .option('--line1 <address>', 'billing address line')
    .option('--zip <postal code>', 'billing postal code')
    .option('--country <CC>', 'billing country', 'US')
    .action(async (options: { number?: string; exp: string; cvc?: string; name?: string; line1?: string; zip?: string; country: string }, command: Command) => {
      const ctx = orgContextOf(io, command);
      const dates = expiry(options.exp); // a wrong expiry is refused before anything is asked for
      const { number, cvc } = await cardSecrets(io, options);
      const pmId = await tokenize(ctx, { number: number.replace(/[\s-]/g, ''), cvc, ...dates, ...optional(options) });
      const answer = await billingCall<CardObject | PendingCard>(ctx, 'POST', '/payment_methods', { payment_method: pmId });
      output(ctx, answer, () => io.stdout.write(`${describeAdded(answer)}\n`));
    });

  cards
    .command('complete <verification>')
    .description("finish adding a card after its bank's 3-D Secure challenge (the verification id `cards add` printed)")
    .action(async (verificationId: string, _options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      const answer = await billingCall<CardObject | PendingCard>(ctx, 'POST', `/payment_methods/verifications/${encodeURIComponent(verificationId)}/complete`);
      output(ctx, answer, () => io.stdout.write(`${describeAdded(answer)}\n`));
    });

  cards
    .command('default <payment-method>')
    .description('make a card the default (the one auto-recharge and subscriptions charge)')
    .action(async (pmId: string, _options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      const card = await billingCall<CardObject>(ctx, 'POST', `/payment_methods/${encodeURIComponent(pmId)}/default`);
      output(ctx, card, () => io.stdout.write(`Default card: ${card.id} ${describe(card)}\n`));
    });

  cards
    .command('remove <payment-method>')
    .description('remove a card')
    .action(async (pmId: string, _options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      const answer = await billingCall(ctx, 'DELETE', `/payment_methods/${encodeURIComponent(pmId)}`);
      output(ctx, answer, () => io.stdout.write(`Removed ${pmId}\n`));
    });
  return cards;
}

function optional(options: { name?: string; line1?: string; zip?: string; country: string }) {
  return {
    ...(options.name ? { name: options.name } : {}),
    ...(options.line1 ? { line1: options.line1 } : {}),
    ...(options.zip ? { zip: options.zip } : {}),
    country: options.country,
  };
}

/** What `POST /payment_methods` answers while the card is not added yet (202): the bank's check still running, or a 3-D Secure challenge. */
interface PendingCard {
  readonly object: 'billing.payment';
  readonly id: string;
  readonly status: 'processing' | 'requires_action';
  readonly next_action?: { readonly redirect_to_url: { readonly url: string } };
}

function describeAdded(answer: CardObject | PendingCard): string {
  if (!('object' in answer) || answer.object !== 'billing.payment') return `Added ${answer.id}: ${describe(answer as CardObject)}`;
  const pending = answer as PendingCard;
  if (pending.status === 'requires_action' && pending.next_action !== undefined) {
    return `Not added yet: the card's bank asks the cardholder to authenticate (3-D Secure). Open ${pending.next_action.redirect_to_url.url} in a browser, then run \`cardlane billing cards complete ${pending.id}\`.`;
  }
  return `Not added yet: the card check ${pending.id} is still with the bank; \`cardlane billing cards complete ${pending.id}\` asks again.`;
}
