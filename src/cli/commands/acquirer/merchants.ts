import { Command } from 'commander';
import { fetchJson } from '../../http-call.ts';
import { CliError, EXIT_USAGE, printJson, printTable, type Io } from '../../output.ts';
import { contextOf, operatorKey } from '../issuer/client.ts';

/**
 * `cardlane acquirer merchants create --name … --country … --mcc … --settlement-currency …`:
 * the operator makes a merchant (issue 16: merchants are data) over
 * `POST /acquirer/v1/merchants`, with the operator key `cardlane up` wrote
 * to the data directory. Prints the merchant and its keys; the secret key
 * is shown this once (only its hash is kept).
 */

interface CreateOptions {
  name: string;
  country: string;
  mcc: string;
  settlementCurrency?: string;
  /** The older name of --settlement-currency. */
  currency?: string;
  statementDescriptor?: string;
}

interface MerchantObject {
  id: string;
  name: string;
  country: string;
  mcc: string;
  default_currency: string;
  settlement_currency: string;
  statement_descriptor: string;
  secret_key: string;
  publishable_key: string;
}

export function merchantsCommand(io: Io): Command {
  const merchants = new Command('merchants').description('operator: the acquirer\'s merchants (needs the operator key in the data directory)');
  merchants
    .command('create')
    .description('create a merchant and its API keys; the secret key is printed once')
    .requiredOption('--name <name>', 'the merchant\'s name, e.g. "Claude"')
    .requiredOption('--country <XX>', 'its country, ISO 3166-1 alpha-2, e.g. GB')
    .requiredOption('--mcc <nnnn>', 'its merchant category code, 4 digits, e.g. 5734 (software) or 5818 (digital goods)')
    .option('--settlement-currency <xxx>', 'what it is paid out in, e.g. gbp: one of the acquirer\'s settlement currencies (config acquirer.settlementCurrencies)')
    .option('--currency <xxx>', 'the older name of --settlement-currency')
    .option('--statement-descriptor <text>', 'what cardholders see on their statement (default: the name)')
    .action(async (options: CreateOptions, command: Command) => {
      const ctx = contextOf(io, command);
      if ((options.settlementCurrency === undefined) === (options.currency === undefined)) {
        throw new CliError('give the settlement currency once: --settlement-currency <xxx> (or its older name --currency)', EXIT_USAGE);
      }
      const body = {
        name: options.name,
        country: options.country,
        mcc: options.mcc,
        settlement_currency: options.settlementCurrency ?? options.currency,
        ...(options.statementDescriptor !== undefined ? { statement_descriptor: options.statementDescriptor } : {}),
      };
      const created = await fetchJson<MerchantObject>(ctx.url, `${ctx.url}/acquirer/v1/merchants`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${operatorKey(ctx)}` },
        body: JSON.stringify(body),
      });
      if (ctx.json) return printJson(io, created);
      io.stdout.write(`Created merchant ${created.id} (${created.name})\n`);
      printTable(io, [
        ['country', created.country],
        ['mcc', created.mcc],
        ['settlement currency', created.settlement_currency],
        ['statement', created.statement_descriptor],
        ['publishable key', created.publishable_key],
        ['secret key', created.secret_key],
      ]);
      io.stdout.write('The secret key is shown only now: keep it (e.g. CARDLANE_MERCHANT_KEY=sk_test_… or --key).\n');
    });
  return merchants;
}
