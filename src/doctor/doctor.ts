import type { Sql } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { factsOfCharge, factsOfIssuerRecord, type AttemptFacts } from './attempt-facts.ts';
import type { BillingAttemptResolver } from './billing-resolver.ts';
import type { Lang } from './catalogue-types.ts';
import { diagnose } from './diagnose.ts';
import type { DoctorPorts } from './ports.ts';
import { presentAttempt, verdictLine, type AttemptParts } from './present.ts';
import { identify } from './principals.ts';
import { seedRemedyOf } from './seed-remedy-facts.ts';
import { citBlockingRules } from './mit-blockers.ts';
import { rechargeRecovery } from './recharge-recovery.ts';
import { readerTimestamp, readerTimeZone } from './reader-time.ts';
import { MAX_CHARGES_PER_SUBJECT, notFound, resolveSubject, type BillingResolvers, type Subject } from './subjects.ts';
import type { Trace, TraceAttempt, TraceBilling, TraceHop } from './trace-types.ts';
import { say, type Principal, type View } from './views.ts';
import { traceDispute } from './dispute-trace.ts';

/**
 * The decline doctor: given an id (a payment, a setup, a billing attempt,
 * an issuer authorization) or a card and a time window, it follows each
 * attempt across billing → acquirer → network → issuer through each
 * party's records and says what happened, who declined, by which rule or
 * check, with which codes, and what to do next — scoped to who asks.
 */

/**
 * Every read goes through the parties' implementations of the doctor's
 * ports (ports.ts), injected here; the doctor holds no key and never sees a
 * card number. A Cardlane card and a merchant's attempts with it are linked
 * by the card account's PAR, which both the issuer and the acquirer store.
 */
export interface DoctorOptions extends DoctorPorts {
  /** The connection billing's resolvers read with (their contract is `resolve(sql, id)`). */
  readonly db: Sql;
  /** Merchant billing's resolvers (src/billing/doctor-resolver.ts), asked in order; whoever builds the doctor passes them. */
  readonly billingResolvers: readonly BillingAttemptResolver[];
  /** The auto-recharge minimum to quote when billing does not say (minor units); null: the declined amount. */
  readonly rechargeMinimumMinor?: number | null;
}

/**
 * When and where the reader reads a trace: times it mentions (the next
 * attempt of a declined recharge) are written in their time zone and
 * relative to `nowMs`. `timeZone` is an IANA name (refused with 400 when it
 * is not one); without it, the language's (Asia/Shanghai for zh-CN, UTC for en).
 */
export interface Reading {
  readonly nowMs: number;
  readonly timeZone?: string;
}

/** A card window is at most about a year: statements are read in months, and the reads stay bounded. */
export const MAX_WINDOW_MS = 400 * 24 * 60 * 60 * 1000;
/** Issuer authorizations (and, for the operator, blocked merchant attempts) diagnosed per card window, at most. */
export const MAX_CARD_ATTEMPTS = 200;

export class Doctor {
  readonly #ports: DoctorPorts;
  readonly #billing: BillingResolvers;
  readonly #rechargeMinimumMinor: number | null;

  constructor(options: DoctorOptions) {
    const { acquirer, issuer, network, testBank } = options;
    this.#ports = { acquirer, issuer, network, testBank };
    this.#billing = { sql: options.db, resolvers: options.billingResolvers };
    this.#rechargeMinimumMinor = options.rechargeMinimumMinor ?? null;
  }

  /** A dispute (`du_…` or `idsp_…`) followed across issuer, network and acquirer, as `principal` may see it. */
  traceDispute(id: string, principal: Principal, lang: Lang) {
    return traceDispute(this.#ports, id, principal, lang);
  }

  /** Who a credential (a merchant secret key, an operator key, a cardholder session) belongs to, as the party that issued it says. */
  identify(token: string, nowMs: number): Promise<Principal> {
    return identify(this.#ports, token, nowMs);
  }

  async trace(id: string, principal: Principal, lang: Lang, reading?: Reading): Promise<Trace> {
    const timeZone = reading === undefined ? null : readerTimeZone(lang, reading.timeZone);
    const subject = await resolveSubject(this.#ports, this.#billing, id);
    const attempts = await this.#visibleAttempts(subject, principal);
    const billingMinimum = subject.billing?.rechargeMinimum?.minor ?? null;
    const parts = await Promise.all(attempts.map((facts) => this.#parts(facts, principal.view, billingMinimum ?? this.#rechargeMinimumMinor)));
    const last = parts.at(-1);
    const notes: string[] = [];
    if (parts.length > 1) {
      notes.push(say(lang, `This had ${parts.length} attempts; the last one decides its state.`, `共有 ${parts.length} 次尝试，以最后一次为准。`));
    }
    if (last !== undefined && !last.diagnosis.reachedNetwork && last.diagnosis.outcome === 'declined' && principal.view === 'cardholder') {
      notes.push(
        say(
          lang,
          "Your card's statement has no line for this attempt: it never reached the card issuer.",
          '你的卡片账单不会有这次尝试的记录：它从未到达发卡行。',
        ),
      );
    }
    const recovery = reading === undefined || timeZone === null || last === undefined ? null : await this.#recovery(subject, last, principal.view, lang, { nowMs: reading.nowMs, timeZone });
    const presented = parts.map((p) => withBillingHop(presentAttempt(p, principal.view, lang), subject, lang));
    return {
      object: 'doctor_trace',
      view: principal.view,
      lang,
      query: { id },
      subject: { kind: subject.kind, id: subject.id },
      summary: last === undefined ? billingOnlySummary(subject, lang) : verdictLine(last.diagnosis, principal.view, lang),
      billing: billingOf(subject, principal.view, lang),
      // The catalogue's "top up, then retry" is wrong for a declined recharge at such a merchant: the last attempt says what works.
      attempts: recovery === null ? presented : presented.map((a, i) => (i === presented.length - 1 ? { ...a, verdict: { ...a.verdict, remedy: recovery.summary } } : a)),
      notes,
      ...(reading === undefined ? {} : { recovery }),
    };
  }

  /** What brings a declined auto-recharge back (recharge-recovery.ts); null for anything else. */
  async #recovery(subject: Subject, last: AttemptParts, view: View, lang: Lang, reading: Required<Reading>) {
    if (subject.billing?.kind !== 'auto_recharge' || last.diagnosis.isoCode !== '51') return null;
    const { facts } = last;
    const manualBlockers =
      facts.merchant.id === null
        ? []
        : citBlockingRules(
            await this.#ports.acquirer.activeRules(facts.merchant.id),
            { country: facts.card.country, funding: facts.card.funding, fingerprint: facts.card.fingerprint, checks: facts.paymentMethod?.checks ?? { address_line1_check: null, address_postal_code_check: null } },
            { amountMinor: facts.amount.minor, currency: facts.amount.currency },
          );
    return rechargeRecovery({ billing: subject.billing, last, manualBlockers, view, lang, nowMs: reading.nowMs, timeZone: reading.timeZone });
  }

  /**
   * Every authorization the issuer recorded for a Cardlane card in
   * [fromMs, toMs), each diagnosed. The cardholder's view is the issuer's
   * side: a payment a merchant refused before the card network is not on
   * it, and the trace says so. The operator's view also connects the
   * merchant-side attempts with this card that never reached the issuer,
   * through the card account's PAR.
   */
  async traceCard(cardId: string, window: { readonly fromMs: number; readonly toMs: number }, principal: Principal, lang: Lang, reading?: Pick<Reading, 'timeZone'>): Promise<Trace> {
    // The window is said in the reader's zone (refused with 400 when `timeZone` is not one), else the language's.
    const zone = readerTimeZone(lang, reading?.timeZone);
    if (principal.view === 'merchant') {
      throw new AppError('permission_denied', "A merchant cannot look at a cardholder's card; trace your own payments by their id.");
    }
    checkWindow(window);
    const { acquirer, issuer } = this.#ports;
    const card = typeof cardId === 'string' && cardId.length <= 100 ? await issuer.card(cardId) : undefined;
    if (card === undefined || (principal.view === 'cardholder' && card.cardholderId !== principal.cardholderId)) {
      throw new AppError('resource_missing', 'No such card.', { param: 'card' });
    }
    const authorizations = (await issuer.authorizationsOfCard(card.id, window, MAX_CARD_ATTEMPTS)).reverse();
    const facts: AttemptFacts[] = await Promise.all(
      authorizations.map(async (authorization) => {
        const charge = await acquirer.chargeByNetworkId(authorization.requestId);
        return charge === undefined ? factsOfIssuerRecord(this.#ports, authorization) : factsOfCharge(this.#ports, charge);
      }),
    );
    let neverReached = 0;
    const par = card.paymentAccountReference;
    const linked = principal.view === 'operator' && par !== null;
    if (linked) {
      const blocked = (await acquirer.chargesOfCardAccount(par, window, MAX_CARD_ATTEMPTS)).filter(
        (charge) => charge.outcome?.network_status === 'not_sent_to_network',
      );
      neverReached = blocked.length;
      facts.push(...(await Promise.all(blocked.map((charge) => factsOfCharge(this.#ports, charge)))));
      facts.sort((a, b) => a.atMs - b.atMs || a.reference.localeCompare(b.reference));
    }
    const parts = await Promise.all(facts.map((f) => this.#parts(f, principal.view, this.#rechargeMinimumMinor)));
    const from = readerTimestamp(window.fromMs, zone);
    const to = readerTimestamp(window.toMs, zone);
    const approved = parts.filter((p) => p.diagnosis.outcome === 'approved').length;
    const declined = parts.filter((p) => p.diagnosis.outcome === 'declined').length;
    const notes: string[] = [];
    if (authorizations.length === 0) {
      notes.push(
        say(
          lang,
          `No authorization reached the card issuer between ${from} and ${to}. If a merchant said this card was declined in that time, the merchant refused the payment before the card network: the issuer never received it, so it held nothing and cannot explain it. Ask the merchant, or trace the payment's id.`,
          `${from} 至 ${to} 之间没有任何授权请求到达发卡行。如果商户在此期间提示这张卡被拒，说明商户在卡组织网络之前就拒绝了付款：发卡行从未收到，既没有预授权，也无法解释原因。请询问商户，或用付款编号进行诊断。`,
        ),
      );
    }
    if (principal.view === 'cardholder') {
      notes.push(
        say(
          lang,
          'This is the card issuer\'s side: a payment a merchant refused before the card network never reaches the issuer and cannot appear here. If a merchant showed you a payment id, trace that id.',
          '这是发卡行一侧的记录：商户在卡组织网络之前拒绝的付款不会到达发卡行，因此不会出现在这里。如果商户给了你付款编号，请用该编号诊断。',
        ),
      );
    } else if (linked) {
      notes.push(
        say(
          lang,
          neverReached === 1
            ? "1 merchant-side attempt with this card never reached the issuer (refused at the acquirer); it is listed with the issuer's authorizations."
            : `${neverReached} merchant-side attempts with this card never reached the issuer (refused at the acquirer); they are listed with the issuer's authorizations.`,
          `有 ${neverReached} 次商户侧的尝试从未到达发卡行（在收单方被拒绝），已与发卡行的授权记录一并列出。`,
        ),
      );
    } else {
      notes.push(
        say(
          lang,
          'Merchant-side attempts that never reached the issuer are not connected: the issuer has no payment account reference for this card yet (it is filled in when Cardlane next starts).',
          '未关联从未到达发卡行的商户侧尝试：发卡行尚未记录这张卡的支付账户参考号（PAR），Cardlane 下次启动时会补上。',
        ),
      );
    }
    return {
      object: 'doctor_trace',
      view: principal.view,
      lang,
      query: { card: card.id, from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString() },
      subject: { kind: 'card', id: card.id },
      summary: say(
        lang,
        `${parts.length} ${parts.length === 1 ? 'attempt' : 'attempts'} with card •••• ${card.last4} between ${from} and ${to}: ${approved} approved, ${declined} declined.`,
        `${from} 至 ${to} 之间，卡片 •••• ${card.last4} 共 ${parts.length} 次尝试：批准 ${approved} 次，拒绝 ${declined} 次。`,
      ),
      billing: null,
      attempts: parts.map((p) => presentAttempt(p, principal.view, lang)),
      notes,
    };
  }

  /**
   * The merchant and the cardholder an id belongs to, for previewing their
   * views locally (`cardlane doctor <id> --view merchant`). The cardholder of
   * an attempt that never reached the issuer is found as the HTTP view finds
   * it: through the card account's PAR on the merchant's payment method, else
   * through the same card's other attempts at that merchant that did reach it.
   * Only a preview: the trace itself still shows the cardholder only the
   * attempts on their own cards.
   */
  async ownersOf(id: string): Promise<{ readonly merchantId: string | null; readonly cardholderId: string | null }> {
    const subject = await resolveSubject(this.#ports, this.#billing, id);
    const { acquirer, issuer } = this.#ports;
    let cardholderId: string | null = null;
    for (const attempt of [...subject.attempts].reverse()) {
      const par = attempt.card.paymentAccountReference ?? null;
      if (attempt.issuer?.kind === 'cardlane') cardholderId = attempt.issuer.authorization.cardholderId;
      else if (par !== null) cardholderId = (await issuer.cardholderOfCardAccount(par)) ?? null;
      if (cardholderId === null && attempt.card.fingerprint !== null && attempt.merchant.id !== null) {
        for (const charge of await acquirer.chargesOfCardAtMerchant(attempt.merchant.id, attempt.card.fingerprint, MAX_CHARGES_PER_SUBJECT)) {
          cardholderId = (await issuer.authorizationByRequest(charge.networkId))?.cardholderId ?? null;
          if (cardholderId !== null) break;
        }
      }
      if (cardholderId !== null) break;
    }
    return { merchantId: subject.merchantId, cardholderId };
  }

  async #parts(facts: AttemptFacts, view: View, rechargeMinimumMinor: number | null): Promise<AttemptParts> {
    const diagnosis = diagnose(facts);
    const remedy = await seedRemedyOf(this.#ports, facts, diagnosis, { issuerSide: view !== 'merchant', rechargeMinimumMinor });
    return { facts, diagnosis, remedy };
  }

  /** The subject's attempts the principal may see; none at all answers 404, as for an id that does not exist. */
  async #visibleAttempts(subject: Subject, principal: Principal): Promise<readonly AttemptFacts[]> {
    switch (principal.view) {
      case 'operator':
        return subject.attempts;
      case 'merchant': {
        if (subject.merchantId !== principal.merchantId) throw notFound(subject.id);
        return subject.attempts.filter((a) => a.charge?.merchantId === principal.merchantId);
      }
      case 'cardholder': {
        const owns = await this.#ownership(principal.cardholderId);
        const visible = [];
        for (const attempt of subject.attempts) if (await owns(attempt)) visible.push(attempt);
        if (visible.length === 0) throw notFound(subject.id);
        return visible;
      }
    }
  }

  /**
   * Whether an attempt used one of the cardholder's cards: the issuer's
   * record says so, or (never reached the issuer) the card account's PAR on
   * the merchant's payment method is one of the cardholder's cards' PARs.
   */
  async #ownership(cardholderId: string): Promise<(attempt: AttemptFacts) => Promise<boolean>> {
    let references: Set<string> | null = null;
    const cardReferences = async () => {
      if (references === null) {
        const cards = await this.#ports.issuer.cardsOfCardholder(cardholderId);
        references = new Set(cards.flatMap((card) => (card.paymentAccountReference === null ? [] : [card.paymentAccountReference])));
      }
      return references;
    };
    return async (attempt) => {
      if (attempt.issuer?.kind === 'cardlane') return attempt.issuer.authorization.cardholderId === cardholderId;
      const par = attempt.card.paymentAccountReference ?? null;
      if (par === null) return false;
      return (await cardReferences()).has(par);
    };
  }
}

function checkWindow(window: { readonly fromMs: number; readonly toMs: number }): void {
  const { fromMs, toMs } = window;
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs < 0 || toMs <= fromMs) {
    throw new AppError('parameter_invalid', 'The window needs from < to, both ISO 8601 times.', { param: 'from' });
  }
  if (toMs - fromMs > MAX_WINDOW_MS) throw new AppError('parameter_invalid', 'The window may be at most 400 days.', { param: 'to' });
}

/** The summary of a billing attempt with no acquirer records to follow. */
function billingOnlySummary(subject: Subject, lang: Lang): string {
  const objectId = subject.billing?.acquirerObjectId ?? null;
  if (objectId === null) return say(lang, 'Billing did not send this attempt to the payment processor.', '账单系统没有把这次尝试发给支付机构。');
  return say(
    lang,
    `Billing sent this attempt to its payment processor as ${objectId}, whose records are not in this Cardlane (an outside provider).`,
    `账单系统已把这次尝试以 ${objectId} 发给支付机构，但本 Cardlane 中没有该支付机构的记录（外部支付服务）。`,
  );
}

/** A billing attempt's first hop: billing asked the acquirer. */
function withBillingHop(attempt: TraceAttempt, subject: Subject, lang: Lang): TraceAttempt {
  const billing = subject.billing;
  if (billing === null) return attempt;
  const hop: TraceHop = {
    party: 'billing',
    status: 'requested',
    at: new Date(billing.createdAtMs).toISOString(),
    summary: say(lang, `Merchant billing started this ${billing.kind} (${billing.attemptId}) and asked the payment processor to charge the card.`, `商户账单系统发起了此次 ${billing.kind}（${billing.attemptId}），并请支付机构向卡片扣款。`),
    reason: null,
    iso_code: null,
  };
  return { ...attempt, hops: [hop, ...attempt.hops] };
}

function billingOf(subject: Subject, view: View, lang: Lang): TraceBilling | null {
  const billing = subject.billing;
  if (billing === null) return null;
  const lines = billing.context.filter((line) => view !== 'cardholder' || line.customerVisible).map((line) => ({ code: line.code, text: line.text[lang] }));
  return { attempt_id: billing.attemptId, kind: billing.kind, lines };
}
