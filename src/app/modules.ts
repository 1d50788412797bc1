import { acquirerModule } from '../acquirer/index.ts';
import { billingModule } from '../billing/index.ts';
import { doctorModule } from '../doctor/index.ts';
import { issuerModule } from '../issuer/index.ts';
import { ledgerModule } from '../ledger/index.ts';
import { networkModule } from '../network/index.ts';
import type { Migration } from '../platform/db/migrations.ts';
import { errorRegistry, type ErrorTable } from '../platform/errors.ts';
import { platformModule } from '../platform/platform-module.ts';

/**
 * Every module of Cardlane, in the order their migrations apply (each
 * module's tables reference only its own). Adding a module is one line
 * here and one in `build.ts`, where it is given its dependencies.
 */
export const MODULES = [platformModule, ledgerModule, issuerModule, networkModule, acquirerModule, billingModule, doctorModule] as const;

/** Every module's migrations, in the order they are applied. */
export const allMigrations: readonly Migration[] = MODULES.flatMap((module) => module.migrations);

/** Every error code an API client can see, from every module; building it fails on a code two modules declare differently. */
export const allErrorCodes: ErrorTable = errorRegistry(MODULES.map((module) => module.errorCodes));
