import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import './app.css';
import { call, hasToken, setApiLanguage, setToken, whenSignedOut } from './api.ts';
import { Ctx, type AppContext } from './context.ts';
import { translator, type Lang } from './i18n.ts';
import { ActivityScreen } from './screens/activity.tsx';
import { CardsScreen } from './screens/cards.tsx';
import { DeclinedScreen } from './screens/declined.tsx';
import { KycScreen } from './screens/kyc.tsx';
import { MeScreen } from './screens/me.tsx';
import { SignInScreen } from './screens/sign-in.tsx';
import { WalletScreen } from './screens/wallet.tsx';
import { WhyScreen } from './screens/why.tsx';
import type { Cardholder } from './types.ts';

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

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    whenSignedOut(() => setMe(null));
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
    }),
    [lang, me, props.sandbox],
  );
  const t = ctx.t;
  const signedIn = me !== null && hasToken();

  const signOut = async () => {
    try {
      await call('DELETE', '/issuer/v1/sessions');
    } catch {
      // Signed out already, or unreachable: the token is forgotten either way.
    }
    setToken(null);
    setMe(null);
  };

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
          <button type="button" id="sign-out" class="link" onClick={signOut}>
            {t('signOut')}
          </button>
        ) : null}
      </header>
      <main id="main">{signedIn ? <Screen route={route} /> : <SignInScreen onSignedIn={(cardholder) => setMe(cardholder)} />}</main>
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

function Screen(props: { readonly route: string }) {
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
    case 'me':
      return <MeScreen />;
    default:
      return <WalletScreen />;
  }
}

const root = document.getElementById('app');
if (root !== null) {
  const initialLang: Lang = document.documentElement.lang === 'en' ? 'en' : 'zh-CN';
  render(<App initialLang={initialLang} sandbox={document.documentElement.dataset.sandbox === 'true'} />, root);
}
