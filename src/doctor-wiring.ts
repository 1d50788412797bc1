import { acquirerDoctorRecords } from './acquirer/doctor-records.ts';
import { merchantBillingResolver } from './billing/doctor-resolver.ts';
import { startDoctor, type BillingAttemptResolver, type Doctor, type DoctorPorts, type IssuerCardRecord } from './doctor/index.ts';
import { issuerDoctorRecords } from './issuer/doctor-records.ts';
import { networkDoctorRecords } from './network/doctor-records.ts';
import { testBankDoctorRecords } from './network/test-issuers/doctor-records.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import type { CardlaneConfig as Config } from './app/config.ts';
import type { Sql } from './platform/db/database.ts';
import type { RoutePlugin } from './platform/http/server.ts';

/**
 * TEMPORARY adapter, until the composition root (src/app/) wires the doctor:
 * builds the doctor's ports from each party's implementation and keeps the
 * entry points the program used before ports. It lives outside src/doctor
 * because it imports the parties; the doctor itself imports none of them.
 * No keys are read: the doctor links cards by PAR.
 */

/** Billing's resolvers the running Cardlane's doctor asks (one line per billing that plugs in). */
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

/** The routes under `/doctor/v1`. */
export function doctorHttpRoutes(db: Sql, clock: Clock, config: Config): RoutePlugin {
  return startDoctor({ db, clock, ...doctorPorts(db), billingResolvers: BILLING_ATTEMPT_RESOLVERS, rechargeMinimumMinor: config.billing.rechargeMinimumMinor }).routes;
}

/** A doctor on the local data directory's database, for `cardlane doctor`: the same as the server's, with no key files needed. */
export function localDoctor(db: Sql, config: Config): Doctor {
  return startDoctor({ db, clock: systemClock, ...doctorPorts(db), billingResolvers: BILLING_ATTEMPT_RESOLVERS, rechargeMinimumMinor: config.billing.rechargeMinimumMinor })
    .doctor;
}

/** A Cardlane card as the doctor sees it (for `cardlane doctor --card … --view cardholder`, to find its cardholder). */
export function issuerCard(db: Sql, cardId: string): Promise<IssuerCardRecord | undefined> {
  return issuerDoctorRecords(db).card(cardId);
}
