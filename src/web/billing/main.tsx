import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import './billing.css';
import { documentLang, pick, type Lang } from '../shared/lang.ts';
import { LanguageSwitch } from '../shared/ui.tsx';
import { api, onSessionEnded, setCsrfToken } from './api.ts';
import { BillingCtx, type BillingPage } from './context.ts';
import type { Shown } from './messages.tsx';
import { OrgSwitch } from './org-switch.tsx';
import { PANELS } from './panels.ts';
import { SignIn } from './sign-in.tsx';
import { translator } from './strings.ts';
import type { Session, Settings } from './types.ts';

/**
 * The billing page: a member of an API customer's organization signs in
 * with an e-mail code, then sees (an owner: changes) its credits, cards,
 * auto-recharge, payments, usage, budget, credit grants, API keys, members,
 * invoices and billing details — each a panel (panels.ts)
 * over billing's API (/billing/v1). A person in several organizations
 * switches between them in the header (org-switch.tsx): the dashboard is
 * drawn anew for each, so no panel keeps another organization's data. The
 * server's document carries the language it chose from Accept-Language; a
 * switch the reader made is kept. The session is an HttpOnly cookie the
 * page never reads (api.ts): on every load the page asks the server who is
 * signed in.
 */

// Only the reader's choice of language is kept across visits (never anything about the account or a card).
const LANG_KEY = 'cardlane.billing.lang';

function initialLang(): Lang {
  const kept = localStorage.getItem(LANG_KEY);
  return kept === 'en' || kept === 'zh-CN' ? kept : documentLang();
}

function Page() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [session, setSession] = useState<Session | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  // Until the server has said whether the browser's cookie holds a live session, neither the sign-in form nor the dashboard shows.
  const [checked, setChecked] = useState(false);
  const [notice, setNotice] = useState<Shown | null>(null);
  const [version, setVersion] = useState(0);
  const t = useMemo(() => translator(lang), [lang]);

  const signedOut = useCallback(() => {
    setCsrfToken(null);
    setSession(null);
    setChecked(true);
  }, []);

  /** Shows the dashboard for a live session, or the sign-in form. */
  const enter = useCallback(async () => {
    // Both at once: a phone's round trips are what the dashboard waits for (signed out, both are refused).
    const [answer, found] = await Promise.all([api<Session>('GET', '/sessions/current'), api<Settings>('GET', '/settings')]);
    if (!answer.ok) return signedOut();
    setCsrfToken(answer.body.csrf_token);
    if (found.ok) setSettings(found.body);
    setNotice(null);
    setSession(answer.body);
    setChecked(true);
  }, [signedOut]);

  useEffect(() => {
    onSessionEnded(() => {
      signedOut();
      setNotice({ tone: 'error', say: (t) => t('sessionEnded') });
    });
    void enter();
  }, [enter, signedOut]);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${t('title')} — Cardlane`;
  }, [lang, t]);

  const switchLang = (to: Lang) => {
    localStorage.setItem(LANG_KEY, to);
    setLang(to);
  };

  const signOut = async () => {
    await api('DELETE', '/sessions');
    signedOut();
  };

  const page: BillingPage | null = useMemo(
    () =>
      session === null
        ? null
        : { lang, t, session, settings, canChange: session.member.role === 'owner', version, refresh: () => setVersion((v) => v + 1), sessionChanged: () => void enter() },
    [lang, t, session, settings, version, enter],
  );

  return (
    <>
      <header class="top">
        <h1>{t('title')}</h1>
        <div class="top-right">
          {session ? (
            <span id="who" class="who">
              {t('signedInAs', { email: session.member.email, role: t(session.member.role === 'owner' ? 'role_owner' : 'role_member'), org: session.organization.name })}
            </span>
          ) : null}
          {session ? <OrgSwitch t={t} lang={lang} session={session} onSwitched={() => void enter()} /> : null}
          {session ? (
            <button type="button" id="signout" class="link" onClick={() => void signOut()}>
              {t('signOut')}
            </button>
          ) : null}
          <LanguageSwitch id="lang-toggle" lang={lang} onSwitch={switchLang} />
        </div>
      </header>
      <main>
        {!checked ? <p class="note">…</p> : page === null ? <SignIn t={t} lang={lang} notice={notice} onSignedIn={() => void enter()} /> : <Dashboard key={page.session.organization.id} page={page} />}
      </main>
    </>
  );
}

function Dashboard(props: { readonly page: BillingPage }) {
  const { lang, t, canChange } = props.page;
  return (
    <BillingCtx.Provider value={props.page}>
      <div id="dashboard">
        {canChange ? null : (
          <p id="look-only" class="note">
            {t('lookOnly')}
          </p>
        )}
        {PANELS.map((panel) => (
          <section key={panel.id} id={`panel-${panel.id}`} class="panel" aria-labelledby={`panel-${panel.id}-title`}>
            <h2 id={`panel-${panel.id}-title`}>{pick(panel.title, lang)}</h2>
            <panel.component />
          </section>
        ))}
      </div>
    </BillingCtx.Provider>
  );
}

const root = document.getElementById('page');
if (root !== null) render(<Page />, root);
