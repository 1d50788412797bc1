import type { Command } from 'commander';
import type { Io } from '../output.ts';
import { acquirerCommand } from './acquirer/index.ts';
import { auditCommand } from './audit.ts';
import { demoCommand } from './demo.ts';
import { billingCommand } from './billing/index.ts';
import { doctorCommand } from './doctor.ts';
import { issuerCommand } from './issuer/index.ts';
import { migrateCommand } from './migrate.ts';
import { operatorKeyCommand } from './operator-key.ts';
import { upCommand } from './up.ts';
import { versionCommand } from './version.ts';

/** A command: builds its commander definition; `io` is where it prints. */
export type CommandFactory = (io: Io) => Command;

/** Every `cardlane` command, in the order `--help` lists them. Add one line per command. */
export const commands: readonly CommandFactory[] = [upCommand, auditCommand, migrateCommand, operatorKeyCommand, issuerCommand, acquirerCommand, billingCommand, doctorCommand, demoCommand, versionCommand];
