import type { Lang, Trace, TraceAttempt } from '../../doctor/index.ts';
import type { StoryHttp } from './story-http.ts';

/**
 * Asking the decline doctor about a payment (`/doctor/v1/traces/:id`), as
 * each person in the story may: the merchant's support with the merchant's
 * secret key (the merchant view), the cardholder with their session (the
 * cardholder view). What the story passes on to the paying customer is the
 * explanation without the merchant's rule internals (the rule's id, name and
 * predicate are the merchant's business, as at any real shop).
 */

export interface Explanation {
  readonly view: 'merchant' | 'cardholder';
  readonly payment: string;
  /** Who declined and the catalogue's title, in one line. */
  readonly summary: string;
  readonly outcome: 'approved' | 'declined' | 'pending';
  readonly decided_by: string | null;
  readonly reason: string | null;
  readonly iso_code: string | null;
  readonly stripe_decline_code: string | null;
  readonly seed_cause: string | null;
  readonly retryable: boolean | null;
  readonly title: string;
  readonly explanation: string;
  readonly remedy: string | null;
  readonly reached_network: boolean;
  readonly reached_issuer: boolean;
  readonly initiated_by: 'customer' | 'merchant';
  readonly issuer_authorization: string | null;
  readonly amount: number;
  /** Cardholder view, when the issuer decided: the checks that failed and the card's available balance the decision used (USD cents). */
  readonly issuer_checks: { readonly failed: readonly string[]; readonly available: number | null } | null;
  readonly seed_remedy: {
    readonly recommended: boolean;
    readonly because: string | null;
    readonly summary: string;
    readonly steps: readonly string[];
    readonly keep_on_card: number | null;
  };
  /** Billing's lines the customer may read, and the doctor's notes. */
  readonly notes: readonly string[];
  /** After a declined recharge: what brings it back (load at least …, turn it on again or wait until …). */
  readonly recovery: {
    readonly summary: string;
    readonly steps: readonly string[];
    readonly load_at_least: number;
    readonly next_attempt_at: string | null;
    readonly next_attempt_local: string | null;
    readonly manual_payment_refused: boolean;
  } | null;
}

/**
 * The reader's time zone, for times the doctor writes: a Chinese reader's is
 * China's; an English reader's, this machine's.
 */
export function readerTimeZoneFor(lang: Lang): string {
  return lang === 'zh-CN' ? 'Asia/Shanghai' : Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export class DoctorDesk {
  constructor(
    private readonly http: StoryHttp,
    private readonly lang: Lang,
  ) {}

  /** The trace of `paymentId` in `view`, asked with that view's credential. */
  async trace(paymentId: string, view: 'merchant' | 'cardholder', credential: string): Promise<Trace> {
    return this.http.get<Trace>(`/doctor/v1/traces/${encodeURIComponent(paymentId)}`, { token: credential, query: { view, lang: this.lang, tz: readerTimeZoneFor(this.lang) } });
  }

  async explain(paymentId: string, view: 'merchant' | 'cardholder', credential: string): Promise<Explanation> {
    return explanationOf(await this.trace(paymentId, view, credential), paymentId, view);
  }
}

export function explanationOf(trace: Trace, paymentId: string, view: 'merchant' | 'cardholder'): Explanation {
  const attempt: TraceAttempt | undefined = trace.attempts.at(-1);
  if (attempt === undefined) throw new Error(`the doctor found no attempt behind ${paymentId}: ${trace.summary}`);
  const { verdict, seed_remedy: remedy } = attempt;
  // The billing lines are the merchant's own in its view; the cardholder view holds only those the customer may read.
  const billingLines = view === 'cardholder' ? (trace.billing?.lines ?? []).map((line) => line.text) : [];
  const issuerHop = attempt.hops.find((hop) => hop.party === 'issuer' && hop.failed_checks !== undefined);
  return {
    view,
    payment: paymentId,
    summary: trace.summary,
    outcome: verdict.outcome,
    decided_by: verdict.decided_by,
    reason: verdict.reason,
    iso_code: verdict.iso_code,
    stripe_decline_code: verdict.stripe_decline_code,
    seed_cause: verdict.seed_cause,
    retryable: verdict.retryable,
    title: verdict.title,
    explanation: verdict.explanation,
    remedy: verdict.remedy,
    reached_network: attempt.reached_network,
    reached_issuer: attempt.reached_issuer,
    initiated_by: attempt.initiated_by,
    issuer_authorization: attempt.issuer_authorization,
    amount: attempt.amount,
    issuer_checks:
      issuerHop === undefined ? null : { failed: issuerHop.failed_checks ?? [], available: issuerHop.figures?.available_usd_minor ?? null },
    seed_remedy: {
      recommended: remedy.recommended,
      because: remedy.because,
      summary: remedy.summary,
      steps: remedy.steps,
      keep_on_card: remedy.keep_on_card?.amount ?? null,
    },
    notes: [...billingLines, ...trace.notes],
    recovery:
      trace.recovery == null
        ? null
        : {
            summary: trace.recovery.summary,
            steps: trace.recovery.steps,
            load_at_least: trace.recovery.load_at_least.amount,
            next_attempt_at: trace.recovery.next_attempt_at,
            next_attempt_local: trace.recovery.next_attempt_local,
            manual_payment_refused: trace.recovery.manual_payment_refused,
          },
  };
}
