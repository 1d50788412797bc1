/**
 * The ledger's public surface: the `Ledger` every party books through, its
 * types, its module description and configuration section, and the audit.
 * Other modules import only this file.
 */
export { auditLedger, type AuditReport } from './audit.ts';
export { ledgerConfigSection } from './config.ts';
export { Ledger } from './ledger.ts';
export { ledgerModule, type LedgerApi } from './module.ts';
export { InvalidCursor, lookupAccounts, lookupTransfers } from './reads.ts';
export type { AuditCheck } from './audit.ts';
export { type AccountInput, type AccountOutcome, type Transfer, type TransferFlag, type TransferInput, type TransferOutcome } from './types.ts';
