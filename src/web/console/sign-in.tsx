import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ISSUER } from './api.ts';
import { useConsole } from './context.ts';
import { refusal, Said, type Shown, useMessage } from './said.tsx';
import type { Session } from './types.ts';

/**
 * Sign-in: the operator pastes a key, which goes once, in a JSON body, to
 * POST /issuer/v1/operator/session and is then wiped from the field; the
 * answer sets the HttpOnly session cookie and gives this page the session's
 * anti-CSRF token. The key is never put in storage, a URL or the page's state.
 */
export function SignIn(props: { readonly notice: Shown | null; readonly onSignedIn: (session: Session) => void }) {
  const { t, lang } = useConsole();
  const field = useRef<HTMLInputElement>(null);
  const message = useMessage();
  const [busy, setBusy] = useState(false);
  const shown = message.shown ?? props.notice;

  useEffect(() => field.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const input = field.current;
    const key = input?.value.trim() ?? '';
    if (key === '') return message.show('error', (t) => t('enterKey'));
    setBusy(true);
    const answer = await api<Session>('POST', `${ISSUER}/operator/session`, { key });
    setBusy(false);
    if (input !== null) input.value = '';
    // 401 here is the key itself refused, not a session that ended (the wording the other screens use for a 401).
    if (answer.status === 401) return message.show('error', (t) => t('wrongKey'));
    if (!answer.ok) return message.show('error', refusal(answer));
    props.onSignedIn(answer.body);
  };

  return (
    <section id="signin" class="panel narrow" aria-labelledby="signin-title">
      <h2 id="signin-title">{t('signInTitle')}</h2>
      <form id="signin-form" noValidate onSubmit={(event) => void submit(event)}>
        <label for="signin-key">{t('keyLabel')}</label>
        <input id="signin-key" ref={field} type="password" name="operator-key" autoComplete="off" spellcheck={false} required maxLength={200} aria-describedby="signin-help" />
        <p id="signin-help" class="note">
          {t('keyHelp')}
        </p>
        <button type="submit" id="signin-submit" class="primary" disabled={busy}>
          {t('signIn')}
        </button>
      </form>
      <Said id="signin-message" shown={shown} t={t} lang={lang} />
      <p class="note">
        {t('keyWhere')} <code>.cardlane/operator-key</code>
      </p>
    </section>
  );
}
