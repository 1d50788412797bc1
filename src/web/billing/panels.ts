import type { ComponentType } from 'preact';
import type { Bilingual } from '../shared/lang.ts';
import { AutoRechargePanel } from './panels/auto-recharge.tsx';
import { BalancePanel } from './panels/balance.tsx';
import { CardsPanel } from './panels/cards.tsx';
import { InvoicesPanel, PaymentsPanel } from './panels/history.tsx';
import { MembersPanel } from './panels/members.tsx';
import { BudgetPanel } from './panels/budget.tsx';
import { CreditGrantsPanel } from './panels/credit-grants.tsx';
import { CreditAdjustmentsPanel } from './panels/credit-adjustments.tsx';
import { BillingProfilePanel } from './panels/billing-profile.tsx';
import { ApiKeysPanel } from './panels/api-keys.tsx';
import { UsagePanel } from './panels/usage.tsx';

/**
 * The billing dashboard's panels, in the order shown: the one place a panel
 * is registered. A panel is a component under ./panels/ that reads the page
 * through `useBilling()` (context.ts: language, `t`, the member, whether they
 * may change things) and its data through `useBillingData(path)` (read again
 * after every `refresh()`); it talks to billing's HTTP API only (api.ts).
 * The dashboard draws each in a <section id="panel-{id}"> under its title.
 *
 * To add one: write ./panels/<name>.tsx, import it here, add an entry.
 */
export interface BillingPanel {
  /** Stable, lower-case, unique: the section's id is `panel-{id}`. */
  readonly id: string;
  readonly title: Bilingual;
  readonly component: ComponentType;
}

export const PANELS: readonly BillingPanel[] = [
  { id: 'balance', title: { en: 'Credit balance', zh: '额度余额' }, component: BalancePanel },
  // Right under the balance: where a customer looks when it dropped (or went below zero) without a purchase or usage.
  { id: 'credit-adjustments', title: { en: 'Refunds and disputes', zh: '退款与争议' }, component: CreditAdjustmentsPanel },
  { id: 'cards', title: { en: 'Payment methods', zh: '付款方式' }, component: CardsPanel },
  { id: 'auto-recharge', title: { en: 'Auto-recharge', zh: '自动充值' }, component: AutoRechargePanel },
  { id: 'payments', title: { en: 'Payment history', zh: '付款记录' }, component: PaymentsPanel },
  { id: 'usage', title: { en: 'Usage and costs', zh: '用量与费用' }, component: UsagePanel },
  { id: 'budget', title: { en: 'Monthly budget', zh: '月度预算' }, component: BudgetPanel },
  { id: 'credit-grants', title: { en: 'Credit grants and expiry', zh: '额度发放与到期' }, component: CreditGrantsPanel },
  { id: 'api-keys', title: { en: 'API keys', zh: 'API 密钥' }, component: ApiKeysPanel },
  { id: 'members', title: { en: 'Members', zh: '成员' }, component: MembersPanel },
  { id: 'invoices', title: { en: 'Invoices', zh: '发票' }, component: InvoicesPanel },
  { id: 'billing-profile', title: { en: 'Billing details', zh: '开票信息' }, component: BillingProfilePanel },
];
