import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import './app.css';
import { call, hasSession, setApiLanguage, setSession, whenSignedOut } from './api.ts';
import { Ctx, type AppContext } from './context.ts';
import { translator, type Lang } from './i18n.ts';
import { ActivityScreen } from './screens/activity.tsx';
import { CardsScreen } from './screens/cards.tsx';
import { DeclinedScreen } from './screens/declined.tsx';
import { DisputeScreen } from './screens/dispute.tsx';
import { KycScreen } from './screens/kyc.tsx';
import { MeScreen } from './screens/me.tsx';
import { NotificationsScreen } from './screens/notifications.tsx';
import { SignInScreen } from './screens/sign-in.tsx';
import { WalletScreen } from './screens/wallet.tsx';
import { WhyScreen } from './screens/why.tsx';
import type { BrowserSession, Cardholder, NotificationPage } from './types.ts';
import { usePolling } from './ui.tsx';

// The bell's unread count is polled while the app is open (the feed polls faster while shown).
const BELL_POLL_MS = 15_000;

/**
 * The cardholder app: a phone-first single page over the issuer's API.
 * Routes live in the URL's fragment (`#/cards/card_…`), which never holds a
 * card number; the server's document carries the language it chose from
 * Accept-Language and whether the providers are sandboxes.
 */

function currentRoute(): string {
  return location.hash.replace(/^#/, '') || '/wallet';
}

const TABS: ReadonlyArray<{ readonly route: string; readonly key: 'navWallet' | 'navCards' | 'navActivity' | 'navMe' }> = [
  { route: '/wallet', key: 'navWallet' },
  { route: '/cards', key: 'navCards' },
  { route: '/activity', key: 'navActivity' },
  { route: '/me', key: 'navMe' },
];

function App(props: { readonly initialLang: Lang; readonly sandbox: boolean }) {
  const [lang, setLang] = useState<Lang>(props.initialLang);
  const [me, setMe] = useState<Cardholder | null>(null);
  const [route, setRoute] = useState(currentRoute());
  // Until the server has said whether this browser's cookie holds a session, neither the sign-in form nor a screen.
  const [sessionChecked, setSessionChecked] = useState(false);

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    whenSignedOut(() => setMe(null));
    // After a reload: the HttpOnly cookie may still hold a session, which only the server can tell; signed in, the
    // screen in the URL shows at once. Any refusal or failure leaves the person on the sign-in form.
    call<BrowserSession>('GET', '/issuer/v1/browser-session')
      .then((session) => {
        setSession(session.csrf_token);
        setMe(session.cardholder);
      })
      .catch(() => undefined)
      .finally(() => setSessionChecked(true));
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    setApiLanguage(lang);
    document.documentElement.lang = lang;
    document.title = lang === 'en' ? 'Cardlane — your USD card' : 'Cardlane — 你的美元卡';
  }, [lang]);

  const ctx: AppContext = useMemo(
    () => ({
      lang,
      t: translator(lang),
      sandbox: props.sandbox,
      me,
      refreshMe: async () => setMe(await call<Cardholder>('GET', '/issuer/v1/me')),
      go: (to: string) => {
        location.hash = `#${to}`;
      },
      signOut: async () => {
        try {
          // Ends the session on the server and clears the cookie.
          await call('DELETE', '/issuer/v1/browser-session');
        } catch {
          // Signed out already, or unreachable: the page forgets the session either way.
        }
        setSession(null);
        setMe(null);
      },
    }),
    [lang, me, props.sandbox],
  );
  const t = ctx.t;
  const signedIn = me !== null && hasSession();
  useScreenFocus(signedIn ? route : null);
  const [unread, setUnread] = useState(0);
  usePolling(
    async () => {
      if (currentRoute().startsWith('/notifications')) return;
      setUnread((await call<NotificationPage>('GET', '/issuer/v1/notifications?limit=1')).unread_count);
    },
    BELL_POLL_MS,
    signedIn,
  );

  return (
    <Ctx.Provider value={ctx}>
      <header class="top">
        <span class="brand" aria-hidden="true" />
        <span class="app-name">{t('appName')}</span>
        {props.sandbox ? <span class="badge">{t('sandbox')}</span> : null}
        <button type="button" id="lang-switch" class="link" lang={lang === 'en' ? 'zh-CN' : 'en'} title={t('switchLanguageLabel')} onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>
          {t('switchLanguage')}
        </button>
        {signedIn ? (
          <a href="#/notifications" id="bell" class="bell" aria-label={t('notificationsBell', { count: unread })}>
            <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" />
            </svg>
            {unread > 0 ? (
              <span class="badge count" id="bell-count" aria-hidden="true">
                {unread > 99 ? '99+' : unread}
              </span>
            ) : null}
          </a>
        ) : null}
      </header>
      <main id="main" tabIndex={-1} aria-busy={sessionChecked ? undefined : 'true'}>
        {!sessionChecked ? null : signedIn ? <Screen route={route} onUnread={setUnread} /> : <SignInScreen onSignedIn={(cardholder) => setMe(cardholder)} />}
      </main>
      {signedIn ? (
        <nav class="tabs" aria-label={t('mainNav')}>
          {TABS.map((tab) => (
            <a key={tab.route} href={`#${tab.route}`} id={`tab-${tab.route.slice(1)}`} aria-current={route.startsWith(tab.route) ? 'page' : undefined}>
              {t(tab.key)}
            </a>
          ))}
        </nav>
      ) : null}
    </Ctx.Provider>
  );
}

/**
 * After the screen changes (a tab, a link, signing in) the keyboard's focus
 * moves to the new screen's heading, as it would on a new page: without it,
 * focus stays on a link that is gone or falls to the document's start, and a
 * screen reader announces nothing. (A load without a session starts on
 * the sign-in form, which is left as it is.)
 */
function useScreenFocus(screen: string | null): void {
  const shown = useRef<string | null>(null);
  useEffect(() => {
    const previous = shown.current;
    shown.current = screen;
    if (screen === null || previous === screen) return;
    const main = document.getElementById('main');
    const heading = () => main?.querySelector<HTMLElement>('h2') ?? null;
    let observer: MutationObserver | null = null;
    const frame = requestAnimationFrame(() => {
      if (main === null) return;
      const now = heading();
      if (now !== null) return now.focus();
      // A screen still loading has no heading yet: hold the focus on <main>, then give it to the heading when it comes (unless the person moved on).
      main.focus();
      observer = new MutationObserver(() => {
        const later = heading();
        if (later === null) return;
        if (document.activeElement === main) later.focus();
        observer?.disconnect();
      });
      observer.observe(main, { childList: true, subtree: true });
    });
    return () => {
      cancelAnimationFrame(frame);
      observer?.disconnect();
    };
  }, [screen]);
}

function Screen(props: { readonly route: string; readonly onUnread: (count: number) => void }) {
  const [, first = 'wallet', second] = props.route.split('/');
  switch (first) {
    case 'kyc':
      return <KycScreen />;
    case 'cards':
      return <CardsScreen cardId={second ?? null} />;
    case 'activity':
      return <ActivityScreen cardId={second ?? null} />;
    case 'why':
      return <WhyScreen authorizationId={second ?? ''} />;
    case 'declined':
      return <DeclinedScreen />;
    case 'disputes': {
      const [, , , authorization, cents] = props.route.split('/');
      return <DisputeScreen id={second ?? ''} authorizationId={authorization ?? null} amount={cents === undefined || !/^\d{1,12}$/.test(cents) ? null : Number(cents)} />;
    }
    case 'me':
      return <MeScreen />;
    case 'notifications':
      return <NotificationsScreen onUnread={props.onUnread} />;
    default:
      return <WalletScreen />;
  }
}

const root = document.getElementById('app');
if (root !== null) {
  const initialLang: Lang = document.documentElement.lang === 'en' ? 'en' : 'zh-CN';
  render(<App initialLang={initialLang} sandbox={document.documentElement.dataset.sandbox === 'true'} />, root);
}
