import type { Clock } from '../platform/clock.ts';
import type { Sql } from '../platform/db/database.ts';
import type { RoutePlugin } from '../platform/http/server.ts';
import type { BillingAttemptResolver } from './billing-resolver.ts';
import { Doctor } from './doctor.ts';
import { doctorRoutes } from './http/doctor-routes.ts';
import type { DoctorPorts } from './ports.ts';

/**
 * The doctor as a running Cardlane (or `cardlane doctor`) builds it: from
 * the parties' implementations of its ports, billing's resolvers and
 * billing's configured auto-recharge minimum — no keys, no party code.
 * The composition root (src/app/doctor.ts) builds the
 * ports and calls this.
 */
export interface DoctorStartInput extends DoctorPorts {
  readonly db: Sql;
  readonly clock: Clock;
  readonly billingResolvers: readonly BillingAttemptResolver[];
  /** Merchant billing's auto-recharge minimum (minor units), quoted when a billing attempt does not say; null: the declined amount. */
  readonly rechargeMinimumMinor: number | null;
}

export interface StartedDoctor {
  readonly doctor: Doctor;
  /** The doctor's API, mounted at `/doctor/v1`. */
  readonly routes: RoutePlugin;
}

export function startDoctor(input: DoctorStartInput): StartedDoctor {
  const { db, clock, acquirer, issuer, network, testBank, billingResolvers, rechargeMinimumMinor } = input;
  const doctor = new Doctor({ db, acquirer, issuer, network, testBank, billingResolvers, rechargeMinimumMinor });
  return { doctor, routes: { plugin: doctorRoutes({ clock, doctor, network }), prefix: '/doctor/v1' } };
}
