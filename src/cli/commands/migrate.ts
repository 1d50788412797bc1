import { Command } from 'commander';
import { systemClock } from '../../platform/clock.ts';
import { loadCardlaneConfig } from '../../app/index.ts';
import { printJson, type Io } from '../output.ts';
import { addDatabaseOptions, configFlags, type DatabaseOptions } from './options.ts';

/**
 * Applies pending migrations and exits. `up` migrates at start as well; this
 * is for deployments that migrate once before starting several processes.
 */
export function migrateCommand(io: Io): Command {
  return addDatabaseOptions(new Command('migrate'))
    .description('apply the database migrations not yet applied, and print which')
    .option('--json', 'print one JSON object')
    .action(async (options: DatabaseOptions & { json?: boolean }) => {
      const config = loadCardlaneConfig({ flags: configFlags(options), env: process.env, cwd: process.cwd() });
      // Loaded here so that `--help` does not load both database drivers.
      const { openDatabase } = await import('../../platform/db/open.ts');
      const { migrate } = await import('../../platform/db/migrations.ts');
      const { allMigrations } = await import('../../app/index.ts');
      const db = openDatabase(config.database);
      try {
        const applied = await migrate(db, allMigrations, systemClock.nowMs());
        if (options.json) {
          printJson(io, { database: db.description, applied, total: allMigrations.length });
        } else if (applied.length === 0) {
          io.stdout.write(`${db.description} is up to date (${allMigrations.length} migrations).\n`);
        } else {
          io.stdout.write(`Applied ${applied.length} of ${allMigrations.length} migrations to ${db.description}:\n`);
          for (const id of applied) io.stdout.write(`  ${id}\n`);
        }
      } finally {
        await db.close();
      }
    });
}
