import { api } from './api.ts';
import type { Member } from './api-types.ts';
import { refresh } from './dashboard.ts';
import { busy, input, select } from './dom.ts';
import { t } from './i18n.ts';
import { refusal, show } from './messages.ts';
import { state } from './state.ts';

/** Inviting a member and removing one (owners only; the API refuses anyone else). */

export async function invite(button: HTMLButtonElement): Promise<void> {
  const email = input('invite-email').value.trim();
  if (email === '') return show('members-message', 'bad', () => t('badEmail'));
  const role = select('invite-role').value;
  await busy(button, async () => {
    const answer = await api<Member>('POST', '/members', { email, role });
    if (answer.ok) {
      const who = answer.body.email;
      const as = answer.body.role;
      show('members-message', 'good', answer.status === 201 ? () => t('invited', { email: who, role: t(`role_${as}`) }) : () => t('alreadyMember', { email: who }));
      input('invite-email').value = '';
    } else {
      show('members-message', 'bad', refusal(answer));
    }
    await refresh();
  });
}

export async function removeMember(button: HTMLButtonElement): Promise<void> {
  const id = button.dataset.member ?? '';
  const member = state.members.find((m) => m.id === id);
  await busy(button, async () => {
    const answer = await api('DELETE', `/members/${encodeURIComponent(id)}`);
    const email = member ? member.email : id;
    show('members-message', answer.ok ? 'good' : 'bad', answer.ok ? () => t('memberRemoved', { email }) : refusal(answer));
    await refresh();
  });
}
