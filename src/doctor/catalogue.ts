import { ACQUIRER_ENTRIES, HIGHEST_RISK_REASON, RULE_REASONS, ruleReasonOf } from './catalogue-acquirer.ts';
import { ISSUER_ENTRIES } from './catalogue-issuer.ts';
import { NETWORK_ENTRIES, networkCatalogueReason } from './catalogue-network.ts';
import { OTHER_ISSUER_ENTRIES } from './catalogue-test-bank.ts';
import { answeredEntry, type CatalogueEntry, type Decider, type Lang } from './catalogue-types.ts';

export type { CatalogueEntry, CatalogueText, Decider, Lang, SeedCause } from './catalogue-types.ts';
export { LANGS, DECIDERS, SEED_CAUSES } from './catalogue-types.ts';
export { HIGHEST_RISK_REASON, RULE_REASONS, ruleReasonOf };

/**
 * The decline catalogue: every reason the acquirer's rules, the network and
 * the issuers can give, keyed by a stable reason code. Built from the
 * parties' own reason lists (see catalogue-*.ts); the doctor never shows a
 * raw code without its entry.
 */

/** Issuer reasons the catalogue does not know yet (an issuer may add one): explained generically, never as a raw code. */
export const UNKNOWN_ISSUER_REASON = 'issuer_declined_other';
/** Likewise for the network. */
export const UNKNOWN_NETWORK_REASON = 'network_declined_other';

const FALLBACKS: readonly CatalogueEntry[] = [
  answeredEntry(UNKNOWN_ISSUER_REASON, 'issuer', '05', 'other', {
    en: {
      title: 'Declined by the card issuer',
      explanation: 'The card issuer declined with a reason this doctor does not know; the ISO code says what kind of refusal it is.',
      remedy: 'Contact the card issuer, or use another card.',
    },
    'zh-CN': { title: '发卡行拒绝', explanation: '发卡行以本诊断不认识的原因拒绝了交易；ISO 代码说明了拒绝的类型。', remedy: '请联系发卡行，或换一张卡。' },
  }),
  answeredEntry(UNKNOWN_NETWORK_REASON, 'network', '96', 'system_failure', {
    en: {
      title: 'Declined by the card network',
      explanation: 'The card network declined in the issuer\'s stead with a reason this doctor does not know; the card issuer did not decide.',
      remedy: 'Try again in a little while; if it keeps failing, use another card.',
    },
    'zh-CN': { title: '卡组织网络拒绝', explanation: '卡组织网络以本诊断不认识的原因代发卡行拒绝了交易，发卡行没有作出决定。', remedy: '请稍后重试；如果一直失败，请换一张卡。' },
  }),
];

function build(): ReadonlyMap<string, CatalogueEntry> {
  const map = new Map<string, CatalogueEntry>();
  for (const entry of [...ACQUIRER_ENTRIES, ...NETWORK_ENTRIES, ...ISSUER_ENTRIES, ...OTHER_ISSUER_ENTRIES, ...FALLBACKS]) {
    if (map.has(entry.reason)) throw new Error(`decline catalogue: ${entry.reason} is listed twice`);
    map.set(entry.reason, Object.freeze(entry));
  }
  return map;
}

export const CATALOGUE: ReadonlyMap<string, CatalogueEntry> = build();

export function catalogueEntry(reason: string): CatalogueEntry | undefined {
  return CATALOGUE.get(reason);
}

/** The entry explaining a decision by `decidedBy` with `reason` (never undefined: unknown reasons get a generic entry). */
export function entryForDecision(decidedBy: Decider, reason: string): CatalogueEntry {
  switch (decidedBy) {
    case 'acquirer_rule':
    case 'acquirer': {
      const entry = CATALOGUE.get(reason);
      if (entry === undefined || (entry.decidedBy !== 'acquirer_rule' && entry.decidedBy !== 'acquirer')) {
        throw new Error(`decline catalogue: no acquirer entry for ${reason}`);
      }
      return entry;
    }
    case 'network': {
      const entry = CATALOGUE.get(networkCatalogueReason(reason));
      return entry?.decidedBy === 'network' ? entry : CATALOGUE.get(UNKNOWN_NETWORK_REASON)!;
    }
    case 'issuer': {
      const entry = CATALOGUE.get(reason);
      return entry?.decidedBy === 'issuer' ? entry : CATALOGUE.get(UNKNOWN_ISSUER_REASON)!;
    }
  }
}

/** The catalogue as the API lists it, texts in one language (or both). */
export function catalogueJson(lang?: Lang): unknown[] {
  return [...CATALOGUE.values()].map((entry) => ({
    reason: entry.reason,
    decided_by: entry.decidedBy,
    iso_code: entry.isoCode,
    stripe_code: entry.stripeCode,
    stripe_decline_code: entry.stripeDeclineCode,
    advice_code: entry.adviceCode,
    retryable: entry.retryable,
    seed_cause: entry.seedCause,
    text: lang === undefined ? entry.text : entry.text[lang],
  }));
}
