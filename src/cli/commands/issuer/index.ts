import { Command } from 'commander';
import type { Io } from '../../output.ts';
import { cardCommand } from './cards.ts';
import { disputeCommand } from './disputes.ts';
import { DEFAULT_URL } from './client.ts';
import { kycCommand } from './kyc.ts';
import { sessionCommands } from './session.ts';
import { walletCommands } from './wallet.ts';

/**
 * `cardlane issuer …`: every cardholder and operator action of the issuer,
 * as an HTTP client of a running Cardlane (`cardlane up`).
 */
export function issuerCommand(io: Io): Command {
  const issuer = new Command('issuer')
    .description('be a cardholder (or the operator) of a running Cardlane, over its issuer API')
    .option('--url <url>', `where Cardlane runs (default: ${DEFAULT_URL}; env CARDLANE_URL)`)
    .option('--data-dir <dir>', 'data directory: operator key and saved session (default: ./.cardlane; env CARDLANE_DATA_DIR)')
    .option('--json', "print the API's JSON");
  for (const command of [...sessionCommands(io), kycCommand(io), ...walletCommands(io), cardCommand(io), disputeCommand(io)]) issuer.addCommand(command);
  // Nested commands do not inherit the program's settings: never exit the process, print through io.
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
    for (const sub of command.commands) configure(sub);
  };
  for (const sub of issuer.commands) configure(sub);
  return issuer;
}
