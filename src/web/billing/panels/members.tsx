import { useRef } from 'preact/hooks';
import { api } from '../api.ts';
import { useBilling, useBillingData } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
import { refusal, Said, useMessage } from '../messages.tsx';
import type { List, Member } from '../types.ts';

/** Who belongs to the organization, with their role (and who is invited, not accepted yet); an owner invites by e-mail and removes anyone but themselves. */
export function MembersPanel() {
  const { t, lang, session, canChange, refresh } = useBilling();
  const members = useBillingData<List<Member>>('/members')?.data ?? [];
  const message = useMessage();
  const { busy, run } = useBusy();
  const email = useRef<HTMLInputElement>(null);
  const role = useRef<HTMLSelectElement>(null);
  const roleName = (r: Member['role']) => t(r === 'owner' ? 'role_owner' : 'role_member');

  const invite = () => {
    const address = valueOf(email).trim();
    if (address === '') return message.show('error', (t) => t('badEmail'));
    void run(async () => {
      const answer = await api<Member>('POST', '/members', { email: address, role: valueOf(role) });
      if (answer.ok) {
        const who = answer.body;
        message.show('ok', answer.status === 201 ? (t) => t('invited', { email: who.email, role: t(who.role === 'owner' ? 'role_owner' : 'role_member') }) : (t) => t('alreadyMember', { email: who.email }));
        if (email.current) email.current.value = '';
      } else {
        message.show('error', refusal(answer));
      }
      refresh();
    });
  };

  const remove = (member: Member) =>
    run(async () => {
      const answer = await api('DELETE', `/members/${encodeURIComponent(member.id)}`);
      message.show(answer.ok ? 'ok' : 'error', answer.ok ? (t) => t('memberRemoved', { email: member.email }) : refusal(answer));
      refresh();
    });

  return (
    <>
      <ul id="members-list" class="cards">
        {members.map((member) => (
          <li key={member.id} data-member={member.id}>
            <strong>{member.email}</strong>
            <span class="note">{roleName(member.role)}</span>
            {member.status === 'invited' ? <span class="badge">{t('invitedBadge')}</span> : null}
            {member.id === session.member.id ? (
              <span class="badge">{t('you')}</span>
            ) : canChange ? (
              <button type="button" data-action="remove-member" data-member={member.id} disabled={busy} onClick={() => void remove(member)}>
                {t('remove')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canChange ? (
        <form id="invite-form" class="inline" noValidate onSubmit={onSubmit(invite)}>
          <label for="invite-email">{t('inviteEmail')}</label>
          <input id="invite-email" ref={email} type="email" autoComplete="off" required maxLength={254} />
          <select id="invite-role" ref={role} aria-label={t('inviteRole')}>
            <option value="member">{t('role_member')}</option>
            <option value="owner">{t('role_owner')}</option>
          </select>
          <button type="submit" id="invite-submit" class="primary" disabled={busy}>
            {t('invite')}
          </button>
        </form>
      ) : null}
      <Said id="members-message" shown={message.shown} t={t} lang={lang} />
    </>
  );
}
