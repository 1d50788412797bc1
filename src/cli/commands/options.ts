import type { Command } from 'commander';
import type { ConfigFlags } from '../../platform/config.ts';

/** The flags every command that opens the database shares (see platform/config.ts for precedence). */
export interface DatabaseOptions {
  readonly config?: string;
  readonly dataDir?: string;
  readonly database?: string;
  readonly logLevel?: string;
  readonly masterKeyFile?: string;
}

export function addDatabaseOptions(command: Command): Command {
  return command
    .option('--config <path>', 'JSON config file (default: <data-dir>/cardlane.json if present)')
    .option('--data-dir <dir>', 'data directory (default: ./.cardlane; env CARDLANE_DATA_DIR)')
    .option('--database <location>', 'SQLite file path or postgres:// URL (default: <data-dir>/cardlane.db; env CARDLANE_DATABASE or DATABASE_URL)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env CARDLANE_LOG_LEVEL)')
    .option('--master-key-file <path>', "file holding the deployment's master key (default: env CARDLANE_MASTER_KEY, else <data-dir>/master-key; env CARDLANE_MASTER_KEY_FILE)");
}

/** Commander's parsed options → loadConfig flags (absent stays absent, so lower layers show through). */
export function configFlags(options: DatabaseOptions & { host?: string; port?: string }): ConfigFlags {
  return {
    config: options.config,
    dataDir: options.dataDir,
    database: options.database,
    logLevel: options.logLevel,
    masterKeyFile: options.masterKeyFile,
    host: options.host,
    port: options.port,
  };
}
