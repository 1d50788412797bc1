import type { ConditionKind } from '../acquirer/index.ts';
import type { NetworkMessageRecord } from '../network/index.ts';
import type { AttemptFacts, IssuerFacts } from './attempt-facts.ts';
import { entryForDecision, ruleReasonOf, type CatalogueEntry, type Decider } from './catalogue.ts';

/**
 * One attempt's path and verdict, from its facts: pure, no I/O. The path is
 * the hops in the order the payment travelled (acquirer → network → issuer,
 * and back to the acquirer when a rule acted on the issuer's answer); the
 * verdict names who decided, the reason, and its catalogue entry.
 */

export type Party = 'billing' | 'acquirer' | 'network' | 'issuer';

export type HopStatus =
  /** acquirer: a risk rule stopped the payment before the network. */
  | 'blocked'
  /** acquirer: the payment passed the merchant's rules and went to the network. */
  | 'sent'
  /** acquirer: the issuer approved, then a rule on its AVS/CVC answer reversed the authorization. */
  | 'reversed'
  /** network or issuer: never received the payment. */
  | 'not_reached'
  /** network: passed the payment to the issuer and passed its answer back. */
  | 'routed'
  /** network: answered in the issuer's stead (time-out or failure). */
  | 'stand_in'
  /** network: refused the payment itself (no issuer for the card, malformed message). */
  | 'refused'
  /** no answer recorded yet. */
  | 'pending'
  /** issuer */
  | 'approved'
  | 'declined'
  /** issuer: approved after the network had already declined in its stead; the hold was released. */
  | 'late_approval_released'
  /** issuer: did not decide in time; learnt of the network's stand-in afterwards (advice). */
  | 'told_afterwards'
  /** issuer: has no record of the payment although the network tried it (it did not answer in time). */
  | 'no_answer'
  /** billing: the merchant's billing started the attempt and asked the acquirer. */
  | 'requested';

export interface Hop {
  readonly party: Party;
  readonly status: HopStatus;
  readonly atMs: number | null;
  /** The reason code this party gave, when it gave one. */
  readonly reason: string | null;
  readonly isoCode: string | null;
  /** The name of the issuer the network routed to (`cardlane`, `test-bank`). */
  readonly issuer?: string | null;
  /** Cardlane issuer checks that failed, in the order the issuer evaluates them. */
  readonly failedChecks?: readonly string[];
}

export interface Diagnosis {
  readonly outcome: 'approved' | 'declined' | 'pending';
  readonly decidedBy: Decider | null;
  /** The reason as the deciding party recorded it. */
  readonly reason: string | null;
  readonly entry: CatalogueEntry | null;
  readonly isoCode: string | null;
  readonly reachedNetwork: boolean;
  /** True when the issuer has any record of the attempt (it decided, or was told of the network's stand-in). */
  readonly reachedIssuer: boolean;
  readonly hops: readonly Hop[];
  /** The 3-D Secure check the issuer's 1A led to, when there was one: where it ended and why. */
  readonly authentication?: { readonly status: string; readonly reason: string } | null;
}

export function diagnose(f: AttemptFacts): Diagnosis {
  const charge = f.charge;
  const outcome = charge?.outcome ?? null;
  if (outcome?.type === 'blocked' && outcome.network_status === 'not_sent_to_network') {
    const { decidedBy, reason } = blockOf(f);
    return {
      outcome: 'declined',
      decidedBy,
      reason,
      entry: entryForDecision(decidedBy, reason),
      isoCode: null,
      reachedNetwork: false,
      reachedIssuer: false,
      hops: [
        { party: 'acquirer', status: 'blocked', atMs: f.atMs, reason, isoCode: null },
        { party: 'network', status: 'not_reached', atMs: null, reason: null, isoCode: null },
        { party: 'issuer', status: 'not_reached', atMs: null, reason: null, isoCode: null },
      ],
    };
  }

  const hops: Hop[] = [];
  if (charge !== null) hops.push({ party: 'acquirer', status: 'sent', atMs: charge.createdAtMs, reason: null, isoCode: null });
  const authorization = f.network.find((m) => m.type === 'authorization') ?? null;
  const answer = answerOf(authorization, f.issuer);
  if (answer === null) {
    hops.push({ party: 'network', status: 'pending', atMs: null, reason: null, isoCode: null });
    return { outcome: 'pending', decidedBy: null, reason: null, entry: null, isoCode: null, reachedNetwork: charge !== null, reachedIssuer: false, hops };
  }
  if (authorization !== null) hops.push(networkHop(authorization));
  const issuerHop = issuerHopOf(authorization, f.issuer);
  hops.push(issuerHop);

  const postBlock = outcome?.type === 'blocked' && outcome.network_status === 'reversed_after_approval';
  const reachedIssuer = !['not_reached', 'no_answer', 'pending'].includes(issuerHop.status);
  const common = { reachedNetwork: authorization !== null, reachedIssuer, hops };
  if (postBlock) {
    const { decidedBy, reason } = blockOf(f);
    hops.push({ party: 'acquirer', status: 'reversed', atMs: f.atMs, reason, isoCode: null });
    return { outcome: 'declined', decidedBy, reason, entry: entryForDecision(decidedBy, reason), isoCode: answer.code, ...common };
  }
  if (answer.code === '00') return { outcome: 'approved', decidedBy: 'issuer', reason: 'approved', entry: null, isoCode: '00', ...common };
  const challenge = answer.code === '1A' ? (f.authentication ?? null) : null;
  const challengeReason = challenge === null ? null : challenge.status === 'failed' ? 'authentication_failed' : challenge.status === 'expired' ? 'authentication_abandoned' : null;
  if (challenge !== null) {
    // The 1A sent the customer to the issuer's check: the verdict is how that check ended (failed, abandoned), or the 1A while it waits.
    const reason = challengeReason ?? answer.reason;
    return { outcome: 'declined', decidedBy: 'issuer', reason, entry: entryForDecision('issuer', reason), isoCode: answer.code, ...common, authentication: challenge };
  }
  return {
    outcome: 'declined',
    decidedBy: answer.decidedBy,
    reason: answer.reason,
    entry: entryForDecision(answer.decidedBy, answer.reason),
    isoCode: answer.code,
    ...common,
  };
}

interface Answer {
  readonly code: string;
  readonly reason: string;
  readonly decidedBy: 'issuer' | 'network';
}

/** The answer the acquirer got: the network's record of it, else (no network record) the issuer's own. */
function answerOf(authorization: NetworkMessageRecord | null, issuer: IssuerFacts | null): Answer | null {
  if (authorization !== null) return { code: authorization.responseCode, reason: authorization.reason, decidedBy: authorization.decidedBy };
  if (issuer === null) return null;
  const a = issuer.authorization;
  const code = 'responseCode' in a ? a.responseCode : a.response_code;
  const decidedBy = 'decidedBy' in a ? a.decidedBy : a.decided_by;
  return { code, reason: a.reason, decidedBy };
}

function networkHop(m: NetworkMessageRecord): Hop {
  const base = { party: 'network' as const, atMs: m.answeredAtMs, reason: m.reason, isoCode: m.responseCode, issuer: m.issuer };
  if (m.decidedBy === 'issuer') return { ...base, status: 'routed' };
  if (m.issuerOutcome === 'timeout' || m.issuerOutcome === 'error') return { ...base, status: 'stand_in' };
  return { ...base, status: 'refused' };
}

function issuerHopOf(authorization: NetworkMessageRecord | null, issuer: IssuerFacts | null): Hop {
  const none = (status: HopStatus): Hop => ({ party: 'issuer', status, atMs: null, reason: null, isoCode: null });
  if (authorization !== null && authorization.decidedBy === 'network' && authorization.issuerOutcome === null) return none('not_reached');
  if (issuer === null) {
    if (authorization === null) return none('not_reached');
    if (authorization.decidedBy === 'network') return none('no_answer');
    // An issuer whose own books the doctor cannot read: its answer as the network carried it.
    const status = authorization.responseCode === '00' ? 'approved' : 'declined';
    return { party: 'issuer', status, atMs: authorization.answeredAtMs, reason: authorization.reason, isoCode: authorization.responseCode };
  }

  const own = issuerOwn(issuer);
  const hop = { party: 'issuer' as const, atMs: own.atMs, reason: own.reason, isoCode: own.code, failedChecks: own.failedChecks };
  if (own.decidedBy === 'network') return { ...hop, status: 'told_afterwards' };
  const lateForNetwork = authorization !== null && authorization.decidedBy === 'network';
  if (own.approved) return { ...hop, status: lateForNetwork ? 'late_approval_released' : 'approved' };
  return { ...hop, status: 'declined' };
}

function issuerOwn(issuer: IssuerFacts): { approved: boolean; code: string; reason: string; decidedBy: string; atMs: number; failedChecks: string[] } {
  if (issuer.kind === 'cardlane') {
    const a = issuer.authorization;
    const failedChecks = Object.entries(a.checks).filter(([, value]) => value === 'fail').map(([name]) => name);
    return { approved: a.approved, code: a.responseCode, reason: a.reason, decidedBy: a.decidedBy, atMs: a.createdAtMs, failedChecks };
  }
  const a = issuer.authorization;
  return { approved: a.response_code === '00', code: a.response_code, reason: a.reason, decidedBy: a.decided_by, atMs: Number(a.created_at_ms), failedChecks: [] };
}

/** Who blocked at the acquirer, and with which catalogue reason. */
function blockOf(f: AttemptFacts): { decidedBy: 'acquirer_rule' | 'acquirer'; reason: string } {
  const charge = f.charge!;
  const by = charge.blockedByRule ?? '';
  if (by.startsWith('builtin:')) return { decidedBy: 'acquirer', reason: by.slice('builtin:'.length) };
  const kind = f.rule?.condition.kind ?? kindOfPredicate(charge.outcome?.rule?.predicate ?? '');
  return { decidedBy: 'acquirer_rule', reason: ruleReasonOf(kind, charge.declineCode) };
}

/** The rule's kind from its Radar predicate on the charge, for the (unexpected) case that the rule's row is gone. */
function kindOfPredicate(predicate: string): ConditionKind {
  const byMarker: ReadonlyArray<[string, ConditionKind]> = [
    [':card_country:', 'card_country'],
    [':card_funding:', 'card_funding'],
    [':total_attempts_per_', 'velocity'],
    [':amount_minor:', 'amount'],
    [':address_', 'avs'],
    [':cvc_check:', 'cvc'],
    [':name_check:', 'name_check'],
    [':card_fingerprint:', 'card_fingerprint'],
  ];
  const found = byMarker.find(([marker]) => predicate.includes(marker));
  if (found === undefined) throw new Error(`a blocked charge names a rule the doctor cannot read: ${predicate}`);
  return found[1];
}
