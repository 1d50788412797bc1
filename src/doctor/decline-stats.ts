import { entryForDecision } from './catalogue.ts';
import { SEED_CAUSES, type SeedCause } from './catalogue-types.ts';
import type { NetworkMessageRecord } from '../network/index.ts';
import type { RecordPosition } from './decline-stats-records.ts';
import type { TimeWindow } from './port-records.ts';
import type { NetworkRecords } from './ports.ts';

/**
 * Authorizations and declines over a period, by cause — the operator
 * console's view of why cards are declined: every authorization the
 * network answered, each decline filed under the seed's six causes (and
 * "other") by the decline catalogue, then by who decided, the ISO 8583
 * response code and the reason, with the catalogue's title in both
 * languages. The network counts; the doctor explains.
 */

export const SEED_CAUSE_TITLES: Readonly<Record<SeedCause, { readonly en: string; readonly 'zh-CN': string }>> = {
  card_country: { en: 'Card country not accepted', 'zh-CN': '卡的发卡国家不被接受' },
  card_type: { en: 'Card type (prepaid, virtual) not accepted', 'zh-CN': '卡类型（预付卡、虚拟卡）不被接受' },
  issuer_security_policy: { en: 'Issuer security policy', 'zh-CN': '发卡行安全策略' },
  insufficient_funds_or_limit: { en: 'Not enough balance, or a limit', 'zh-CN': '余额不足或超出限额' },
  billing_details_mismatch: { en: 'Billing details do not match', 'zh-CN': '账单信息不匹配' },
  system_failure: { en: 'System or network failure', 'zh-CN': '系统或网络故障' },
  other: { en: 'Other reasons', 'zh-CN': '其他原因' },
};

export interface DeclineGroup {
  readonly decidedBy: 'issuer' | 'network';
  readonly responseCode: string;
  readonly reason: string;
  readonly count: number;
  readonly retryable: boolean;
  readonly title: { readonly en: string; readonly 'zh-CN': string };
}

export interface DeclineSummary {
  readonly authorizations: number;
  readonly approved: number;
  readonly declined: number;
  /** Every cause with at least one decline, most declines first. */
  readonly causes: ReadonlyArray<{ readonly seedCause: SeedCause; readonly count: number; readonly groups: readonly DeclineGroup[] }>;
}

const APPROVED = '00';

export async function declineSummary(network: NetworkRecords, window: TimeWindow): Promise<DeclineSummary> {
  const counts = await network.authorizationCounts(window);
  const byCause = new Map<SeedCause, DeclineGroup[]>();
  let approved = 0;
  let declined = 0;
  for (const row of counts) {
    if (row.responseCode === APPROVED) {
      approved += row.count;
      continue;
    }
    declined += row.count;
    const entry = entryForDecision(row.decidedBy, row.reason);
    const groups = byCause.get(entry.seedCause) ?? [];
    groups.push({
      decidedBy: row.decidedBy,
      responseCode: row.responseCode,
      reason: row.reason,
      count: row.count,
      retryable: entry.retryable,
      title: { en: entry.text.en.title, 'zh-CN': entry.text['zh-CN'].title },
    });
    byCause.set(entry.seedCause, groups);
  }
  const causes = SEED_CAUSES.filter((cause) => byCause.has(cause)).map((seedCause) => {
    const groups = byCause.get(seedCause)!;
    return { seedCause, count: groups.reduce((sum, g) => sum + g.count, 0), groups };
  });
  causes.sort((a, b) => b.count - a.count);
  return { authorizations: approved + declined, approved, declined, causes };
}

/** A declined authorization as the operator's list shows it: the card by brand and last four only. */
export function declineItem(record: NetworkMessageRecord) {
  const entry = entryForDecision(record.decidedBy, record.reason);
  return {
    id: record.id,
    object: 'declined_authorization' as const,
    answered_at: new Date(record.answeredAtMs).toISOString(),
    decided_by: record.decidedBy,
    issuer: record.issuer,
    response_code: record.responseCode,
    reason: record.reason,
    seed_cause: entry.seedCause,
    cause_title: SEED_CAUSE_TITLES[entry.seedCause],
    title: { en: entry.text.en.title, 'zh-CN': entry.text['zh-CN'].title },
    retryable: entry.retryable,
    initiator: record.initiator,
    card: { brand: record.card.brand, last4: record.card.last4, funding: record.card.funding, country: record.card.country },
    merchant: { name: record.merchant.name, mcc: record.merchant.mcc, country: record.merchant.country },
    amount: record.amount.minor === null || record.amount.currency === null ? null : { amount_minor: record.amount.minor, currency: record.amount.currency.toUpperCase() },
  };
}

export function positionOf(record: NetworkMessageRecord): RecordPosition {
  return { atMs: record.answeredAtMs, id: record.id };
}
