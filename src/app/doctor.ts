import { acquirerDoctorRecords } from '../acquirer/index.ts';
import { merchantBillingResolver } from '../billing/index.ts';
import type { BillingAttemptResolver, Doctor, IssuerCardRecord, DoctorPorts } from '../doctor/index.ts';
import { doctorModule } from '../doctor/index.ts';
import { issuerDoctorRecords } from '../issuer/index.ts';
import { networkDoctorRecords, testBankDoctorRecords } from '../network/index.ts';
import type { Sql } from '../platform/db/database.ts';
import type { BuiltModule, Runtime } from '../platform/module.ts';
import type { CardlaneConfig } from './config.ts';

/**
 * The doctor's wiring: each party's implementation of the ports the doctor
 * declares, and billing's resolvers. Here, not in the doctor, because it
 * names the parties; the doctor itself imports none of them.
 */

/** Billing's resolvers the doctor asks (one line per billing that plugs in). */
export const BILLING_ATTEMPT_RESOLVERS: readonly BillingAttemptResolver[] = [merchantBillingResolver];

/** Each party's implementation of the doctor's ports, reading on `sql`. */
export function doctorPorts(sql: Sql): DoctorPorts {
  return {
    acquirer: acquirerDoctorRecords(sql),
    issuer: issuerDoctorRecords(sql),
    network: networkDoctorRecords(sql),
    testBank: testBankDoctorRecords(sql),
  };
}

/** The doctor of a running Cardlane, or of `cardlane doctor` on the database alone: no key files are needed (cards are linked by PAR). */
export function buildDoctor(runtime: Runtime, config: CardlaneConfig): BuiltModule<{ readonly doctor: Doctor }> {
  return doctorModule.build({
    ...runtime,
    ...doctorPorts(runtime.db),
    billingResolvers: BILLING_ATTEMPT_RESOLVERS,
    rechargeMinimumMinor: config.billing.rechargeMinimumMinor,
  });
}

/** A Cardlane card as the doctor sees it (for `cardlane doctor --card … --view cardholder`, to find its cardholder). */
export function issuerCard(db: Sql, cardId: string): Promise<IssuerCardRecord | undefined> {
  return issuerDoctorRecords(db).card(cardId);
}
