import { Command } from 'commander';
import { systemClock } from '../../platform/clock.ts';
import { loadCardlaneConfig } from '../../app/index.ts';
import { printJson, type Io } from '../output.ts';
import { addDatabaseOptions, configFlags, type DatabaseOptions } from './options.ts';

/**
 * `cardlane operator-key`: writes the first operator key to this data
 * directory from its sealed copy in the database — for a process that shares
 * the database with the one that created it but not its data directory.
 * Needs the deployment's master key, like `up`.
 */
export function operatorKeyCommand(io: Io): Command {
  return addDatabaseOptions(new Command('operator-key'))
    .description("write the deployment's first operator key to <data-dir>/operator-key (mode 0600), from the database")
    .option('--json', 'print one JSON object')
    .action(async (options: DatabaseOptions & { json?: boolean }) => {
      const config = loadCardlaneConfig({ flags: configFlags(options), env: process.env, cwd: process.cwd() });
      // Loaded here so that `--help` does not load both database drivers.
      const { openDatabase } = await import('../../platform/db/open.ts');
      const { openSecretStore } = await import('../../app/index.ts');
      const { writeBootstrapOperatorKey } = await import('../../issuer/index.ts');
      const db = openDatabase(config.database);
      try {
        const store = openSecretStore(db, config, systemClock);
        await store.checkMasterKey();
        const path = await writeBootstrapOperatorKey(db, store, config.dataDir);
        if (options.json) printJson(io, { operator_key_file: path });
        else io.stdout.write(`The operator key is in ${path} (mode 0600). Send it as\n  Authorization: Bearer $(cat ${path})\n`);
      } finally {
        await db.close();
      }
    });
}
