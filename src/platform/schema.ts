import type { Migration } from './db/migrations.ts';

/**
 * Every module's migrations, in the order they are applied. A module appends
 * its own list here; ids are never renamed or reordered once released.
 */
export const allMigrations: readonly Migration[] = [];
