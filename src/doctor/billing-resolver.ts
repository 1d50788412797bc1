import type { Sql } from '../platform/db/database.ts';
import type { Lang } from './catalogue-types.ts';

/**
 * The doctor's extension point for merchant billing (src/billing): billing
 * keeps its own attempt ids (a credit purchase, an auto-recharge, a card
 * being added, a subscription renewal), each of which led to one acquirer
 * object. A resolver turns such an id into that object's id and a few
 * lines of billing context, so `cardlane doctor <billing attempt id>`
 * follows the attempt on across acquirer → network → issuer.
 *
 * This is the doctor's port for billing, like ports.ts for the other
 * parties: billing implements it (src/billing/doctor-resolver.ts) and the
 * doctor never imports billing — whoever builds the doctor passes the
 * resolvers (`billingResolvers`). The doctor asks the resolvers whose
 * `handles(id)` is true, in list order, and uses the first answer.
 */

export interface BillingContextLine {
  /** A stable snake_case code for programs, e.g. `auto_recharge_paused`. */
  readonly code: string;
  readonly text: Readonly<Record<Lang, string>>;
  /**
   * Whether the paying customer may read this line. Billing is the
   * merchant: its lines show in the merchant and operator views, and in the
   * cardholder view only when marked so (e.g. "auto-recharge is paused after
   * 3 declines", which the customer's billing page shows anyway).
   */
  readonly customerVisible: boolean;
}

export interface BillingAttemptResolution {
  /** The billing attempt id as asked. */
  readonly attemptId: string;
  /** What billing calls it, e.g. `auto_recharge`, `credit_purchase`, `add_payment_method`, `subscription_renewal`. */
  readonly kind: string;
  /**
   * The acquirer merchant account billing charges through (`acct_…`): whose
   * view may read the trace. Null or absent: the merchant of the acquirer
   * object (billing need not store which account it used).
   */
  readonly merchantId?: string | null;
  /**
   * The acquirer object the attempt led to: a payment intent (`pi_…`), a
   * setup intent (`seti_…`) or a charge (`ch_…`) — billing's
   * `provider_intent_id` (or `provider_charge_id`). Null when billing refused
   * before calling the acquirer (e.g. a monthly recharge limit reached): the
   * trace then ends at billing, with its context lines.
   */
  readonly acquirerObjectId: string | null;
  readonly createdAtMs: number;
  readonly context: readonly BillingContextLine[];
  /**
   * The merchant's auto-recharge minimum in minor units of `currency`, when
   * billing has one: the seed's remedy tells the cardholder to keep at
   * least this plus the verification hold on the card.
   */
  readonly rechargeMinimum?: { readonly minor: number; readonly currency: string } | null;
  /**
   * For an auto-recharge: the organization's auto-recharge as it stands now,
   * so the doctor can say what brings the recharge back (turn it on again, or
   * wait for the next attempt). Absent for other kinds.
   */
  readonly autoRecharge?: BillingAutoRechargeState | null;
}

export interface BillingAutoRechargeState {
  readonly enabled: boolean;
  /** Why it is paused (`hard_decline`, `repeated_declines`, …); null when it is not. */
  readonly pausedReason: string | null;
  /** When the job may try again after a decline's back-off; null when it may try now, or only once a person acts. */
  readonly nextAttemptAtMs: number | null;
  /** Whether this attempt is the organization's latest recharge (advice about retrying only fits the latest). */
  readonly isLatest: boolean;
}

export interface BillingAttemptResolver {
  /** A name for error messages and logs, e.g. `merchant-billing`. */
  readonly name: string;
  /** True for ids this resolver knows the shape of (by prefix); cheap, no I/O. */
  handles(id: string): boolean;
  /** The attempt, or undefined when there is no such attempt. Reads only; `sql` is the doctor's connection. */
  resolve(sql: Sql, id: string): Promise<BillingAttemptResolution | undefined>;
}
