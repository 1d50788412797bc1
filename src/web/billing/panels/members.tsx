import { useRef, useState } from 'preact/hooks';
import { ConfirmDialog } from '../../shared/ui.tsx';
import { api } from '../api.ts';
import { useBilling, useBillingData } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
import { refusal, Said, useMessage } from '../messages.tsx';
import type { List, Member, Role } from '../types.ts';

/**
 * Who belongs to the organization, with their role (and who is invited, not accepted yet); an owner invites by e-mail,
 * changes anyone's role — stepping down themselves only after saying yes — and removes anyone but themselves. A member
 * sees the roles, read-only.
 */
export function MembersPanel() {
  const { t, lang, session, canChange, refresh, sessionChanged } = useBilling();
  const members = useBillingData<List<Member>>('/members')?.data ?? [];
  const message = useMessage();
  const { busy, run } = useBusy();
  const [steppingDown, setSteppingDown] = useState<Member | null>(null);
  const email = useRef<HTMLInputElement>(null);
  const role = useRef<HTMLSelectElement>(null);
  const roleKey = (r: Role) => (r === 'owner' ? 'role_owner' : 'role_member');
  const roleName = (r: Role) => t(roleKey(r));
  // Two roles: each member's control offers the other one.
  const otherRole = (r: Role): Role => (r === 'owner' ? 'member' : 'owner');

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

  const changeRole = (member: Member, to: Role) =>
    run(async () => {
      const answer = await api<Member>('POST', `/members/${encodeURIComponent(member.id)}`, { role: to });
      setSteppingDown(null);
      const self = member.id === session.member.id;
      const refused = answer.ok ? undefined : answer.body?.error?.code;
      if (answer.ok) {
        message.show('ok', self && to !== 'owner' ? (t) => t('steppedDown', { org: session.organization.name }) : (t) => t('roleChanged', { email: member.email, role: t(roleKey(to)) }));
      } else {
        // last_owner's own words are a removal's ("invite another owner"): stepping down needs an owner who has accepted.
        message.show('error', refused === 'last_owner' ? (t) => t('lastOwnerRole') : refusal(answer));
      }
      // The page's rights come from the session's role: read it again when ours changed (or another owner changed it first).
      if ((answer.ok && self) || refused === 'permission_denied') sessionChanged();
      refresh();
    });

  return (
    <>
      <ul id="members-list" class="cards">
        {members.map((member) => {
          const you = member.id === session.member.id;
          const to = otherRole(member.role);
          return (
            <li key={member.id} data-member={member.id}>
              <strong>{member.email}</strong>
              <span class="note">{roleName(member.role)}</span>
              {member.status === 'invited' ? <span class="badge">{t('invitedBadge')}</span> : null}
              {you ? <span class="badge">{t('you')}</span> : null}
              {canChange ? (
                <button
                  type="button"
                  data-action="change-role"
                  data-member={member.id}
                  aria-label={t(to === 'owner' ? 'makeOwnerOf' : 'makeMemberOf', { email: member.email })}
                  disabled={busy}
                  onClick={() => (you && to !== 'owner' ? setSteppingDown(member) : void changeRole(member, to))}
                >
                  {t(to === 'owner' ? 'makeOwner' : 'makeMember')}
                </button>
              ) : null}
              {canChange && !you ? (
                <button type="button" data-action="remove-member" data-member={member.id} disabled={busy} onClick={() => void remove(member)}>
                  {t('remove')}
                </button>
              ) : null}
            </li>
          );
        })}
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
      {steppingDown !== null ? (
        <ConfirmDialog
          id="step-down-dialog"
          title={t('stepDownTitle')}
          confirmLabel={t('stepDown')}
          cancelLabel={t('stepDownCancel')}
          danger
          busy={busy}
          onConfirm={() => void changeRole(steppingDown, 'member')}
          onCancel={() => setSteppingDown(null)}
        >
          <p>{t('stepDownBody', { org: session.organization.name })}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
