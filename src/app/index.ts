/** The program's public surface, for the CLI (and tests): start Cardlane, read its configuration, its migrations, its doctor. */
export { loadCardlaneConfig, type CardlaneConfig } from './config.ts';
export { buildDoctor, issuerCard } from './doctor.ts';
export { allErrorCodes, allMigrations, MODULES } from './modules.ts';
export { startCardlane, type Cardlane, type StartOptions } from './start.ts';
export { openSecretStore } from './secrets.ts';
export { auditCardlane } from './audit.ts';
