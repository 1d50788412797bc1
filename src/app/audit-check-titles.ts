/**
 * The audit's checks (ledger/audit.ts and the parties' checks, audit.ts) as
 * the operator console names them, in English and Chinese, keyed by the
 * check's name. A check without its Chinese here shows its English name in
 * both; test/app/operator-audit.test.ts fails when one is missing.
 */
const ZH: Readonly<Record<string, string>> = {
  'every transfer balances: two different existing accounts, same currency and book': '每笔转账都平衡：两个不同且存在的账户，币种与账本相同',
  'Σ debits = Σ credits per currency, posted and pending apart': '每种币种借方合计 = 贷方合计（已入账与待处理分开计算）',
  "every account's balances equal the sum of its transfers": '每个账户的余额都等于其转账之和',
  'no account beyond the limit its flags set': '没有账户超出其标志设定的限额',
  'every hold is exactly one of pending, posted, voided, expired — and agrees with what resolved it': '每笔预授权恰好处于待处理、已入账、已撤销、已过期之一，并与结清它的记录一致',
  'the journal hash chain is intact and matches every account and transfer row': '日志哈希链完整，并与每个账户和转账记录一致',
  "every account's history chain holds each of its transfers exactly once": '每个账户的历史链恰好包含其每笔转账一次',
  'acquirer disputes net to their outcome for the merchant': '收单方争议的净额与商户的结果一致',
  'issuer disputes net to their outcome for the cardholder, suspense back to zero': '发卡方争议的净额与持卡人的结果一致，暂挂账户归零',
};

/** The check's name as a heading: in English with a capital letter (the CLI prints the names as they are), in Chinese from the table. */
export function auditCheckTitle(name: string): { readonly en: string; readonly 'zh-CN': string } {
  const en = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  return { en, 'zh-CN': ZH[name] ?? en };
}

export function hasChineseTitle(name: string): boolean {
  return Object.hasOwn(ZH, name);
}
