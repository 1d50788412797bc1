import { Command } from 'commander';
import { VERSION } from '../../version.ts';
import { printJson, type Io } from '../output.ts';

export function versionCommand(io: Io): Command {
  return new Command('version')
    .description('print the version of Cardlane and of Node.js')
    .option('--json', 'print one JSON object')
    .action((options: { json?: boolean }) => {
      if (options.json) printJson(io, { version: VERSION, node: process.version });
      else io.stdout.write(`cardlane ${VERSION} (node ${process.version})\n`);
    });
}
