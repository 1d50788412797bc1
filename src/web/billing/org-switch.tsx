import { useEffect, useState } from 'preact/hooks';
import type { Lang } from '../shared/lang.ts';
import { api, setCsrfToken } from './api.ts';
import { onSubmit, useBusy } from './form.ts';
import { refusal, Said, useMessage } from './messages.tsx';
import type { T } from './strings.ts';
import type { Session } from './types.ts';

/**
 * The header's organization switcher, for a person in more than one
 * organization (as OpenAI's dashboard has): billing swaps the session for
 * one in the organization chosen (POST /sessions/switch, which replaces the
 * session cookie and accepts an invitation as signing in choosing it does),
 * and the page enters again as after signing in, so every panel reads the
 * new organization's data.
 *
 * A select and a button rather than a select that acts on change: going
 * through the options with the arrow keys must not move the person.
 */
export function OrgSwitch(props: { readonly t: T; readonly lang: Lang; readonly session: Session; readonly onSwitched: () => void }) {
  const { t, lang, session } = props;
  const current = session.organization.id;
  const [chosen, setChosen] = useState(current);
  const message = useMessage();
  const { busy, run } = useBusy();
  useEffect(() => setChosen(current), [current]);
  if (session.organizations.length < 2) return null;

  const submit = () => {
    if (chosen === current) return;
    void run(async () => {
      const answer = await api<Session>('POST', '/sessions/switch', { organization: chosen });
      if (!answer.ok) {
        // Removed from it meanwhile: said plainly, and the list read again without it.
        if (answer.status === 404) {
          message.show('error', (t) => t('orgSwitchGone'));
          return props.onSwitched();
        }
        return message.show('error', refusal(answer));
      }
      // The answer replaced the cookie with the new session's: from here on, its anti-CSRF token.
      setCsrfToken(answer.body.csrf_token);
      const name = answer.body.organization.name;
      message.show('ok', (t) => t('orgSwitched', { org: name }));
      props.onSwitched();
    });
  };

  return (
    <form id="org-switch" class="org-switch" noValidate onSubmit={onSubmit(submit)}>
      <label for="org-switch-select">{t('orgSwitchLabel')}</label>
      <select id="org-switch-select" value={chosen} onChange={(event) => setChosen((event.currentTarget as HTMLSelectElement).value)}>
        {session.organizations.map((org) => (
          <option key={org.id} value={org.id}>
            {t(org.status === 'invited' ? 'orgOptionInvited' : 'orgOption', { org: org.name, role: t(org.role === 'owner' ? 'role_owner' : 'role_member') })}
          </option>
        ))}
      </select>
      <button type="submit" id="org-switch-submit" disabled={busy || chosen === current}>
        {t('orgSwitch')}
      </button>
      <Said id="org-switch-message" shown={message.shown} t={t} lang={lang} />
    </form>
  );
}
