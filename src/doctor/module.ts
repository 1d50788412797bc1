import type { ModuleDescription, Runtime } from '../platform/module.ts';
import type { BillingAttemptResolver } from './billing-resolver.ts';
import type { Doctor } from './doctor.ts';
import { startDoctor } from './doctor-start.ts';
import type { DoctorPorts } from './ports.ts';

/**
 * What the composition root gives the doctor: the parties' implementations
 * of its ports (each party's `*DoctorRecords(db)`), billing's resolvers and
 * billing's auto-recharge minimum. Nothing else — no keys, no party modules.
 */
export interface DoctorModuleDeps extends Runtime, DoctorPorts {
  readonly billingResolvers: readonly BillingAttemptResolver[];
  /** Merchant billing's auto-recharge minimum (minor units); null: quote the declined amount. */
  readonly rechargeMinimumMinor: number | null;
}

export interface DoctorApi {
  /** For `cardlane doctor` and the story: the same doctor the API serves. */
  readonly doctor: Doctor;
}

/** The decline doctor: why a payment was declined, across billing, acquirer, network and issuer, per view. Its API is at /doctor/v1. */
export const doctorModule: ModuleDescription<DoctorModuleDeps, DoctorApi> = {
  name: 'doctor',
  // The doctor owns no tables: it reads the parties' through its ports.
  migrations: [],
  // It throws only the platform's generic codes (parameter_invalid, resource_missing, permission_denied, authentication_required).
  errorCodes: {},
  build({ db, clock, acquirer, issuer, network, testBank, billingResolvers, rechargeMinimumMinor }) {
    const { doctor, routes } = startDoctor({ db, clock, acquirer, issuer, network, testBank, billingResolvers, rechargeMinimumMinor });
    return { routes: [routes], tasks: [], api: { doctor } };
  },
};
