import type { AutoRecharge, Member, Payment, PaymentMethod, Receipt, Session, Settings, Amount } from './api-types.ts';

/** What the page shows, kept so a language switch can redraw it without asking the API again. */
export interface PageState {
  session: Session | null;
  settings: Settings | null;
  balance: Amount | null;
  cards: readonly PaymentMethod[];
  autoRecharge: AutoRecharge | null;
  payments: readonly Payment[];
  receipts: readonly Receipt[];
  members: readonly Member[];
  signInEmail: string | null;
}

export const state: PageState = { session: null, settings: null, balance: null, cards: [], autoRecharge: null, payments: [], receipts: [], members: [], signInEmail: null };

/** Owners change the billing; a member looks (the API refuses a member's changes anyway). */
export function canChange(): boolean {
  return state.session !== null && state.session.member.role === 'owner';
}
