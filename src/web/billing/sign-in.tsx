import { useEffect, useRef, useState } from 'preact/hooks';
import type { Lang } from '../shared/lang.ts';
import { api, setCsrfToken } from './api.ts';
import { onSubmit, useBusy, valueOf } from './form.ts';
import { refusal, Said, type Shown, useMessage } from './messages.tsx';
import type { T } from './strings.ts';
import type { Invitation, Session, SignInCode } from './types.ts';

/**
 * Signing in with a six-digit code mailed to the member (billing's /sessions/code, then
 * /browser-session: the session goes into an HttpOnly cookie, the page is told its anti-CSRF token).
 * An address with only invitations it has not accepted must choose one: the
 * same code, sent again naming the organization, accepts it.
 */
export function SignIn(props: { readonly t: T; readonly lang: Lang; readonly notice: Shown | null; readonly onSignedIn: () => void }) {
  const { t, lang } = props;
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [invitations, setInvitations] = useState<{ readonly code: string; readonly list: readonly Invitation[] } | null>(null);
  const message = useMessage();
  const { busy, run } = useBusy();
  const email = useRef<HTMLInputElement>(null);
  const code = useRef<HTMLInputElement>(null);
  const shown = message.shown ?? props.notice;

  useEffect(() => {
    if (sentTo !== null) code.current?.focus();
  }, [sentTo]);

  const sendCode = () => {
    const address = sentTo ?? valueOf(email).trim();
    if (address === '') return message.show('error', (t) => t('enterEmail'));
    void run(async () => {
      const answer = await api<SignInCode>('POST', '/sessions/code', { email: address });
      if (!answer.ok) return message.show('error', refusal(answer));
      message.clear();
      if (code.current) code.current.value = '';
      setInvitations(null);
      setSentTo(answer.body.email);
    });
  };

  const signIn = (typed: string, organization?: string) =>
    void run(async () => {
      const answer = await api<Session>('POST', '/browser-session', { email: sentTo, code: typed, ...(organization === undefined ? {} : { organization }) });
      if (!answer.ok) {
        const list = answer.body?.error?.invitations;
        if (answer.body?.error?.code === 'organization_choice_required' && list !== undefined) {
          message.clear();
          return setInvitations({ code: typed, list });
        }
        return message.show('error', refusal(answer));
      }
      setCsrfToken(answer.body.csrf_token);
      props.onSignedIn();
    });
  const submitCode = () => {
    const typed = valueOf(code).trim();
    if (typed === '') return message.show('error', (t) => t('enterCode'));
    signIn(typed);
  };

  return (
    <section id="signin" class="panel" aria-labelledby="signin-title">
      <h2 id="signin-title">{t('signInTitle')}</h2>
      {sentTo === null ? (
        <form id="signin-email-form" noValidate onSubmit={onSubmit(sendCode)}>
          <label for="signin-email">{t('email')}</label>
          <input id="signin-email" ref={email} name="email" type="email" autoComplete="email" required maxLength={254} />
          <button type="submit" id="signin-send" class="primary" disabled={busy}>
            {t('sendCode')}
          </button>
        </form>
      ) : invitations !== null ? (
        <div id="signin-invitations">
          <p class="note">{t('chooseInvitation')}</p>
          <ul class="cards">
            {invitations.list.map((invitation) => (
              <li key={invitation.organization.id}>
                <button type="button" class="primary" data-organization={invitation.organization.id} disabled={busy} onClick={() => signIn(invitations.code, invitation.organization.id)}>
                  {t('acceptInvitation', { org: invitation.organization.name, role: t(invitation.role === 'owner' ? 'role_owner' : 'role_member') })}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <form id="signin-code-form" noValidate onSubmit={onSubmit(submitCode)}>
          <p id="signin-sent" class="note">
            {t('codeSent', { email: sentTo })}
          </p>
          <label for="signin-code">{t('code')}</label>
          <input id="signin-code" ref={code} name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={12} />
          <button type="submit" id="signin-submit" class="primary" disabled={busy}>
            {t('signIn')}
          </button>
          <p class="links">
            <button type="button" id="signin-resend" class="link" disabled={busy} onClick={sendCode}>
              {t('resend')}
            </button>
            <button
              type="button"
              id="signin-other"
              class="link"
              onClick={() => {
                message.clear();
                setInvitations(null);
                setSentTo(null);
              }}
            >
              {t('otherAddress')}
            </button>
          </p>
        </form>
      )}
      <Said id="signin-message" shown={shown} t={t} lang={lang} />
      <p class="note">{t('sandboxNote')}</p>
    </section>
  );
}
