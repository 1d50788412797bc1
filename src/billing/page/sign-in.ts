import { paintLimits, paintWho } from './account-view.ts';
import { api, forgetSessionToken, keepSessionToken, sessionToken } from './api.ts';
import type { Session, Settings, SignedIn, SignInCode } from './api-types.ts';
import { refresh } from './dashboard.ts';
import { $, busy, form, input } from './dom.ts';
import { t } from './i18n.ts';
import { clear, refusal, show } from './messages.ts';
import { state } from './state.ts';

/** Signing in with a code mailed to the member, signing out, and entering the dashboard with a live session. */

export function signedOut(): void {
  forgetSessionToken();
  state.session = null;
  $('dashboard').hidden = true;
  $('signin').hidden = false;
  $('who').hidden = true;
  $('signout').hidden = true;
  form('signin-email-form').hidden = false;
  form('signin-code-form').hidden = true;
}

export async function sendCode(button: HTMLButtonElement): Promise<void> {
  const email = input('signin-email').value.trim();
  if (email === '') return show('signin-message', 'bad', () => t('enterEmail'));
  await busy(button, async () => {
    const answer = await api<SignInCode>('POST', '/sessions/code', { email });
    if (!answer.ok) return show('signin-message', 'bad', refusal(answer));
    state.signInEmail = answer.body.email;
    clear('signin-message');
    form('signin-email-form').hidden = true;
    form('signin-code-form').hidden = false;
    paintSignIn();
    input('signin-code').value = '';
    input('signin-code').focus();
  });
}

export function paintSignIn(): void {
  $('signin-sent').textContent = state.signInEmail ? t('codeSent', { email: state.signInEmail }) : '';
}

/** Back to the first step, for another address. */
export function otherAddress(): void {
  state.signInEmail = null;
  clear('signin-message');
  form('signin-code-form').hidden = true;
  form('signin-email-form').hidden = false;
}

export async function signIn(button: HTMLButtonElement): Promise<void> {
  const code = input('signin-code').value.trim();
  if (code === '') return show('signin-message', 'bad', () => t('enterCode'));
  await busy(button, async () => {
    const answer = await api<SignedIn>('POST', '/sessions', { email: state.signInEmail, code });
    if (!answer.ok) return show('signin-message', 'bad', refusal(answer));
    keepSessionToken(answer.body.token);
    clear('signin-message');
    await enter();
  });
}

export async function signOut(button: HTMLButtonElement): Promise<void> {
  await busy(button, async () => {
    await api('DELETE', '/sessions');
    signedOut();
  });
}

/** Shows the dashboard for a live session, or the sign-in form. */
export async function enter(): Promise<void> {
  if (!sessionToken()) return signedOut();
  const answer = await api<Session>('GET', '/sessions/current');
  if (!answer.ok) return signedOut();
  state.session = answer.body;
  $('signin').hidden = true;
  $('dashboard').hidden = false;
  $('who').hidden = false;
  $('signout').hidden = false;
  paintWho();
  const settings = await api<Settings>('GET', '/settings');
  if (settings.ok) state.settings = settings.body;
  paintLimits();
  await refresh();
}
