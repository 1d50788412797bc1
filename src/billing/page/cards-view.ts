import type { PaymentMethod } from './api-types.ts';
import { $, el } from './dom.ts';
import { t } from './i18n.ts';
import { canChange, state } from './state.ts';

/** The payment methods panel's list of cards. */

export const cardName = (card: PaymentMethod): string => `${card.brand} •••• ${card.last4}`;

export function paintCards(): void {
  const list = $('cards-list');
  list.replaceChildren();
  if (state.cards.length === 0) list.append(el('li', { className: 'note' }, t('noCards')));
  for (const card of state.cards) {
    const exp = `${String(card.exp_month).padStart(2, '0')}/${String(card.exp_year).slice(-2)}`;
    const item = el('li', { dataset: { pm: card.id } }, el('strong', {}, cardName(card)), el('span', { className: 'note' }, `${t('expires', { exp })} · ${card.funding}${card.country ? ` · ${card.country}` : ''}`));
    if (card.is_default) item.append(el('span', { className: 'badge' }, t('isDefault')));
    else if (canChange()) item.append(el('button', { type: 'button', dataset: { action: 'default', pm: card.id } }, t('makeDefault')));
    if (canChange()) item.append(el('button', { type: 'button', dataset: { action: 'remove', pm: card.id } }, t('remove')));
    list.append(item);
  }
}
