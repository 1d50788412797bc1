import { useState } from 'preact/hooks';
import { call, setSession } from '../api.ts';
import { useApp } from '../context.ts';
import type { BrowserSession, Cardholder } from '../types.ts';
import { Message, SandboxHint, useAction } from '../ui.tsx';

/** Sign in, or sign up on the first time, with a phone number and an SMS code; a friend's invite code on sign-up. */
export function SignInScreen(props: { readonly onSignedIn: (cardholder: Cardholder) => void }) {
  const { t } = useApp();
  const [phone, setPhone] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [invite, setInvite] = useState(() => new URLSearchParams(location.search).get('invite') ?? '');
  const action = useAction();

  const send = (event: Event) => {
    event.preventDefault();
    if (phone.trim() === '') return action.setError(t('param_phone'));
    void action.run(async () => {
      // The app's readers are mostly in mainland China: a number without a country code is +86's.
      const typed = phone.trim();
      const full = typed.startsWith('+') || typed.startsWith('00') ? typed : `+86 ${typed}`;
      const answer = await call<{ phone: string }>('POST', '/issuer/v1/sessions/code', { body: { phone: full } });
      setSentTo(answer.phone);
      setCode('');
    });
  };

  const verify = (event: Event) => {
    event.preventDefault();
    if (sentTo === null) return;
    // Caught here rather than sent: an empty or short code can only be refused.
    const digits = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(digits)) return action.setError(t('param_code'));
    void action.run(async () => {
      const body: Record<string, string> = { phone: sentTo, code: digits };
      if (invite.trim() !== '') body.invite_code = invite.trim();
      // The session goes into an HttpOnly cookie; the page is told only its anti-CSRF token.
      const answer = await call<BrowserSession>('POST', '/issuer/v1/browser-session', { body });
      setSession(answer.csrf_token);
      props.onSignedIn(answer.cardholder);
      if (answer.cardholder.kyc_status !== 'approved') location.hash = '#/kyc';
    });
  };

  return (
    <section class="panel sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t('signInTitle')}</h1>
      <p class="lead">{t('signInLead')}</p>
      {sentTo === null ? (
        <form id="phone-form" onSubmit={send} novalidate>
          <label for="phone">{t('phone')}</label>
          <input id="phone" type="tel" inputMode="tel" autoComplete="tel" required maxLength={32} placeholder="138 0013 8000" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} aria-describedby="phone-hint" />
          <p class="note" id="phone-hint">
            {t('phoneHint')}
          </p>
          <button type="submit" id="send-code" class="primary" disabled={action.busy}>
            {t('sendCode')}
          </button>
        </form>
      ) : (
        <form id="code-form" onSubmit={verify} novalidate>
          <p class="note" id="code-sent">
            {t('codeSentTo', { phone: sentTo })}
          </p>
          <label for="code">{t('code')}</label>
          <input id="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={8} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <label for="invite">{t('inviteCode')}</label>
          <input id="invite" autoComplete="off" maxLength={16} placeholder="7KQ2-M9XD" value={invite} onInput={(e) => setInvite(e.currentTarget.value)} aria-describedby="invite-hint" />
          <p class="note" id="invite-hint">
            {t('inviteHint')}
          </p>
          <button type="submit" id="sign-in" class="primary" disabled={action.busy}>
            {t('signIn')}
          </button>
          <div class="row">
            <button type="button" class="link" id="resend" onClick={send}>
              {t('resend')}
            </button>
            <button type="button" class="link" id="other-phone" onClick={() => setSentTo(null)}>
              {t('otherPhone')}
            </button>
          </div>
          <SandboxHint id="sms-hint" text={t('sandboxSms')} command={`npx cardlane issuer sms-inbox --phone ${sentTo}`} />
        </form>
      )}
      <Message id="sign-in-message" text={action.error} kind="error" />
    </section>
  );
}
