import { Command } from 'commander';
import type { Io } from '../../output.ts';
import { URL_OPTION_HELP } from '../../server-url.ts';
import { cardsCommand } from './cards.ts';
import { creditCommands } from './credits.ts';
import { keysCommand } from './keys.ts';
import { membersCommand } from './members.ts';
import { ORG_KEY_ENV } from './org-client.ts';
import { recurringCommands } from './recurring.ts';
import { signInCommand } from './sign-in.ts';

/**
 * `cardlane billing …`: an API customer's billing page on a running
 * Cardlane — cards, credits, payments, members — over the merchant's billing API.
 */
export function billingCommand(io: Io): Command {
  const billing = new Command('billing')
    .description("be an API customer on the merchant's billing page: cards, credits, auto-recharge, subscriptions, payments")
    .option('--url <url>', URL_OPTION_HELP)
    .option('--data-dir <dir>', 'data directory holding demo-credentials.json (default: ./.cardlane; env CARDLANE_DATA_DIR)')
    .option('--key <sk-cl-…|sess-cl-…>', `the organization's API key, or an owner's session token from signing in (inviting and removing members needs one) (default: env ${ORG_KEY_ENV}, else the demo organization's key)`)
    .option('--json', "print the API's JSON");
  billing.addCommand(cardsCommand(io));
  billing.addCommand(membersCommand(io));
  billing.addCommand(keysCommand(io));
  billing.addCommand(signInCommand(io));
  for (const command of [...creditCommands(io), ...recurringCommands(io)]) billing.addCommand(command);
  // Nested commands do not inherit the program's settings: never exit the process, print through io.
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
    for (const sub of command.commands) configure(sub);
  };
  for (const sub of billing.commands) configure(sub);
  return billing;
}
