import { HIGHEST_RISK_DESCRIPTION, HIGHEST_RISK_PREDICATE } from '../acquirer/index.ts';
import { formatMoney, money } from '../platform/money.ts';
import type { AttemptFacts } from './attempt-facts.ts';
import type { Lang } from './catalogue-types.ts';
import type { Diagnosis, Hop } from './diagnose.ts';
import { checksText } from './check-text.ts';
import { isoMeaning } from './iso-text.ts';
import type { SeedRemedyReport } from './seed-remedy-facts.ts';
import type { TraceAttempt, TraceHop, TraceIsoFields, TraceRule, TraceSeedRemedy, TraceVerdict } from './trace-types.ts';
import type { NetworkMessageRecord } from '../network/index.ts';
import { say, type View } from './views.ts';

/**
 * An attempt as one view may see it, in one language. This is the only
 * place a trace's output is built, so scoping holds here: the merchant's
 * rule (id, description, predicate) and internal ids are written only for
 * the merchant and operator views; the issuer's checks and the balance it
 * used only for the cardholder and operator views.
 */

export interface AttemptParts {
  readonly facts: AttemptFacts;
  readonly diagnosis: Diagnosis;
  readonly remedy: SeedRemedyReport;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function presentAttempt(parts: AttemptParts, view: View, lang: Lang): TraceAttempt {
  const { facts, diagnosis } = parts;
  const merchantSide = view !== 'cardholder';
  const issuerAuthorization = facts.issuer?.kind === 'cardlane' ? facts.issuer.authorization.id : (facts.issuer?.authorization.id ?? facts.charge?.issuerAuthorizationId ?? null);
  return {
    reference: merchantSide ? facts.reference : issuerAuthorization,
    created_at: new Date(facts.atMs).toISOString(),
    merchant: { ...(merchantSide ? { id: facts.merchant.id } : {}), name: facts.merchant.name, country: facts.merchant.country },
    amount: facts.amount.minor,
    currency: facts.amount.currency,
    initiated_by: facts.initiator,
    purpose: facts.purpose,
    card: { brand: facts.card.brand, last4: facts.card.last4, funding: facts.card.funding, country: facts.card.country },
    reached_network: diagnosis.reachedNetwork,
    reached_issuer: diagnosis.reachedIssuer,
    hops: diagnosis.hops.map((hop) => presentHop(hop, parts, view, lang)),
    verdict: presentVerdict(parts, view, lang),
    seed_remedy: presentSeedRemedy(parts, view, lang),
    // Stripe shows the issuer's authorization to the merchant too (`authorization_code`).
    issuer_authorization: issuerAuthorization,
    ...(merchantSide
      ? {
          payment_intent: facts.charge?.paymentIntentId ?? null,
          setup_intent: facts.charge?.setupIntentId ?? null,
          customer: facts.charge?.customerId ?? null,
          payment_method: facts.charge?.paymentMethodId ?? null,
        }
      : {}),
  };
}

/** One line for the top of a trace: who decided, and the catalogue's title. */
export function verdictLine(diagnosis: Diagnosis, view: View, lang: Lang): string {
  if (diagnosis.outcome === 'approved') return say(lang, 'Approved by the card issuer.', '发卡行已批准。');
  if (diagnosis.outcome === 'pending') return say(lang, 'Still waiting for an answer from the card network.', '仍在等待卡组织网络的答复。');
  const title = diagnosis.entry!.text[lang].title;
  const who = whoDeclined(diagnosis, view, lang);
  return say(lang, `${who}: ${title}.`, `${who}：${title}。`);
}

function whoDeclined(diagnosis: Diagnosis, view: View, lang: Lang): string {
  switch (diagnosis.decidedBy) {
    case 'acquirer_rule':
      if (view === 'cardholder') return say(lang, 'Refused by the merchant', '被商户拒绝');
      return view === 'merchant' ? say(lang, 'Declined by your risk rule', '被你的风控规则拒绝') : say(lang, "Declined by the merchant's risk rule", '被商户的风控规则拒绝');
    case 'acquirer':
      return say(lang, "Blocked by the payment processor's risk check", '被支付机构的风控检查拦截');
    case 'network':
      return say(lang, "Declined by the card network in the issuer's stead", '卡组织网络代发卡行拒绝');
    default:
      return say(lang, 'Declined by the card issuer', '被发卡行拒绝');
  }
}

function presentVerdict(parts: AttemptParts, view: View, lang: Lang): TraceVerdict {
  const { diagnosis } = parts;
  const n = attemptNoun(parts);
  const verification = parts.facts.purpose === 'account_verification';
  const rule = view === 'cardholder' ? undefined : ruleOf(parts);
  if (diagnosis.entry === null) {
    const approved = diagnosis.outcome === 'approved';
    return {
      outcome: diagnosis.outcome,
      decided_by: diagnosis.decidedBy,
      reason: diagnosis.reason,
      title: approved ? say(lang, 'Approved', '已批准') : say(lang, 'Pending', '处理中'),
      explanation: approved
        ? exemptFromAuthentication(parts)
          ? verification
            ? say(
                lang,
                'The card issuer approved the card verification. It asks for 3-D Secure authentication, but this card verification was merchant-initiated under a card set-up the cardholder authenticated, so it was exempt from strong customer authentication (SCA).',
                '发卡行批准了这次验卡。该发卡行要求 3-D Secure 验证，但这是商户依据持卡人此前验证过的绑卡发起的验卡，免于强客户认证（SCA）。',
              )
            : say(
                lang,
                'The card issuer approved the payment. It asks for 3-D Secure authentication, but this payment was merchant-initiated under a card set-up the cardholder authenticated, so it was exempt from strong customer authentication (SCA) — which is why the automatic charge works without the cardholder.',
                '发卡行批准了这笔付款。该发卡行要求 3-D Secure 验证，但这是商户依据持卡人此前验证过的绑卡发起的自动扣款，免于强客户认证（SCA）——所以无需持卡人在场，自动扣款也能成功。',
              )
          : say(lang, `The card issuer approved ${n.the}.`, `发卡行批准了${n.zh}。`)
        : verification
          ? say(lang, 'The card verification was sent to the card network and no answer is recorded yet.', '这次验卡已发往卡组织网络，尚无答复记录。')
          : say(lang, 'The payment was sent to the card network and no answer is recorded yet.', '付款已发往卡组织网络，尚无答复记录。'),
      remedy: null,
      iso_code: diagnosis.isoCode,
      stripe_code: null,
      stripe_decline_code: null,
      advice_code: null,
      retryable: null,
      seed_cause: null,
    };
  }
  const entry = diagnosis.entry;
  const text = entry.text[lang];
  return {
    outcome: diagnosis.outcome,
    decided_by: diagnosis.decidedBy,
    reason: entry.reason,
    title: text.title,
    explanation: text.explanation,
    remedy: text.remedy,
    iso_code: diagnosis.isoCode,
    stripe_code: entry.stripeCode,
    stripe_decline_code: entry.stripeDeclineCode,
    advice_code: entry.adviceCode,
    retryable: entry.retryable,
    seed_cause: entry.seedCause,
    ...(rule !== undefined && (diagnosis.decidedBy === 'acquirer_rule' || diagnosis.decidedBy === 'acquirer') ? { rule } : {}),
    ...(diagnosis.authentication ? { authentication: { ...diagnosis.authentication, summary: authenticationSummary(diagnosis.authentication.reason, n, lang) } } : {}),
  };
}

/** How the steps name the attempt: a purchase is "the payment" (这笔付款), an account verification "the card verification" (这次验卡). */
interface AttemptNoun {
  readonly the: string;
  readonly The: string;
  readonly a: string;
  readonly this: string;
  /** With its measure word: 这笔付款 / 这次验卡. */
  readonly zh: string;
  /** Bare, where the sentence already says which: 付款 / 验卡. */
  readonly zhShort: string;
}

function attemptNoun(parts: AttemptParts): AttemptNoun {
  return parts.facts.purpose === 'account_verification'
    ? { the: 'the card verification', The: 'The card verification', a: 'a card verification', this: 'this card verification', zh: '这次验卡', zhShort: '验卡' }
    : { the: 'the payment', The: 'The payment', a: 'a payment', this: 'this payment', zh: '这笔付款', zhShort: '付款' };
}

/** Cardlane's issuer recorded that its 3-D Secure policy would have asked, and the merchant-initiated payment was exempt. */
function exemptFromAuthentication(parts: AttemptParts): boolean {
  const issuer = parts.facts.issuer;
  return issuer?.kind === 'cardlane' && issuer.authorization.checks.authentication_exemption === 'merchant_initiated';
}

/** How a 3-D Secure check ended, for people: the access control servers' reasons in words. */
function authenticationSummary(reason: string, n: AttemptNoun, lang: Lang): string {
  switch (reason) {
    case 'too_many_wrong_codes':
      return say(lang, 'A wrong code from the SMS was entered three times, so the check failed.', '短信验证码输错 3 次，验证未通过。');
    case 'declined_by_cardholder':
      return say(lang, 'The check was refused on the bank\'s page ("this was not me").', '在银行的验证页面上拒绝了验证（“不是我本人”）。');
    case 'abandoned':
      return say(lang, 'The check page was not finished within 10 minutes.', '验证页面没有在 10 分钟内完成。');
    case 'challenge_required':
      return say(lang, 'The check is still waiting for the customer.', '验证仍在等待客户完成。');
    case 'challenge_passed':
    case 'frictionless':
      return say(lang, `The check passed; ${n.the} was sent again with its result.`, `验证已通过，${n.zhShort}已携带验证结果重新发送。`);
    default:
      return say(lang, `The check ended: ${reason}.`, `验证已结束（${reason}）。`);
  }
}

/** The blocking rule as the merchant and the operator see it; undefined when no rule blocked. */
function ruleOf(parts: AttemptParts): TraceRule | undefined {
  const { facts } = parts;
  const charge = facts.charge;
  if (charge === null || charge.outcome?.type !== 'blocked') return undefined;
  if (charge.blockedByRule?.startsWith('builtin:')) {
    return { id: null, description: HIGHEST_RISK_DESCRIPTION, predicate: HIGHEST_RISK_PREDICATE, applies_to: 'all', purpose: 'all', deleted: false };
  }
  const recorded = charge.outcome.rule;
  const rule = facts.rule;
  return {
    id: rule?.id ?? recorded?.id ?? charge.blockedByRule,
    description: recorded?.description ?? rule?.description ?? '',
    predicate: recorded?.predicate ?? '',
    applies_to: rule?.appliesTo ?? null,
    purpose: rule?.purpose ?? null,
    deleted: rule?.deletedAtMs != null,
  };
}

function presentHop(hop: Hop, parts: AttemptParts, view: View, lang: Lang): TraceHop {
  const base = { party: hop.party, status: hop.status, at: iso(hop.atMs), summary: hopSummary(hop, parts, view, lang), reason: hop.reason, iso_code: hop.isoCode };
  if (hop.party === 'acquirer' && (hop.status === 'blocked' || hop.status === 'reversed') && view !== 'cardholder') {
    const rule = ruleOf(parts);
    return rule === undefined ? base : { ...base, rule };
  }
  if (hop.party === 'issuer' && view !== 'merchant' && parts.facts.issuer?.kind === 'cardlane') {
    const figures: Record<string, number> = {};
    for (const [name, value] of Object.entries(parts.facts.issuer.authorization.checks)) if (typeof value === 'number') figures[name] = value;
    return { ...base, failed_checks: hop.failedChecks ?? [], figures };
  }
  if (hop.party === 'network' && view !== 'merchant') {
    // The conversion is the cardholder's issuer's business: the merchant sees its own amount in its own records.
    const message = parts.facts.network.find((m) => m.type === 'authorization');
    if (message !== undefined) return { ...base, iso_fields: isoAmountFields(message) };
  }
  return base;
}

function isoAmountFields(message: NetworkMessageRecord): TraceIsoFields {
  const billing = message.cardholderBilling;
  return { '4': message.amount.minor, '49': message.amount.currency, ...(billing === null ? {} : { '6': billing.minor, '51': billing.currency }) };
}

function hopSummary(hop: Hop, parts: AttemptParts, view: View, lang: Lang): string {
  const { facts, diagnosis } = parts;
  const ruleText = () => {
    const rule = ruleOf(parts);
    if (rule === undefined) return '';
    // People read the rule's description; its Radar predicate stays in the
    // trace's `rule.predicate` for programs.
    return rule.id === null ? `“${rule.description}”` : `${rule.id} “${rule.description}”`;
  };
  const n = attemptNoun(parts);
  const codeText = (code: string | null) => (code === null ? '' : say(lang, `${code} (${isoMeaning(code, lang)})`, `${code}（${isoMeaning(code, lang)}）`));
  switch (`${hop.party}/${hop.status}`) {
    case 'acquirer/blocked':
      if (view === 'cardholder') {
        return say(
          lang,
          `The merchant's payment processor refused ${n.the} under the merchant's own checks, before it reached the card network.`,
          `商户的支付机构依据商户自己的检查拒绝了${n.zh}，交易没有进入卡组织网络。`,
        );
      }
      if (diagnosis.decidedBy === 'acquirer') {
        return say(lang, `The payment processor's built-in highest-risk check blocked ${n.the} before the card network.`, `支付机构内置的最高风险检查在卡组织网络之前拦截了${n.zh}。`);
      }
      return view === 'merchant'
        ? say(lang, `Your risk rule ${ruleText()} blocked ${n.the} before the card network.`, `你的风控规则 ${ruleText()} 在卡组织网络之前拦截了${n.zh}。`)
        : say(lang, `The merchant's risk rule ${ruleText()} blocked ${n.the} before the card network.`, `商户的风控规则 ${ruleText()} 在卡组织网络之前拦截了${n.zh}。`);
    case 'acquirer/sent':
      if (view === 'cardholder') return say(lang, `The merchant's payment processor sent ${n.the} to the card network.`, `商户的支付机构把${n.zh}发往卡组织网络。`);
      return say(
        lang,
        `Passed the merchant's risk rules; sent to the card network as message ${facts.charge?.networkId ?? facts.reference}.`,
        `通过了商户的风控规则，以报文 ${facts.charge?.networkId ?? facts.reference} 发往卡组织网络。`,
      );
    case 'acquirer/reversed': {
      const check =
        hop.reason === 'rule_cvc'
          ? say(lang, 'security code check', '安全码校验')
          : hop.reason === 'rule_name_check'
            ? say(lang, 'cardholder name check', '持卡人姓名核验')
            : say(lang, 'address check', '地址校验');
      if (view === 'cardholder') {
        return say(
          lang,
          `The issuer approved, but the merchant's own check of the issuer's ${check} result refused ${n.the}; the authorization was reversed and the hold released.`,
          `发卡行已批准，但商户依据发卡行的${check}结果自行拒绝了${n.zh}；授权已撤销，预授权金额已退回卡内。`,
        );
      }
      const whose = view === 'merchant' ? say(lang, 'your', '你的') : say(lang, "the merchant's", '商户的');
      return say(
        lang,
        `The issuer approved, but ${whose} rule ${ruleText()} acts on the issuer's ${check} result: the authorization was reversed at once and nothing was charged.`,
        `发卡行已批准，但${whose}规则 ${ruleText()} 依据发卡行的${check}结果拒绝：授权已立即撤销，没有扣款。`,
      );
    }
    case 'network/not_reached':
      return say(lang, `The card network never received ${n.the}.`, `卡组织网络没有收到${n.zh}。`);
    case 'network/routed':
      return say(
        lang,
        `The card network routed it to the card issuer (${issuerName(hop.issuer ?? null)}), which answered ${codeText(hop.isoCode)}.`,
        `卡组织网络把它转给发卡行（${issuerName(hop.issuer ?? null)}），发卡行答复 ${codeText(hop.isoCode)}。`,
      );
    case 'network/stand_in': {
      const timedOut = hop.reason === 'issuer_unavailable';
      return say(
        lang,
        `The card issuer (${issuerName(hop.issuer ?? null)}) ${timedOut ? 'did not answer in time' : 'failed'}, so the card network declined in its stead: ${codeText(hop.isoCode)}.`,
        `发卡行（${issuerName(hop.issuer ?? null)}）${timedOut ? '未及时答复' : '处理出错'}，卡组织网络代为拒绝：${codeText(hop.isoCode)}。`,
      );
    }
    case 'network/refused':
      return say(lang, `The card network refused ${n.the} itself: ${codeText(hop.isoCode)}; no issuer saw it.`, `卡组织网络自行拒绝了${n.zh}：${codeText(hop.isoCode)}，没有发卡行收到。`);
    case 'network/pending':
      return say(lang, 'No answer from the card network is recorded yet.', '尚无卡组织网络的答复记录。');
    case 'issuer/not_reached':
      if (diagnosis.hops[0]?.status === 'blocked') {
        return say(
          lang,
          `No authorization reached the card issuer: the merchant refused ${n.the} before the card network. Nothing was held on the card and the card's statement has no line for it — the issuer cannot approve, or explain, ${n.a} it never received.`,
          `没有任何授权请求到达发卡行：商户在卡组织网络之前就拒绝了${n.zh}。卡上没有预授权，卡片账单也不会有这笔记录——发卡行无法批准或解释它从未收到的交易。`,
        );
      }
      return say(lang, `${n.The} never reached the card issuer.`, `${n.zh}没有到达发卡行。`);
    case 'issuer/approved':
      return say(lang, 'The card issuer approved it.', `发卡行批准了${n.zh}。`) + nameCheckNote(parts, view, lang);
    case 'issuer/declined': {
      const checks = view !== 'merchant' && hop.failedChecks && hop.failedChecks.length > 0 ? checksText(hop.failedChecks, lang) : null;
      // The reason code is Stripe's decline_code, for the merchant and operators; a cardholder reads the ISO meaning and the checks in words.
      const reason = view === 'cardholder' ? '' : say(lang, `, reason ${hop.reason}`, `，原因代码 ${hop.reason}`);
      return (
        say(
          lang,
          `The card issuer declined it: ${codeText(hop.isoCode)}${reason}.${checks === null ? '' : ` Failed checks: ${checks}.`}`,
          `发卡行拒绝：${codeText(hop.isoCode)}${reason}。${checks === null ? '' : `未通过的检查：${checks}。`}`,
        ) + nameCheckNote(parts, view, lang)
      );
    }
    case 'issuer/late_approval_released':
      return say(
        lang,
        'The card issuer approved, but only after the network had declined in its stead; the hold was released at once.',
        '发卡行批准了，但网络已先行代为拒绝；预授权已立即释放。',
      );
    case 'issuer/told_afterwards':
      return say(
        lang,
        "The card issuer did not decide in time; it was told of the network's decline afterwards, so the card's statement shows the attempt as declined.",
        '发卡行未及时作出决定，事后收到了网络代为拒绝的通知，因此卡片账单会显示这笔被拒记录。',
      );
    case 'issuer/no_answer':
      return say(lang, `The card issuer did not answer in time and has no record of deciding ${n.this}.`, '发卡行未及时答复，也没有作出决定的记录。');
    default:
      return `${hop.party}: ${hop.status}`;
  }
}

/**
 * The issuer's account-name verification, when the name the customer gave
 * did not (fully) match the card's — one of the seed's causes (持卡人姓名不符).
 * The issuer answers it and never declines on it; a merchant may.
 */
function nameCheckNote(parts: AttemptParts, view: View, lang: Lang): string {
  // The merchant has the answer on its own charge (checks.name_check); the advice is the cardholder's.
  if (view === 'merchant') return '';
  const issuer = parts.facts.issuer;
  const result = issuer?.kind === 'cardlane' ? issuer.authorization.checks.name_check : undefined;
  if (result === 'no_match') {
    return say(
      lang,
      " The cardholder name given to the merchant does not match the name on the card (name check: no match): the issuer does not decline for this, but the merchant may — give the name exactly as it is on the card.",
      '向商户提供的持卡人姓名与卡上姓名不符（姓名核验：不符）：发卡行不会因此拒绝，但商户可能会——请按卡面上的姓名填写。',
    );
  }
  if (result === 'partial_match') {
    return say(
      lang,
      ' The cardholder name given to the merchant only partly matches the name on the card (name check: partial match); give the full name as it is on the card.',
      '向商户提供的持卡人姓名与卡上姓名只部分一致（姓名核验：部分一致）；请按卡面填写完整姓名。',
    );
  }
  return '';
}

function issuerName(name: string | null): string {
  if (name === null) return '?';
  return name === 'cardlane' ? 'Cardlane' : name;
}

const REFUSAL_TEXT: Readonly<Record<string, { en: string; zh: string }>> = {
  not_a_merchant_rule: {
    en: "Not applicable: the payment was not refused by a merchant's rule, so making the card the default and turning on auto-recharge would not help.",
    zh: '不适用：这笔付款不是被商户规则拒绝的，把卡设为默认并开启自动充值也无济于事。',
  },
  rule_covers_merchant_initiated: {
    en: "Would not work: the merchant's rule refuses its own automatic (merchant-initiated) charges too.",
    zh: '无效：商户的规则同样拒绝商户自己发起的自动扣款。',
  },
  not_customer_initiated: { en: 'Would not work: this already was an automatic charge by the merchant.', zh: '无效：这本身就是商户发起的自动扣款。' },
  rule_blocks_saving_the_card: {
    en: 'Would not work: the same rule also refuses the card check needed to save the card, so it can never become the default.',
    zh: '无效：同一规则也会拒绝保存卡片所需的验证，这张卡无法成为默认付款方式。',
  },
  other_rule_blocks_merchant_initiated: {
    en: "Would not work: another of the merchant's rules would refuse its automatic charges of this card.",
    zh: '无效：商户的另一条规则会拒绝对这张卡的自动扣款。',
  },
  issuer_would_decline: { en: "Would not work: the card's issuer would decline the merchant's charge", zh: '无效：发卡行会拒绝商户的扣款' },
  issuer_acceptance_unknown: {
    en: "Not recommended: the records do not show that the card's issuer accepts this card at this merchant (for example a successful card check when it was added).",
    zh: '不建议：记录中没有显示发卡行在该商户接受过这张卡（例如添加卡片时验证成功）。',
  },
};

const NOT_A_MERCHANT_RULE_VERIFICATION = {
  en: "Not applicable: the card verification was not refused by a merchant's rule, so making the card the default and turning on auto-recharge would not help.",
  zh: '不适用：这次验卡不是被商户规则拒绝的，把卡设为默认并开启自动充值也无济于事。',
};

function presentSeedRemedy(parts: AttemptParts, view: View, lang: Lang): TraceSeedRemedy {
  const { decision, keepOnCard, issuer } = parts.remedy;
  if (!decision.recommended) {
    const text = decision.because === 'not_a_merchant_rule' && parts.facts.purpose === 'account_verification' ? NOT_A_MERCHANT_RULE_VERIFICATION : REFUSAL_TEXT[decision.because]!;
    const detail = decision.because === 'issuer_would_decline' && issuer.kind === 'declines' ? ` (${issuer.reason}).` : '';
    const zhDetail = decision.because === 'issuer_would_decline' && issuer.kind === 'declines' ? `（${issuer.reason}）。` : '';
    return { recommended: false, because: decision.because, summary: say(lang, text.en + detail, text.zh + zhDetail), steps: [], keep_on_card: null };
  }
  const keep = keepOnCard!;
  const display = formatMoney(money(keep.minor, keep.currency.toUpperCase()));
  const summary =
    view === 'merchant'
      ? say(
          lang,
          'Your rule refuses only customer-initiated payments, and nothing in your rules or in the issuer\'s answers refuses a merchant-initiated charge of this card: the customer can pay through auto-recharge.',
          '你的规则只拒绝客户发起的付款，你的规则和发卡行的答复都不会拒绝对这张卡的商户发起扣款：客户可以通过自动充值付款。',
        )
      : say(
          lang,
          "The merchant refuses this card only on payments made by hand; its own automatic charges are not refused, and the card's issuer has accepted this card at this merchant.",
          '商户只在手动付款时拒绝这张卡；商户自己发起的自动扣款不受此限制，且发卡行已在该商户接受过这张卡。',
        );
  return {
    recommended: true,
    because: null,
    summary,
    steps: [
      say(lang, 'Save the card with the merchant and make it the default payment method.', '在商户处保存这张卡，并设为默认付款方式。'),
      say(lang, 'Turn on auto-recharge, so the merchant charges the card itself (a merchant-initiated charge).', '开启自动充值，让商户自行扣款（商户发起的扣款）。'),
      say(lang, `Keep at least ${display} on the card: the recharge amount plus the verification hold.`, `卡内至少保留 ${display}：充值金额加上验证预授权金额。`),
      say(lang, 'Then wait for the automatic charge instead of paying by hand.', '然后等待自动扣款，不要再手动付款。'),
    ],
    keep_on_card: { amount: keep.minor, currency: keep.currency, display },
  };
}
