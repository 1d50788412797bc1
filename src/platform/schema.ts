import { merchantMigrations } from '../acquirer/merchants/migrations.ts';
import { cardMigrations } from '../issuer/cards/migrations.ts';
import { identityMigrations } from '../issuer/identity/migrations.ts';
import { moneyMigrations } from '../issuer/money/migrations.ts';
import { ledgerMigrations } from '../ledger/migrations.ts';
import type { Migration } from './db/migrations.ts';
import { idempotencyMigrations } from './idempotency.ts';
import { jobMigrations } from './jobs/migrations.ts';

/**
 * Every module's migrations, in the order they are applied. A module appends
 * its own list here; ids are never renamed or reordered once released.
 */
export const allMigrations: readonly Migration[] = [...idempotencyMigrations, ...jobMigrations, ...identityMigrations, ...ledgerMigrations, ...moneyMigrations, ...cardMigrations, ...merchantMigrations];
