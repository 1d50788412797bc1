import { Command } from 'commander';
import type { Io } from '../../output.ts';
import { DEFAULT_URL } from '../issuer/client.ts';
import { CREDENTIALS_FILE, MERCHANT_KEY_ENV } from './merchant-client.ts';
import { merchantsCommand } from './merchants.ts';
import { rulesCommand } from './rules.ts';
import { settingsCommand } from './settings.ts';

/**
 * `cardlane acquirer …`: a merchant's actions on a running Cardlane, over
 * the acquirer's Stripe-compatible API with the merchant's secret key.
 */
export function acquirerCommand(io: Io): Command {
  const acquirer = new Command('acquirer')
    .description("be a merchant of a running Cardlane, over the acquirer's Stripe-compatible API")
    .option('--url <url>', `where Cardlane runs (default: the demo credentials' URL, else ${DEFAULT_URL}; env CARDLANE_URL)`)
    .option('--data-dir <dir>', `data directory holding ${CREDENTIALS_FILE} (default: ./.cardlane; env CARDLANE_DATA_DIR)`)
    .option('--key <sk_test_…>', `the merchant's secret key (default: env ${MERCHANT_KEY_ENV}, else the demo merchant's)`)
    .option('--json', "print the API's JSON");
  acquirer.addCommand(rulesCommand(io));
  acquirer.addCommand(settingsCommand(io));
  acquirer.addCommand(merchantsCommand(io));
  // Nested commands do not inherit the program's settings: never exit the process, print through io.
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
    for (const sub of command.commands) configure(sub);
  };
  for (const sub of acquirer.commands) configure(sub);
  return acquirer;
}
