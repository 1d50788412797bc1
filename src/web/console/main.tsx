import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import './console.css';
import { documentLang, type Lang } from '../shared/lang.ts';
import { LanguageSwitch } from '../shared/ui.tsx';
import { api, ISSUER, onSessionEnded, useCsrfToken } from './api.ts';
import { ConsoleCtx, type ConsolePage } from './context.ts';
import type { Shown } from './said.tsx';
import { SCREENS } from './screens.ts';
import { SignIn } from './sign-in.tsx';
import { translator } from './strings.ts';
import type { Session } from './types.ts';

/**
 * The operator console: the issuer's and the network's operations people
 * sign in with an operator key (exchanged for an HttpOnly session cookie),
 * then work the KYC queue, watch top-ups and payouts (playing the Alipay
 * sandbox's side), read authorizations and declines by cause, decide
 * disputes and run the ledger audit — each a screen (screens.ts) over the
 * operator routes. The server's document carries the language it chose
 * from Accept-Language; a switch the reader made is kept (and nothing else).
 */

const LANG_KEY = 'cardlane.console.lang';

function initialLang(): Lang {
  const kept = localStorage.getItem(LANG_KEY);
  return kept === 'en' || kept === 'zh-CN' ? kept : documentLang();
}

function screenOfHash(): string {
  const id = location.hash.replace(/^#\/?/, '');
  return SCREENS.some((s) => s.id === id) ? id : SCREENS[0]!.id;
}

function Page() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [session, setSession] = useState<Session | null>(null);
  const [checked, setChecked] = useState(false);
  const [notice, setNotice] = useState<Shown | null>(null);
  const [screen, setScreen] = useState(screenOfHash);
  const t = useMemo(() => translator(lang), [lang]);
  const page: ConsolePage = useMemo(() => ({ lang, t }), [lang, t]);

  const enter = useCallback((found: Session) => {
    useCsrfToken(found.csrf_token);
    setNotice(null);
    setSession(found);
  }, []);

  // Signed in with the form: the form is gone, so the keyboard goes to the screen's heading rather than back to the document's start.
  const signedIn = useCallback(
    (found: Session) => {
      enter(found);
      requestAnimationFrame(() => document.querySelector<HTMLElement>('main h2[tabindex="-1"]')?.focus());
    },
    [enter],
  );

  useEffect(() => {
    onSessionEnded(() => {
      setSession(null);
      setNotice({ tone: 'error', say: (t) => t('sessionEnded') });
    });
    // After a reload: the cookie may still hold a session; the server tells (the page cannot read the cookie).
    void api<Session>('GET', `${ISSUER}/operator/session`).then((answer) => {
      if (answer.ok) enter(answer.body);
      setChecked(true);
    });
    const follow = () => setScreen(screenOfHash());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, [enter]);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${t('title')} — Cardlane`;
  }, [lang, t]);

  const switchLang = (to: Lang) => {
    localStorage.setItem(LANG_KEY, to);
    setLang(to);
  };

  const signOut = async () => {
    await api('DELETE', `${ISSUER}/operator/session`);
    useCsrfToken(null);
    setSession(null);
    setNotice({ tone: 'ok', say: (t) => t('signedOut') });
  };

  const Screen = SCREENS.find((s) => s.id === screen)!.component;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  return (
    <ConsoleCtx.Provider value={page}>
      <header class="top">
        <h1>
          {t('title')} <span class="badge">{t('sandbox')}</span>
        </h1>
        <div class="top-right">
          {session ? (
            <span id="who" class="who">
              {t('signedInAs', { name: session.operator_key.name, prefix: session.operator_key.prefix })}
            </span>
          ) : null}
          {session ? (
            <button type="button" id="signout" class="link" onClick={() => void signOut()}>
              {t('signOut')}
            </button>
          ) : null}
          <LanguageSwitch id="lang-toggle" lang={lang} onSwitch={switchLang} />
        </div>
      </header>
      {session ? (
        <nav class="tabs" aria-label={t('sections')}>
          {SCREENS.map((s) => (
            <a key={s.id} id={`tab-${s.id}`} href={`#${s.id}`} aria-current={s.id === screen ? 'page' : undefined}>
              {t(s.tab)}
            </a>
          ))}
        </nav>
      ) : null}
      <main>
        {!checked ? (
          <p class="note">{t('loading')}</p>
        ) : session === null ? (
          <SignIn notice={notice} onSignedIn={signedIn} />
        ) : (
          <div id={`screen-${screen}`} key={screen}>
            <Screen />
          </div>
        )}
        {session ? <p class="note zone">{t('timesLocal', { zone })}</p> : null}
      </main>
    </ConsoleCtx.Provider>
  );
}

const root = document.getElementById('page');
if (root !== null) render(<Page />, root);
