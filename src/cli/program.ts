import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.ts';
import { commands } from './commands/index.ts';
import { EXIT_OK, EXIT_USAGE, exitCodeOf, processIo, reportError, type Io } from './output.ts';

export function createProgram(io: Io = processIo): Command {
  const program = new Command('cardlane')
    .description('Cardlane: issuer, card network, Stripe-compatible acquirer, merchant billing and a decline doctor.')
    .version(VERSION, '-v, --version', 'print the version')
    .showHelpAfterError('(run cardlane --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  for (const command of commands) program.addCommand(command(io).exitOverride());
  return program;
}

/** Runs the command line and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = createProgram(io);
  if (argv.length <= 2) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help, the version or the usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    reportError(io, error, argv.includes('--json'));
    return exitCodeOf(error);
  }
}
