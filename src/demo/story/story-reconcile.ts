import type { PaymentJson } from './story-customer.ts';
import type { StatementLineJson } from './story-issuer.ts';

/**
 * Do the cardholder's card statement and the organization's billing history
 * tell the same story, to the cent? Pure: the story gathers both records
 * (each through its own party's API) and the link between them that the
 * doctor follows — billing payment → acquirer → network → the issuer's
 * authorization (`iauth_…`), which every card line of a payment carries.
 *
 * The card is the story's own, used only at the merchant, so every card
 * payment on it must be one of the organizations' that paid with it: the
 * story's and the Plus accounts'.
 *
 * They agree when:
 * - every billing payment that reached the issuer has its authorization on
 *   the card, and every card payment at the merchant belongs to a billing
 *   payment (nothing unexplained on either side);
 * - a succeeded purchase or recharge was captured on the card for its amount
 *   (minus what was refunded, on both sides);
 * - a card verification took nothing: its hold was released in full (a
 *   declined one — the fifth account's, refused by the card's
 *   accounts-per-merchant rule — held nothing);
 * - a declined payment took nothing: if it reached the issuer the card shows
 *   the decline, if not (the merchant's own rule) the card shows nothing;
 * - so the totals match: Σ captured − refunded on the card at the merchant
 *   = Σ succeeded − refunded in billing.
 */

export interface PaymentLink {
  /** The organization whose billing history has the payment (the story's, or a Plus account's). */
  readonly organization?: string;
  readonly payment: PaymentJson;
  /** The issuer's authorization the doctor followed the payment to; null when it never reached the issuer. */
  readonly issuerAuthorization: string | null;
}

export interface ReconciledRow {
  readonly organization: string | null;
  readonly payment: string;
  readonly kind: PaymentJson['kind'];
  readonly billing_status: PaymentJson['status'];
  readonly billing_amount: number;
  /** What billing kept: the amount of a succeeded charge net of refunds; 0 for a verification or a decline. */
  readonly billing_net: number;
  readonly issuer_authorization: string | null;
  /** The card's own line for the authorization: settled, reversed, declined…; null when the card shows nothing. */
  readonly card_status: StatementLineJson['status'] | null;
  readonly card_decline_code: string | null;
  /** Captured minus refunded on the card (USD cents, positive: money that left the card). */
  readonly card_net: number;
  /** Held and later released (reversed or expired) on the card. */
  readonly card_released: number;
  readonly agrees: boolean;
  readonly problem: string | null;
}

export interface Reconciliation {
  readonly agree: boolean;
  readonly rows: readonly ReconciledRow[];
  readonly billing_total_net: number;
  readonly card_total_net: number;
  /** Card authorizations at the merchant that no billing payment accounts for. */
  readonly unexplained_card_authorizations: readonly string[];
  readonly problems: readonly string[];
}

export function reconcile(links: readonly PaymentLink[], statement: readonly StatementLineJson[]): Reconciliation {
  const byAuthorization = new Map<string, StatementLineJson[]>();
  for (const line of statement) {
    if (line.authorization === null) continue;
    const lines = byAuthorization.get(line.authorization) ?? [];
    lines.push(line);
    byAuthorization.set(line.authorization, lines);
  }

  const rows = links.map((link) => row(link, link.issuerAuthorization === null ? [] : (byAuthorization.get(link.issuerAuthorization) ?? [])));
  const linked = new Set(links.map((l) => l.issuerAuthorization).filter((id): id is string => id !== null));
  const unexplained = [...byAuthorization.keys()].filter((id) => !linked.has(id)).sort();
  const billingTotal = rows.reduce((sum, r) => sum + r.billing_net, 0);
  const cardTotal = [...byAuthorization.values()].reduce((sum, lines) => sum + netOf(lines), 0);
  const problems = [
    ...rows.filter((r) => r.problem !== null).map((r) => `${r.payment}: ${r.problem}`),
    ...unexplained.map((id) => `${id} is on the card but belongs to no billing payment`),
    ...(billingTotal === cardTotal ? [] : [`billing kept ${billingTotal} cents, the card paid ${cardTotal} cents`]),
  ];
  return { agree: problems.length === 0, rows, billing_total_net: billingTotal, card_total_net: cardTotal, unexplained_card_authorizations: unexplained, problems };
}

function row(link: PaymentLink, lines: readonly StatementLineJson[]): ReconciledRow {
  const { payment } = link;
  const decision = lines.find((l) => l.type === 'authorization' || l.type === 'account_verification') ?? null;
  const cardNet = netOf(lines);
  const released = lines.filter((l) => l.type === 'reversal' || l.type === 'network_reversal' || l.type === 'expiry' || l.type === 'release_on_close').reduce((sum, l) => sum + l.amount, 0);
  const billingNet = payment.status === 'succeeded' && payment.kind !== 'verification' ? payment.amount.amount_minor - payment.refunded.amount_minor : 0;
  const problem = problemOf(link, decision, cardNet, released, billingNet);
  return {
    organization: link.organization ?? null,
    payment: payment.id,
    kind: payment.kind,
    billing_status: payment.status,
    billing_amount: payment.amount.amount_minor,
    billing_net: billingNet,
    issuer_authorization: link.issuerAuthorization,
    card_status: decision?.status ?? null,
    card_decline_code: decision?.decline?.response_code ?? null,
    card_net: cardNet,
    card_released: released,
    agrees: problem === null,
    problem,
  };
}

function problemOf(link: PaymentLink, decision: StatementLineJson | null, cardNet: number, released: number, billingNet: number): string | null {
  const { payment } = link;
  if (payment.status === 'processing') return 'billing is still waiting for the answer';
  if (link.issuerAuthorization !== null && decision === null) return `the card has no line for ${link.issuerAuthorization}`;
  if (cardNet !== billingNet) return `billing kept ${billingNet} cents, the card paid ${cardNet} cents`;
  // A verification the issuer approved held its amount, which must have gone back; a declined one held nothing.
  if (payment.kind === 'verification' && decision !== null && decision.status !== 'declined' && released !== payment.amount.amount_minor) {
    return `the verification hold of ${payment.amount.amount_minor} cents was released for ${released} cents`;
  }
  if (payment.status === 'failed' && decision !== null && decision.status !== 'declined') return `billing says declined, the card says ${decision.status}`;
  if (payment.status === 'succeeded' && payment.kind !== 'verification' && decision === null) return 'billing says paid, the card shows nothing';
  return null;
}

/** Captured minus refunded, from the card's event lines (clearings take money, refunds give it back). */
function netOf(lines: readonly StatementLineJson[]): number {
  let net = 0;
  for (const line of lines) {
    if (line.type === 'clearing') net += -line.amount;
    else if (line.type === 'refund') net -= line.amount;
  }
  return net;
}

