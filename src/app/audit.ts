import { auditAcquirerDisputes } from '../acquirer/index.ts';
import { auditIssuerDisputes } from '../issuer/index.ts';
import { auditLedger, lookupTransfers, type AuditCheck, type AuditReport } from '../ledger/index.ts';
import type { Database } from '../platform/db/database.ts';

/**
 * `cardlane audit`: the ledger's own invariants, then each party's checks
 * that its records and its postings tell the same story (a dispute's
 * transfers net to its outcome). The parties' checks read the ledger
 * through its public reads only.
 */
export async function auditCardlane(db: Database, nowMs: number): Promise<AuditReport> {
  const ledger = await auditLedger(db, { nowMs });
  const reads = { lookupTransfers };
  const parties: AuditCheck[] = [
    check('acquirer disputes net to their outcome for the merchant', await auditAcquirerDisputes(reads, db)),
    check('issuer disputes net to their outcome for the cardholder, suspense back to zero', await auditIssuerDisputes(reads, db)),
  ];
  const checks = [...ledger.checks, ...parties];
  return { ...ledger, ok: checks.every((c) => c.ok), checks };
}

function check(name: string, failures: string[]): AuditCheck {
  return { name, ok: failures.length === 0, failures: failures.slice(0, 20) };
}
