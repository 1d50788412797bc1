import { endQuietlyOnClosedPipe } from './closed-pipe.ts';
import { runCli } from './program.ts';

// Entry point of the `cardlane` executable (bin/cardlane.js). The exit code
// is set, not forced, so a command that keeps running (`up`) keeps running.
endQuietlyOnClosedPipe();
process.exitCode = await runCli(process.argv);
