import { $, el } from './dom.ts';
import { t } from './i18n.ts';
import { canChange, state } from './state.ts';

/** The members panel's list: who belongs, with their role; owners may remove anyone but themselves. */

export function paintMembers(): void {
  const list = $('members-list');
  list.replaceChildren();
  const self = state.session && state.session.member.id;
  for (const member of state.members) {
    const item = el('li', { dataset: { member: member.id } }, el('strong', {}, member.email), el('span', { className: 'note' }, t(`role_${member.role}`)));
    if (member.id === self) item.append(el('span', { className: 'badge' }, t('you')));
    else if (canChange()) item.append(el('button', { type: 'button', dataset: { action: 'remove-member', member: member.id } }, t('remove')));
    list.append(item);
  }
}
