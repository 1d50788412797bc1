import { api } from './api.ts';
import type { AutoRecharge, CreditBalance, List, Member, Payment, PaymentMethod, Receipt } from './api-types.ts';
import { paintBalance, paintLimits } from './account-view.ts';
import { paintAutoRecharge } from './auto-recharge-view.ts';
import { paintCards } from './cards-view.ts';
import { paintPayments, paintReceipts } from './history-view.ts';
import { paintMembers } from './members-view.ts';
import { state } from './state.ts';

/** The signed-in dashboard: everything it shows, read again from the API, then drawn. */

export async function refresh(): Promise<void> {
  const [balance, cards, autoRecharge, payments, receipts, members] = await Promise.all([
    api<CreditBalance>('GET', '/credit_balance'),
    api<List<PaymentMethod>>('GET', '/payment_methods'),
    api<AutoRecharge>('GET', '/auto_recharge'),
    api<List<Payment>>('GET', '/payments?limit=20'),
    api<List<Receipt>>('GET', '/receipts?limit=20'),
    api<List<Member>>('GET', '/members'),
  ]);
  if (balance.ok) state.balance = balance.body.available;
  if (cards.ok) state.cards = cards.body.data;
  if (autoRecharge.ok) state.autoRecharge = autoRecharge.body;
  if (payments.ok) state.payments = payments.body.data;
  if (receipts.ok) state.receipts = receipts.body.data;
  if (members.ok) state.members = members.body.data;
  paintDashboard();
}

export function paintDashboard(): void {
  paintBalance();
  paintLimits();
  paintCards();
  paintAutoRecharge();
  paintPayments();
  paintReceipts();
  paintMembers();
}
