import type { Lang } from '../../doctor/index.ts';
import { formatMoney, money } from '../../platform/money.ts';
import { maxDisplayWidth, padEndToWidth, padStartToWidth } from '../../platform/text-width.ts';
import type { Explanation } from './story-doctor.ts';
import type { RechargeFacts, StepFacts, StepId } from './story-facts.ts';
import type { ReconciledRow } from './story-reconcile.ts';

/**
 * The story's narration in English and Chinese, written from each step's
 * facts (story-facts.ts). Codes stay as the APIs give them (card_declined,
 * insufficient_quota, ISO 51): they are what a person would search for.
 * The doctor's sentences come from the doctor, already in the asked language.
 */

type StepTexts = { readonly [Id in StepId]: (facts: StepFacts[Id]) => string[] };

export interface StoryText extends StepTexts {
  /** Each step's heading, known before the step runs (progress is printed under it). */
  readonly titles: Readonly<Record<StepId, string>>;
  spendProgress(request: number, promptTokens: number, completionTokens: number, costMinor: number, balanceMinor: number): string;
  spendRecharge(recharge: RechargeFacts & { after_request: number }): string;
  spendRefused(request: number, status: number, code: string | null): string;
  /** The first lines printed, before any step. */
  opening(): string;
  /** The last line when every step went as the seed says. */
  ending(): string;
  offScript(stepNumber: number, title: string, message: string): string;
}

const usd = (minor: number) => formatMoney(money(minor, 'USD'));
const cny = (fen: number) => formatMoney(money(fen, 'CNY'));
const count = (n: number) => n.toLocaleString('en-US');
const expiry = (month: number, year: number) => `${String(month).padStart(2, '0')}/${String(year % 100).padStart(2, '0')}`;

export function storyText(lang: Lang): StoryText {
  return lang === 'zh-CN' ? ZH : EN;
}

interface DoctorLabels {
  /** Between a verdict's title and its explanation, and between clauses. */
  readonly stop: string;
  readonly semicolon: string;
  /** The seed's six causes as the seed words them (its section 常见的原因分析), numbered as there. */
  readonly seedCauses: Readonly<Record<string, string>>;
  readonly codes: string;
  readonly cause: string;
  readonly aside: (text: string) => string;
  readonly remedy: string;
  readonly seedSteps: string;
  readonly seedSummary: string;
  /** `verification`: the amount was a card verification's hold, not a charge. */
  readonly figures: (available: string, amount: string, failed: string, verification: boolean) => string;
}

/** The merchant's support relays the doctor's verdict: what happened, the codes, what to do, and the seed's remedy when the doctor recommends it. */
function verdictLines(e: Explanation, l: DoctorLabels): string[] {
  const codes = [e.stripe_decline_code, e.iso_code === null ? null : `ISO ${e.iso_code}`].filter((c) => c !== null).join(', ');
  const cause = e.seed_cause === null ? '' : `${l.semicolon}${l.cause}${l.seedCauses[e.seed_cause] ?? e.seed_cause}${l.aside(e.seed_cause)}`;
  const lines = [`${e.title}${l.stop}${e.explanation}`, `${l.codes}${codes}${cause}`];
  if (e.remedy !== null) lines.push(`${l.remedy}${e.remedy}`);
  if (e.seed_remedy.recommended) {
    lines.push(l.seedSteps);
    e.seed_remedy.steps.forEach((step, i) => lines.push(`  ${i + 1}. ${step}`));
  }
  return lines;
}

/** The cardholder's view of the same payment: the issuer's side, in the cardholder's terms (`verification`: a card being added, whose amount is a hold). */
function cardholderLines(e: Explanation, l: DoctorLabels, verification = false): string[] {
  const lines = [e.summary, ...e.notes];
  if (e.issuer_checks !== null && e.issuer_checks.available !== null) {
    lines.push(l.figures(usd(e.issuer_checks.available), usd(e.amount), e.issuer_checks.failed.join(', '), verification));
  }
  if (e.seed_remedy.recommended) lines.push(`${l.seedSummary}${e.seed_remedy.summary}`);
  return lines;
}

/**
 * Billing's amount on a reconciliation row. A card verification charges
 * nothing: its amount is the hold billing saw approved, and a declined one has
 * none (billing records the hold only when the issuer approved it), so it
 * never reads as a payment of $0.00.
 */
function billingAmount(r: { readonly kind: string; readonly billing_status: string; readonly billing_amount: number }, lang: Lang): string {
  if (r.kind !== 'verification') return usd(r.billing_amount);
  if (r.billing_amount > 0) return lang === 'zh-CN' ? `预授权 ${usd(r.billing_amount)}` : `${usd(r.billing_amount)} hold`;
  return lang === 'zh-CN' ? '无预授权' : 'no hold';
}

/** A reconciliation row's cells that vary in width, as one language words them. */
interface RowCells {
  readonly kindText: string;
  readonly statusText: string;
  readonly amountText: string;
  readonly cardText: string;
}

/**
 * The reconciliation's rows with their cells padded to one width per column
 * — in display columns, where a Chinese character takes two — so that the
 * amounts and the card's column line up in either language.
 */
function alignedRows(rows: readonly ReconciledRow[], cellsOf: (row: ReconciledRow) => RowCells): Array<ReconciledRow & RowCells> {
  const cells = rows.map(cellsOf);
  const width = (key: keyof RowCells) => maxDisplayWidth(cells.map((c) => c[key]));
  const [kind, status, amount, card] = [width('kindText'), width('statusText'), width('amountText'), width('cardText')];
  return rows.map((row, i) => {
    const c = cells[i]!;
    return {
      ...row,
      kindText: padEndToWidth(c.kindText, kind),
      statusText: padEndToWidth(c.statusText, status),
      amountText: padStartToWidth(c.amountText, amount),
      cardText: padEndToWidth(c.cardText, card),
    };
  });
}

const EN_CELLS = (r: ReconciledRow): RowCells => ({
  kindText: r.kind,
  statusText: r.billing_status,
  amountText: billingAmount(r, 'en'),
  cardText: `${r.card_status ?? 'no line'}${r.card_decline_code ? ` ${r.card_decline_code}` : ''}`,
});

/** The reconciliation's rows with a heading line before each organization's. */
function withOrganizations<Row extends { readonly organization: string | null }>(rows: readonly Row[], heading: (organization: string) => string): Array<Row | string> {
  const out: Array<Row | string> = [];
  let last: string | null = null;
  for (const row of rows) {
    if (row.organization !== null && row.organization !== last) out.push(heading(row.organization));
    last = row.organization;
    out.push(row);
  }
  return out;
}

/** What the doctor says brings the recharge back, step by step. */
function recoveryLines(e: Explanation, heading: string): string[] {
  if (e.recovery === null) return [];
  return [heading, ...e.recovery.steps.map((step, i) => `  ${i + 1}. ${step}`)];
}

const EN_DOCTOR: DoctorLabels = {
  stop: '. ',
  semicolon: '; ',
  seedCauses: {
    card_country: "1 of 6, the card's issuing country is not accepted",
    card_type: '2 of 6, the card type is not supported',
    issuer_security_policy: "3 of 6, the bank's security policy",
    insufficient_funds_or_limit: '4 of 6, a card limit or not enough balance',
    billing_details_mismatch: '5 of 6, wrong billing details',
    system_failure: '6 of 6, a system or network problem',
    other: 'none of the six',
  },
  codes: 'Codes: ',
  cause: "the seed's cause ",
  aside: (text) => ` (${text})`,
  remedy: 'What to do: ',
  seedSteps: "The doctor recommends the seed's remedy:",
  seedSummary: "The seed's remedy works here: ",
  figures: (available, amount, failed, verification) =>
    `The issuer saw ${available} available for ${verification ? `a card verification with a ${amount} hold` : `a charge of ${amount}`} (failed check: ${failed}).`,
};
const ZH_DOCTOR: DoctorLabels = {
  stop: '。',
  semicolon: '；',
  seedCauses: {
    card_country: '第一种，卡片发行国受限',
    card_type: '第二种，卡片类型不受支持',
    issuer_security_policy: '第三种，银行安全策略',
    insufficient_funds_or_limit: '第四种，信用卡限额或余额不足',
    billing_details_mismatch: '第五种，错误的账单信息',
    system_failure: '第六种，系统或网络问题',
    other: '不属于这六种',
  },
  codes: '代码：',
  cause: '原文列出的原因：',
  aside: (text) => `（${text}）`,
  remedy: '怎么办：',
  seedSteps: '诊断推荐原文的解决方法：',
  seedSummary: '原文的解决方法在这里有效：',
  figures: (available, amount, failed, verification) =>
    `发卡行看到卡内可用 ${available}，${verification ? `验证银行卡的预授权金额 ${amount}` : `扣款金额 ${amount}`}（未通过的检查：${failed}）。`,
};

const EN: StoryText = {
  titles: {
    setup: 'The stage',
    referrer: "A friend's invite code",
    sign_up: 'Sign-up with the invite code',
    kyc: 'Real-name verification (KYC)',
    top_up: 'Top-up in CNY through Alipay',
    card_opened: 'A virtual card',
    card_loaded: 'Money onto the card',
    card_revealed: 'The full card number',
    card_added: 'The API customer adds the card',
    purchase_declined: 'Buying credits → “Your card was declined”',
    auto_recharge_on: 'The remedy: default card and auto-recharge',
    recharge_succeeded: 'The recharge job charges the card off-session',
    spending: 'Spending the credits through the API',
    recharge_declined_explained: 'Why the recharge was declined, and what brings it back',
    card_reloaded: 'The cardholder follows the advice: an Alipay top-up onto the card',
    recharge_recovered: 'Auto-recharge on again: the recharge goes through',
    api_answers: 'The API answers again',
    hold_released: 'Hours later: the verification hold is released',
    plus_subscribed: 'ChatGPT Plus on the prepaid card',
    plus_accounts: 'Four accounts on one card, not five',
    plus_renewed: 'A month later: Plus renews',
    withdrawn: 'What is left goes back to Alipay',
    reconciled: 'Card statement and billing history agree',
    audit: 'The ledger audit',
  },
  opening: () => "The seed's story, executable: a virtual card, “Your card was declined”, the fix that works, why $15 and not $10, the way back when the card runs dry, and ChatGPT Plus for four accounts on one card.",
  ending: () => 'The story ran as the seed tells it, on to the recovery, ChatGPT Plus and the withdrawal.',
  offScript: (n, title, message) => `The story went off script at step ${n} (${title}): ${message}`,

  setup: (f) => [
    `Cardlane runs in this process at ${f.url}, on ${f.database}.`,
    `The merchant ${f.merchant.name} (${f.merchant.id}) sells API credits, like OpenAI's billing page. Its risk rule ${f.rule.id}: “${f.rule.description ?? 'block prepaid cards on customer-initiated purchases'}” (the ChatGPT Plus subscription is exempt).`,
    `It verifies a card with a ${usd(f.verification.amount)} hold and keeps the hold for ${f.verification.release_after_hours} hours before releasing it.`,
    `The API customer is a new organization, “${f.organization.name}” (${f.organization.id}), with no credits.`,
  ],
  referrer: (f) => [`A friend already on the card platform signs up with ${f.phone} and an SMS code: invite code ${f.invite_code}.`],
  sign_up: (f) => [
    `The cardholder signs up with ${f.phone}: the issuer texts a one-time code (read from the sandbox SMS inbox), entered with invite code ${f.invite_code_used}.`,
    `Cardholder ${f.cardholder}: ${f.opening_fee_waived ? 'the $2.00 card opening fee is waived.' : 'the card opening fee is not waived.'}`,
  ],
  kyc: (f) => [`Verification ${f.verification} starts ${f.started_status}: the cardholder scans the QR code with Alipay for the face check, and the sandbox provider approves it. KYC: ${f.status}.`],
  top_up: (f) => [
    `Quote: pay ${cny(f.cny_amount_fen)} (fee ${cny(f.fee_fen)}, ${f.rate} CNY per USD) → ${usd(f.usd_amount)}.`,
    `The cardholder pays the Alipay order; Alipay's signed notify credits the wallet once: top-up ${f.top_up} ${f.status}. Wallet: ${usd(f.wallet_available)}.`,
  ],
  card_opened: (f) => [`Card ${f.card} (•••• ${f.last4}) is open; ${f.fee_waived ? 'the opening fee is waived thanks to the invite code' : `opening fee ${usd(f.opening_fee)}`}.`],
  card_loaded: (f) => [
    `The seed's advice: keep the recharge minimum ($10.00) plus the verification hold ($5.00) on the card. ${usd(f.amount)} moves from the wallet to the card.`,
    `Card: ${usd(f.card_available)} available. Wallet: ${usd(f.wallet_available)}.`,
  ],
  card_revealed: (f) => [
    `One minute later (the issuer texts a phone at most once a minute; the story's clock skips ${f.clock_skipped_ms / 1000} s instead of waiting), the cardholder asks for a reveal code by SMS and sees the full number, expiry ${expiry(f.exp_month, f.exp_year)} and CVV2 (not printed here).`,
  ],
  card_added: (f) => [
    `The billing page tokenizes the card at the payment processor with the publishable key (the number never reaches billing): ${f.brand} •••• ${f.last4}, ${f.funding}${f.country ? `, ${f.country}` : ''}.`,
    `Verification hold: ${usd(f.verification.hold)} approved by the card issuer (${f.verification.issuer_authorization}) and still held (${usd(f.verification.held_now)}): the merchant releases it only at ${f.verification.release_due_local}. The card has ${usd(f.card_available)} available, ${usd(f.card_held)} held.`,
    `Card ${f.payment_method} added to ${f.organization}.`,
  ],
  purchase_declined: (f) => [
    `The customer adds ${usd(f.amount)} to the credit balance by hand (${f.initiator}-initiated): HTTP ${f.http_status} ${f.code}${f.decline_code ? ` / ${f.decline_code}` : ''} — “${f.message}” (${f.payment}).`,
    f.on_card_statement
      ? 'The card statement has a line for it.'
      : `The card statement has nothing: the payment never reached the card issuer, so the cardholder cannot tell why. Card: ${usd(f.card_available)} available.`,
    "The customer asks the merchant why; its support runs the doctor (the merchant's view, without the rule's internals):",
    ...verdictLines(f.doctor, EN_DOCTOR).map((l) => `  ${l}`),
    "The cardholder asks the card issuer's doctor (the cardholder's view):",
    ...cardholderLines(f.cardholder_doctor, EN_DOCTOR).map((l) => `  ${l}`),
  ],
  auto_recharge_on: (f) => [
    `The customer makes ${f.default_payment_method} the default card and turns auto-recharge on: below ${usd(f.threshold)}, bring the balance back to ${usd(f.target)} (a recharge is at least ${usd(f.recharge_minimum)}).`,
    `Auto-recharge: ${f.status}. Credit balance: ${usd(f.credit_balance)}, below the threshold.`,
  ],
  recharge_succeeded: (f) => [
    `The card has ${usd(f.card_available_before)} available: the ${usd(f.card_held_before)} verification hold is still on it. That is the seed's “at least $15”: with $14 loaded this recharge would be declined.`,
    `${f.ran_by === 'story' ? 'The next run of the recharge job' : "The recharge job's own run"} charges ${usd(f.amount)} to the default card, ${f.initiator}-initiated and off-session — the rule blocks only customer-initiated purchases: ${f.status} (${f.payment}${f.receipt ? `, receipt ${f.receipt}` : ''}).`,
    `Credit balance: ${usd(f.credit_balance)}. Card: ${usd(f.card_available)} available.`,
  ],
  spending: (f) => [
    `${f.succeeded} requests to ${f.model} used ${usd(f.spent)} of credits (${count(f.prompt_tokens)} prompt + ${count(f.completion_tokens)} completion tokens).`,
    f.recharge === null
      ? 'No recharge was tried.'
      : `After request ${f.recharge.after_request} the balance fell below the threshold: the recharge of ${usd(f.recharge.amount)} was ${f.recharge.status === 'failed' ? `declined (${f.recharge.decline_code}, issuer code ${f.recharge.network_decline_code})` : f.recharge.status} — the card had only ${usd(f.card_available)}.`,
    `Request ${f.requests} was refused: HTTP ${f.refused_status} ${f.refused_with}. Credit balance: ${usd(f.credit_balance)}.`,
  ],
  recharge_declined_explained: (f) => [
    `The merchant's support asks the doctor about ${f.payment}:`,
    ...verdictLines(f.doctor, EN_DOCTOR).map((l) => `  ${l}`),
    "The cardholder asks the card issuer's doctor:",
    ...cardholderLines(f.cardholder_doctor, EN_DOCTOR).map((l) => `  ${l}`),
    ...recoveryLines(f.cardholder_doctor, 'What brings the recharge back:').map((l) => `  ${l}`),
    `Auto-recharge: ${f.auto_recharge.status}${f.auto_recharge.paused_reason ? ` (${f.auto_recharge.paused_reason})` : ''}${f.cardholder_doctor.recovery?.next_attempt_local ? `, next attempt ${f.cardholder_doctor.recovery.next_attempt_local}` : ''}.`,
  ],
  card_reloaded: (f) => [
    `The cardholder tops up ${cny(f.cny_amount_fen)} with Alipay (${usd(f.usd_amount)}, top-up ${f.top_up}) and loads the ${usd(f.amount)} the doctor asked for onto the card.`,
    `Card: ${usd(f.card_available)} available. Wallet: ${usd(f.wallet_available)}.`,
  ],
  recharge_recovered: (f) => [
    `The customer turns auto-recharge on again; ${f.ran_by === 'story' ? 'the next run of the recharge job' : "the recharge job's own run"} charges ${usd(f.amount)}, ${f.initiator}-initiated: ${f.status} (${f.payment}${f.receipt ? `, receipt ${f.receipt}` : ''}). Auto-recharge: ${f.status_after}.`,
    `Credit balance: ${usd(f.credit_balance)}. Card: ${usd(f.card_available)} available, ${usd(f.card_held)} still held by the verification.`,
  ],
  api_answers: (f) => [`A request to ${f.model} is answered again: ${count(f.prompt_tokens)} + ${count(f.completion_tokens)} tokens, −${usd(f.cost)}. Credit balance: ${usd(f.credit_balance)}.`],
  hold_released: (f) => [
    `${Math.round(f.clock_skipped_ms / 3_600_000)} hours later (the story's clock skips them), the merchant's background task releases the verification hold ${f.issuer_authorization}: ${usd(f.released)} back (${f.issuer_status}).`,
    `Card: ${usd(f.card_available)} available, ${usd(f.card_held)} held.`,
  ],
  plus_subscribed: (f) => [
    `The seed: “one-click automatic ChatGPT Plus; each card pays for 4 ChatGPT accounts”. ${f.plan} costs ${usd(f.price)} a month. The cardholder tops up ${cny(f.cny_amount_fen)} with Alipay (${f.top_up}) and loads ${usd(f.loaded)} onto the card: four accounts' first month, and a verification hold for each account that adds the card.`,
    `The story's organization subscribes with its default card. The first payment is customer-initiated, yet the merchant's prepaid rule lets it through: the rule exempts ${f.rule_exempts}, and billing tags every Plus payment so.`,
    `Payment ${f.plus.payment}: ${f.plus.payment_status} (${f.plus.initiator}-initiated). Subscription ${f.plus.subscription} ${f.plus.status}, paid until ${f.plus.current_period_end_local}. Card: ${usd(f.card_available)} available.`,
  ],
  plus_accounts: (f) => [
    ...f.accounts.map(
      (a) => `Account ${a.organization} adds the card (a ${usd(a.verification_hold)} verification hold), makes it the default and subscribes: ${a.payment} ${a.payment_status} (${a.initiator}-initiated), paid until ${a.current_period_end_local}.`,
    ),
    `The card now pays for ${f.bound.accounts} accounts at ${f.bound.merchant}: its limit of ${f.max_accounts_per_merchant} accounts per merchant is reached.`,
    `A fifth account (${f.fifth.organization}) adds the card: HTTP ${f.fifth.http_status} ${f.fifth.code}${f.fifth.decline_code ? ` / ${f.fifth.decline_code}` : ''}, issuer code ${f.fifth.network_decline_code} (${f.fifth.payment}).`,
    "The merchant's support asks the doctor:",
    ...verdictLines(f.fifth.doctor, EN_DOCTOR).map((l) => `  ${l}`),
    "The cardholder asks the card issuer's doctor:",
    ...cardholderLines(f.fifth.cardholder_doctor, EN_DOCTOR, true).map((l) => `  ${l}`),
    `Card: ${usd(f.card_available)} available, ${usd(f.card_held)} held by the new accounts' verifications.`,
  ],
  plus_renewed: (f) => [
    `${Math.round(f.holds_clock_skipped_ms / 3_600_000)} hours later (the story's clock skips them) the merchant's task releases the new accounts' verification holds: ${usd(f.verification_holds_released)} back on the card.`,
    `The cardholder keeps next month's Plus on the card: tops up ${cny(f.cny_amount_fen)} with Alipay (${f.top_up}) and loads ${usd(f.loaded)}.`,
    `${Math.round(f.clock_skipped_ms / 86_400_000)} days later the app's session has lapsed: the cardholder signs in again with an SMS code.`,
    'The renewal job charges the four subscriptions, merchant-initiated and off-session — the prepaid rule looks only at customer-initiated payments:',
    ...f.renewals.map((r) => `  ${r.subscription}: ${r.payment} ${r.payment_status} (${r.initiator}-initiated), paid until ${r.current_period_end_local}`),
    `Card: ${usd(f.card_available)} available, ${usd(f.card_held)} held.`,
  ],
  withdrawn: (f) => [
    `${f.unloaded > 0 ? `The cardholder moves the card's ${usd(f.unloaded)} back to the wallet and withdraws` : 'The card is spent to the cent; the cardholder withdraws'} the wallet's ${usd(f.amount)} to Alipay: fee ${usd(f.fee)}, payout ${usd(f.payout)} = ${cny(f.payout_cny_fen)} (${f.withdrawal}, ${f.status}).`,
    `Card: ${usd(f.card_available)}. Wallet: ${usd(f.wallet_available)}.`,
  ],
  reconciled: (f) => [
    ...withOrganizations(alignedRows(f.rows, EN_CELLS), (org) => `  ${org}${org === f.organizations[0] ? " (the story's organization)" : ''}:`).map((r) =>
      typeof r === 'string'
        ? r
        : `    ${r.kindText} ${r.payment}  billing: ${r.statusText} ${r.amountText}  card: ${r.cardText} paid ${usd(r.card_net)}${r.card_released > 0 ? `, released ${usd(r.card_released)}` : ''}${r.agrees ? '' : `  ✗ ${r.problem}`}`,
    ),
    f.agree
      ? `Billing kept ${usd(f.billing_total_net)}; the card paid ${usd(f.card_total_net)}: they agree to the cent.`
      : `They disagree: ${f.problems.join('; ')}`,
    `Credits bought ${usd(f.credits_bought)}, used ${usd(f.credits_used)}, balance ${usd(f.credit_balance)}. The card keeps ${usd(f.card_available)}.`,
  ],
  audit: (f) => [
    f.ok
      ? `${f.checks} checks over ${count(f.accounts)} accounts and ${count(f.transfers)} transfers: PASSED — every invariant holds.`
      : `FAILED: ${f.failed.join(' | ')}`,
  ],

  spendProgress: (n, prompt, completion, cost, balance) => `  request ${n}: ${count(prompt)} + ${count(completion)} tokens, −${usd(cost)} → balance ${usd(balance)}`,
  spendRecharge: (r) =>
    `  balance below the threshold → recharge of ${usd(r.amount)} (${r.initiator}-initiated, off-session): ${r.status === 'failed' ? 'declined' : r.status}${r.decline_code ? ` — ${r.decline_code}, issuer code ${r.network_decline_code}` : ''}`,
  spendRefused: (n, status, code) => `  request ${n}: refused, HTTP ${status} ${code ?? ''}`.trimEnd(),
};

const ZH_STATUS: Readonly<Record<string, string>> = {
  succeeded: '成功',
  failed: '失败',
  processing: '处理中',
  pending: '待处理',
  approved: '已通过',
  rejected: '已驳回',
  credited: '已入账',
  reversed: '已撤销',
  settled: '已结算',
  declined: '已拒绝',
  paid: '已到账',
  refunded: '已退款',
  expired: '已过期',
  active: '已开启',
  paused: '已暂停',
  off: '已关闭',
};
const zhStatus = (status: string) => ZH_STATUS[status] ?? status;
const ZH_KIND: Readonly<Record<string, string>> = { verification: '验卡', purchase: '手动充值', auto_recharge: '自动充值', subscription: '订阅' };
const zhInitiator = (initiator: string) => (initiator === 'merchant' ? '商户发起' : '客户发起');

const ZH_CELLS = (r: ReconciledRow): RowCells => ({
  kindText: ZH_KIND[r.kind] ?? r.kind,
  statusText: zhStatus(r.billing_status),
  amountText: billingAmount(r, 'zh-CN'),
  cardText: `${r.card_status === null ? '无记录' : zhStatus(r.card_status)}${r.card_decline_code ? ` ${r.card_decline_code}` : ''}`,
});

const ZH: StoryText = {
  titles: {
    setup: '准备',
    referrer: '朋友的邀请码',
    sign_up: '用邀请码注册',
    kyc: '实名认证（KYC）',
    top_up: '用支付宝充值人民币',
    card_opened: '开一张虚拟卡',
    card_loaded: '向卡内转钱',
    card_revealed: '查看完整卡号',
    card_added: 'API 客户绑定这张卡',
    purchase_declined: '购买额度 →“Your card was declined”',
    auto_recharge_on: '解决方法：设为默认卡并开启自动充值',
    recharge_succeeded: '自动充值任务在后台扣款（商户自动扣款，客户无需在场）',
    spending: '通过 API 使用额度',
    recharge_declined_explained: '自动充值为什么被拒，以及怎样恢复',
    card_reloaded: '持卡人照诊断的建议做：用支付宝充值并转入卡内',
    recharge_recovered: '重新开启自动充值：扣款成功',
    api_answers: 'API 恢复应答',
    hold_released: '几小时后：验证预授权释放',
    plus_subscribed: '用这张预付卡订阅 ChatGPT Plus',
    plus_accounts: '一张卡可付四个账户，第五个不行',
    plus_renewed: '一个月后：Plus 自动续费',
    withdrawn: '剩余的钱提现回支付宝',
    reconciled: '卡片账单与账单历史一致',
    audit: '账本审计',
  },
  opening: () => '原文的故事，真实运行：一张虚拟卡、“Your card was declined”、真正有效的解决办法、为什么要留 15 美元而不是 10 美元，卡内余额用完之后怎样恢复，以及一张卡为四个账户支付 ChatGPT Plus。',
  ending: () => '故事完全按原文的描述运行完毕，并走完了恢复、ChatGPT Plus 订阅和提现。',
  offScript: (n, title, message) => `故事在第 ${n} 步（${title}）偏离了剧本：${message}`,

  setup: (f) => [
    `Cardlane 在本进程中运行于 ${f.url}，数据库：${f.database}。`,
    `商户 ${f.merchant.name}（${f.merchant.id}）出售 API 额度，就像 OpenAI 的账单页面。它的风控规则 ${f.rule.id}：拦截客户发起的预付卡购买（ChatGPT Plus 订阅除外）。`,
    `它绑卡时冻结 ${usd(f.verification.amount)} 作为验证预授权，并保留 ${f.verification.release_after_hours} 小时才释放。`,
    `API 客户是一个新组织“${f.organization.name}”（${f.organization.id}），余额为零。`,
  ],
  referrer: (f) => [`一位已在用虚拟卡平台的朋友用手机号 ${f.phone} 和短信验证码注册，得到邀请码 ${f.invite_code}。`],
  sign_up: (f) => [
    `持卡人用手机号 ${f.phone} 注册：发卡平台发送一次性验证码（从沙盒短信收件箱读取），注册时填写邀请码 ${f.invite_code_used}。`,
    `持卡人 ${f.cardholder}：${f.opening_fee_waived ? '免除 2 美元开卡费。' : '未免除开卡费。'}`,
  ],
  kyc: (f) => [`认证 ${f.verification} 状态为${zhStatus(f.started_status)}：持卡人用支付宝扫码完成人脸验证，沙盒服务商予以通过。KYC：${zhStatus(f.status)}。`],
  top_up: (f) => [
    `报价：支付 ${cny(f.cny_amount_fen)}（手续费 ${cny(f.fee_fen)}，汇率 ${f.rate} 人民币/美元）→ ${usd(f.usd_amount)}。`,
    `持卡人支付支付宝订单；支付宝的签名异步通知只入账一次：充值 ${f.top_up} ${zhStatus(f.status)}。钱包余额：${usd(f.wallet_available)}。`,
  ],
  card_opened: (f) => [`卡片 ${f.card}（•••• ${f.last4}）已开通；${f.fee_waived ? '凭邀请码免开卡费' : `开卡费 ${usd(f.opening_fee)}`}。`],
  card_loaded: (f) => [
    `原文的建议：卡内保留自动充值的最低金额（10 美元）加上验证预授权（5 美元）。从钱包向卡内转入 ${usd(f.amount)}。`,
    `卡片可用余额：${usd(f.card_available)}。钱包余额：${usd(f.wallet_available)}。`,
  ],
  card_revealed: (f) => [
    `一分钟后（发卡平台每分钟最多给同一手机号发一条短信；故事的时钟直接快进 ${f.clock_skipped_ms / 1000} 秒，不必等待），持卡人通过短信验证码查看完整卡号、有效期 ${expiry(f.exp_month, f.exp_year)} 和 CVV2（此处不打印）。`,
  ],
  card_added: (f) => [
    `账单页面用可公开密钥在支付机构处把卡片令牌化（卡号从不经过账单系统）：${f.brand} •••• ${f.last4}，${f.funding === 'prepaid' ? '预付卡' : f.funding}${f.country ? `，${f.country}` : ''}。`,
    `验证预授权：${usd(f.verification.hold)} 由发卡行批准（${f.verification.issuer_authorization}），目前仍冻结 ${usd(f.verification.held_now)}，商户要到 ${f.verification.release_due_local}才释放。卡内可用 ${usd(f.card_available)}，冻结 ${usd(f.card_held)}。`,
    `卡片 ${f.payment_method} 已绑定到 ${f.organization}。`,
  ],
  purchase_declined: (f) => [
    `客户手动充值 ${usd(f.amount)}（${zhInitiator(f.initiator)}）：HTTP ${f.http_status} ${f.code}${f.decline_code ? ` / ${f.decline_code}` : ''} ——“${f.message}”（${f.payment}）。`,
    f.on_card_statement
      ? '卡片账单上有这笔记录。'
      : `卡片账单上什么也没有：这笔付款从未到达发卡行，所以持卡人无从得知原因。卡内可用余额：${usd(f.card_available)}。`,
    '客户询问商户原因；商户客服运行诊断工具（商户视角，不含规则的内部细节）：',
    ...verdictLines(f.doctor, ZH_DOCTOR).map((l) => `  ${l}`),
    '持卡人询问发卡行一侧的诊断（持卡人视角）：',
    ...cardholderLines(f.cardholder_doctor, ZH_DOCTOR).map((l) => `  ${l}`),
  ],
  auto_recharge_on: (f) => [
    `客户把 ${f.default_payment_method} 设为默认卡，并开启自动充值：余额低于 ${usd(f.threshold)} 时充值到 ${usd(f.target)}（每次至少 ${usd(f.recharge_minimum)}）。`,
    `自动充值：${zhStatus(f.status)}。额度余额：${usd(f.credit_balance)}，低于阈值。`,
  ],
  recharge_succeeded: (f) => [
    `卡内可用 ${usd(f.card_available_before)}：${usd(f.card_held_before)} 的验证预授权还冻结在卡上。这就是原文说“至少保留 15 美元”的原因：如果只转入 14 美元，这次充值就会被拒。`,
    `${f.ran_by === 'story' ? '自动充值任务的下一次运行' : '自动充值任务自己的运行'}从默认卡扣款 ${usd(f.amount)}，${zhInitiator(f.initiator)}、客户不在场——规则只拦截客户发起的购买：${zhStatus(f.status)}（${f.payment}${f.receipt ? `，收据 ${f.receipt}` : ''}）。`,
    `额度余额：${usd(f.credit_balance)}。卡内可用：${usd(f.card_available)}。`,
  ],
  spending: (f) => [
    `向 ${f.model} 发出 ${f.succeeded} 次请求，用掉 ${usd(f.spent)} 额度（输入 ${count(f.prompt_tokens)} + 输出 ${count(f.completion_tokens)} 个 token）。`,
    f.recharge === null
      ? '没有尝试自动充值。'
      : `第 ${f.recharge.after_request} 次请求后余额低于阈值：${usd(f.recharge.amount)} 的自动充值${f.recharge.status === 'failed' ? `被拒绝（${f.recharge.decline_code}，发卡行代码 ${f.recharge.network_decline_code}）` : zhStatus(f.recharge.status)}——卡内只剩 ${usd(f.card_available)}。`,
    `第 ${f.requests} 次请求被拒绝：HTTP ${f.refused_status} ${f.refused_with}。额度余额：${usd(f.credit_balance)}。`,
  ],
  recharge_declined_explained: (f) => [
    `商户客服就 ${f.payment} 询问诊断工具：`,
    ...verdictLines(f.doctor, ZH_DOCTOR).map((l) => `  ${l}`),
    '持卡人询问发卡行一侧的诊断：',
    ...cardholderLines(f.cardholder_doctor, ZH_DOCTOR).map((l) => `  ${l}`),
    ...recoveryLines(f.cardholder_doctor, '怎样让自动充值恢复：').map((l) => `  ${l}`),
    `自动充值：${zhStatus(f.auto_recharge.status)}${f.auto_recharge.paused_reason ? `（${f.auto_recharge.paused_reason}）` : ''}${f.cardholder_doctor.recovery?.next_attempt_local ? `，下一次尝试：${f.cardholder_doctor.recovery.next_attempt_local}` : ''}。`,
  ],
  card_reloaded: (f) => [
    `持卡人用支付宝充值 ${cny(f.cny_amount_fen)}（${usd(f.usd_amount)}，充值单 ${f.top_up}），并按诊断的建议向卡内转入 ${usd(f.amount)}。`,
    `卡内可用：${usd(f.card_available)}。钱包余额：${usd(f.wallet_available)}。`,
  ],
  recharge_recovered: (f) => [
    `客户重新开启自动充值；${f.ran_by === 'story' ? '自动充值任务的下一次运行' : '自动充值任务自己的运行'}扣款 ${usd(f.amount)}，${zhInitiator(f.initiator)}：${zhStatus(f.status)}（${f.payment}${f.receipt ? `，收据 ${f.receipt}` : ''}）。自动充值：${zhStatus(f.status_after)}。`,
    `额度余额：${usd(f.credit_balance)}。卡内可用 ${usd(f.card_available)}，验证预授权仍冻结 ${usd(f.card_held)}。`,
  ],
  api_answers: (f) => [`向 ${f.model} 发出的请求又有了应答：${count(f.prompt_tokens)} + ${count(f.completion_tokens)} 个 token，−${usd(f.cost)}。额度余额：${usd(f.credit_balance)}。`],
  hold_released: (f) => [
    `${Math.round(f.clock_skipped_ms / 3_600_000)} 小时后（故事的时钟直接快进），商户的后台任务释放验证预授权 ${f.issuer_authorization}：${usd(f.released)} 回到卡上（${zhStatus(f.issuer_status)}）。`,
    `卡内可用 ${usd(f.card_available)}，冻结 ${usd(f.card_held)}。`,
  ],
  plus_subscribed: (f) => [
    `原文说：“一键全自动支付 ChatGPT Plus；每张卡可支付 4 个 ChatGPT 账户”。${f.plan} 每月 ${usd(f.price)}。持卡人用支付宝充值 ${cny(f.cny_amount_fen)}（${f.top_up}），向卡内转入 ${usd(f.loaded)}：够四个账户第一个月的费用，外加每个新绑卡账户的验证预授权。`,
    `故事里的组织用默认卡订阅。第一笔付款是客户发起的，但商户的预付卡规则放行了它：规则豁免了 Plus 订阅（${f.rule_exempts}），账单系统给每笔 Plus 付款都加上了这个标记。`,
    `付款 ${f.plus.payment}：${zhStatus(f.plus.payment_status)}（${zhInitiator(f.plus.initiator)}）。订阅 ${f.plus.subscription} ${f.plus.status === 'active' ? '已生效' : f.plus.status}，已付到 ${f.plus.current_period_end_local}。卡内可用 ${usd(f.card_available)}。`,
  ],
  plus_accounts: (f) => [
    ...f.accounts.map(
      (a) => `账户 ${a.organization} 绑定这张卡（冻结 ${usd(a.verification_hold)} 验证预授权），设为默认卡并订阅：${a.payment} ${zhStatus(a.payment_status)}（${zhInitiator(a.initiator)}），已付到 ${a.current_period_end_local}。`,
    ),
    `这张卡现在为 ${f.bound.merchant} 的 ${f.bound.accounts} 个账户付款：已达到每个商户最多 ${f.max_accounts_per_merchant} 个账户的上限。`,
    `第五个账户（${f.fifth.organization}）绑定这张卡：HTTP ${f.fifth.http_status} ${f.fifth.code}${f.fifth.decline_code ? ` / ${f.fifth.decline_code}` : ''}，发卡行代码 ${f.fifth.network_decline_code}（${f.fifth.payment}）。`,
    '商户客服询问诊断工具：',
    ...verdictLines(f.fifth.doctor, ZH_DOCTOR).map((l) => `  ${l}`),
    '持卡人询问发卡行一侧的诊断：',
    ...cardholderLines(f.fifth.cardholder_doctor, ZH_DOCTOR, true).map((l) => `  ${l}`),
    `卡内可用 ${usd(f.card_available)}，新账户的验证预授权冻结 ${usd(f.card_held)}。`,
  ],
  plus_renewed: (f) => [
    `${Math.round(f.holds_clock_skipped_ms / 3_600_000)} 小时后（故事的时钟直接快进），商户的后台任务释放新账户的验证预授权：${usd(f.verification_holds_released)} 回到卡上。`,
    `持卡人把下个月的 Plus 费用留在卡上：用支付宝充值 ${cny(f.cny_amount_fen)}（${f.top_up}），向卡内转入 ${usd(f.loaded)}。`,
    `${Math.round(f.clock_skipped_ms / 86_400_000)} 天后，应用的登录已过期：持卡人用短信验证码重新登录。`,
    '续费任务为四个订阅扣款，商户发起、客户无需在场——预付卡规则只看客户发起的付款：',
    ...f.renewals.map((r) => `  ${r.subscription}：${r.payment} ${zhStatus(r.payment_status)}（${zhInitiator(r.initiator)}），已付到 ${r.current_period_end_local}`),
    `卡内可用 ${usd(f.card_available)}，冻结 ${usd(f.card_held)}。`,
  ],
  withdrawn: (f) => [
    `${f.unloaded > 0 ? `持卡人把卡内的 ${usd(f.unloaded)} 转回钱包，再把` : '卡内余额正好用完；持卡人把'}钱包里的 ${usd(f.amount)} 提现到支付宝：手续费 ${usd(f.fee)}，到账 ${usd(f.payout)} = ${cny(f.payout_cny_fen)}（${f.withdrawal}，${zhStatus(f.status)}）。`,
    `卡内：${usd(f.card_available)}。钱包：${usd(f.wallet_available)}。`,
  ],
  reconciled: (f) => [
    ...withOrganizations(alignedRows(f.rows, ZH_CELLS), (org) => `  ${org}${org === f.organizations[0] ? '（故事里的组织）' : ''}：`).map((r) =>
      typeof r === 'string'
        ? r
        : `    ${r.kindText} ${r.payment}  账单：${r.statusText} ${r.amountText}  卡片：${r.cardText} 扣款 ${usd(r.card_net)}${r.card_released > 0 ? `，释放 ${usd(r.card_released)}` : ''}${r.agrees ? '' : `  ✗ ${r.problem}`}`,
    ),
    f.agree ? `账单系统实收 ${usd(f.billing_total_net)}；卡片实付 ${usd(f.card_total_net)}：分毫不差。` : `两边不一致：${f.problems.join('；')}`,
    `购买额度 ${usd(f.credits_bought)}，已用 ${usd(f.credits_used)}，余额 ${usd(f.credit_balance)}。卡内保留 ${usd(f.card_available)}。`,
  ],
  audit: (f) => [
    f.ok
      ? `${f.checks} 项检查，覆盖 ${count(f.accounts)} 个账户、${count(f.transfers)} 笔转账：通过——所有不变量均成立。`
      : `未通过：${f.failed.join(' | ')}`,
  ],

  spendProgress: (n, prompt, completion, cost, balance) => `  第 ${n} 次请求：${count(prompt)} + ${count(completion)} 个 token，−${usd(cost)} → 余额 ${usd(balance)}`,
  spendRecharge: (r) =>
    `  余额低于阈值 → 自动充值 ${usd(r.amount)}（${zhInitiator(r.initiator)}，客户不在场）：${r.status === 'failed' ? '被拒绝' : zhStatus(r.status)}${r.decline_code ? `——${r.decline_code}，发卡行代码 ${r.network_decline_code}` : ''}`,
  spendRefused: (n, status, code) => `  第 ${n} 次请求：被拒绝，HTTP ${status} ${code ?? ''}`.trimEnd(),
};
