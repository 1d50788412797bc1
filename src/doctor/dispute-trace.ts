import { AppError } from '../platform/errors.ts';
import type { Lang } from './catalogue-types.ts';
import type { AcquirerDisputeRecord, IssuerDisputeRecord, NetworkDisputeMessageRecord } from './dispute-records.ts';
import type { DoctorPorts } from './ports.ts';
import { say, type Principal } from './views.ts';

/**
 * A dispute followed across the parties, like a payment: the issuer's case
 * (what the cardholder was told), the network's messages (chargeback,
 * representment, decision, each with its answer), and the acquirer's
 * dispute (what the merchant sees). Found by the acquirer's id (`du_…`) or
 * the issuer's (`idsp_…`, which is also the chargeback's message id). Each
 * view sees its own side and the network's: a merchant its own disputes
 * (never the cardholder's card or steps), a cardholder disputes of its own
 * cards (never the merchant's balance or fee), the operator everything.
 */

export function isDisputeId(id: string): boolean {
  return /^(du|idsp)_[0-9A-Za-z]{1,60}$/.test(id);
}

type Text = readonly [en: string, zh: string];

const ISSUER_STATUS: Record<string, Text> = {
  opening: ['the issuer opened the case; the chargeback is on its way to the network', '发卡行已立案，拒付正在发往卡组织'],
  chargeback_sent: ['the chargeback reached the merchant’s bank; waiting for the merchant’s answer', '拒付已送达商户的收单行，等待商户答复'],
  merchant_responded: ['the merchant answered with evidence; the issuer is reviewing it', '商户已提交证据，发卡行正在审核'],
  deciding: ['the issuer decided; the decision is on its way to the merchant’s bank', '发卡行已作出裁决，正在通知收单行'],
  won: ['closed: the cardholder won and keeps the money', '已结案：持卡人胜诉，款项归持卡人'],
  lost: ['closed: the merchant won; any provisional credit was reversed', '已结案：商户胜诉，临时退款已收回'],
  rejected: ['closed: the card network refused the chargeback; any provisional credit was reversed', '已结案：卡组织拒绝了该拒付，临时退款已收回'],
};

const ACQUIRER_STATUS: Record<string, Text> = {
  needs_response: ['the merchant must answer with evidence or accept, by the due date', '商户须在截止日前提交证据或接受拒付'],
  under_review: ['the merchant’s evidence is with the issuer', '商户的证据已提交给发卡行'],
  won: ['the merchant won: the amount and the fee were reinstated', '商户胜诉：争议金额和手续费已退回'],
  lost: ['the merchant lost (accepted, or no answer by the due date): the amount and the fee stay withdrawn', '商户败诉（已接受或逾期未答复）：争议金额和手续费不退回'],
  warning_needs_response: ['an inquiry: no money moved; the merchant may answer', '询问：未扣款，商户可答复'],
  warning_under_review: ['an inquiry the merchant answered', '商户已答复该询问'],
  warning_closed: ['the inquiry is closed; no money moved', '询问已关闭，未扣款'],
};

const MESSAGE: Record<NetworkDisputeMessageRecord['type'], Text> = {
  chargeback: ['chargeback (issuer → acquirer)', '拒付（发卡行 → 收单行）'],
  representment: ['merchant’s answer (acquirer → issuer)', '商户答复（收单行 → 发卡行）'],
  dispute_decision: ['issuer’s decision (issuer → acquirer)', '发卡行裁决（发卡行 → 收单行）'],
};

const ANSWERS: Record<string, Text> = {
  opened: ['taken', '已受理'],
  received: ['taken', '已受理'],
  closed: ['taken', '已受理'],
  exceeds_disputable: ['refused: more than was paid and not yet refunded', '拒绝：超过已付且未退款的金额'],
  already_disputed: ['refused: this payment is already disputed', '拒绝：此交易已在争议中'],
  receiver_unavailable: ['the receiver did not answer in time; it is sent again', '接收方未及时答复，将重发'],
  chargeback_not_confirmed: ['held: the chargeback’s delivery is not confirmed yet; it is sent again once it is', '暂缓：拒付尚未确认送达，确认后将重发'],
  liability_shifted: [
    'refused: the payment was authenticated with 3-D Secure, so fraud liability lies with the card issuer, not the merchant (the issuer keeps the loss)',
    '拒绝：该交易已通过 3-D 安全验证，欺诈责任已转移至发卡行而非商户（损失由发卡行承担）',
  ],
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const pick = (lang: Lang, text: Text | undefined, fallback: string) => (text === undefined ? fallback : say(lang, text[0], text[1]));

export async function traceDispute(ports: Pick<DoctorPorts, 'acquirer' | 'issuer' | 'network'>, id: string, principal: Principal, lang: Lang) {
  const notFound = () => new AppError('resource_missing', `No dispute has the id '${id}'.`, { param: 'id' });
  if (!isDisputeId(id)) throw notFound();
  let acquirer: AcquirerDisputeRecord | undefined;
  let issuer: IssuerDisputeRecord | undefined;
  let chargebackId: string;
  if (id.startsWith('du_')) {
    acquirer = await ports.acquirer.dispute(id);
    if (acquirer === undefined) throw notFound();
    chargebackId = acquirer.networkChargebackId;
    issuer = await ports.issuer.dispute(chargebackId);
  } else {
    issuer = await ports.issuer.dispute(id);
    if (issuer === undefined) throw notFound();
    chargebackId = issuer.id;
    acquirer = await ports.acquirer.disputeOfChargeback(chargebackId);
  }
  // Another party's dispute is "not found", not "forbidden": its existence is not the reader's to learn.
  if (principal.view === 'merchant' && acquirer?.merchantId !== principal.merchantId) throw notFound();
  if (principal.view === 'cardholder' && issuer?.cardholderId !== principal.cardholderId) throw notFound();
  const messages = await ports.network.disputeMessagesOf(chargebackId);
  const seesIssuer = principal.view !== 'merchant' && issuer !== undefined;
  const seesAcquirer = principal.view !== 'cardholder' && acquirer !== undefined;
  const amount = issuer ?? acquirer!;

  const hops: Record<string, unknown>[] = [];
  if (seesIssuer) {
    hops.push({
      party: 'issuer',
      id: issuer!.id,
      status: issuer!.status,
      text: pick(lang, ISSUER_STATUS[issuer!.status], issuer!.status),
      reason: issuer!.category,
      network_reason_code: `${issuer!.scheme} ${issuer!.reasonCode}`,
      provisional_credit: issuer!.provisionalCreditMinor,
      winner: issuer!.winner,
      steps: issuer!.steps.map((s) => ({ step: s.step, amount: s.amountMinor, at: iso(s.atMs) })),
    });
  }
  hops.push({
    party: 'network',
    chargeback_id: chargebackId,
    messages: messages.map((m) => ({
      type: m.type,
      text: pick(lang, MESSAGE[m.type], m.type),
      sender: m.sender,
      ...(m.action === null ? {} : { action: m.action }),
      ...(m.winner === null ? {} : { winner: m.winner }),
      response_code: m.responseCode,
      answer: pick(lang, ANSWERS[m.reason], m.reason),
      at: iso(m.atMs),
    })),
  });
  if (seesAcquirer) {
    hops.push({
      party: 'acquirer',
      id: acquirer!.id,
      charge: acquirer!.chargeId,
      payment_intent: acquirer!.paymentIntentId,
      status: acquirer!.status,
      text: pick(lang, ACQUIRER_STATUS[acquirer!.status], acquirer!.status),
      reason: acquirer!.reason,
      network_reason_code: acquirer!.networkReasonCode,
      funds: acquirer!.funds,
      fee: acquirer!.feeMinor,
      fee_currency: acquirer!.feeCurrency ?? acquirer!.currency,
      due_by: iso(acquirer!.dueByMs),
    });
  }
  const where = seesIssuer ? ISSUER_STATUS[issuer!.status] : acquirer !== undefined ? ACQUIRER_STATUS[acquirer.status] : undefined;
  const money = `${(amount.amountMinor / 100).toFixed(2)} ${amount.currency.toUpperCase()}`;
  return {
    object: 'dispute_trace',
    id,
    view: principal.view,
    lang,
    amount: { amount: amount.amountMinor, currency: amount.currency.toLowerCase() },
    summary: say(lang, `Dispute of ${money}: `, `争议金额 ${money}：`) + pick(lang, where, ''),
    hops,
  };
}
