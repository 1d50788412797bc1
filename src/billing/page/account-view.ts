import { $ } from './dom.ts';
import { t } from './i18n.ts';
import { canChange, state } from './state.ts';

/** Who is signed in, what they may do, the credit balance and the purchase limits. */

/** What only an owner may use. */
const CHANGE_CONTROLS = ['buy-form', 'card-add-box', 'ar-form', 'invite-form'];

export function paintWho(): void {
  const session = state.session;
  $('who').textContent = session ? t('signedInAs', { email: session.member.email, role: t(`role_${session.member.role}`), org: session.organization.name }) : '';
  // Owners change the billing; a member looks (the API refuses a member's changes anyway).
  for (const id of CHANGE_CONTROLS) $(id).hidden = !canChange();
  $('look-only').hidden = canChange();
}

export function paintBalance(): void {
  $('balance').textContent = state.balance ? state.balance.formatted : '…';
}

export function paintLimits(): void {
  const settings = state.settings;
  $('buy-limits').textContent = settings ? t('buyLimits', { min: settings.purchase_minimum.formatted, max: settings.purchase_maximum.formatted }) : '';
}
