import { paintWho } from './account-view.ts';
import { $ } from './dom.ts';
import { lang, t } from './i18n.ts';
import { paintDashboard } from './dashboard.ts';
import { paintMessages } from './messages.ts';
import { paintSignIn } from './sign-in.ts';
import { state } from './state.ts';

/** Says everything on the page again in its language: the static texts (`data-i18n`), the messages, and what the page shows. */
export function paintLanguage(): void {
  const current = lang();
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  document.title = `${t('title')} — Cardlane`;
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]')) node.textContent = t(node.dataset.i18n ?? '');
  const toggle = $('lang-toggle');
  toggle.textContent = current === 'zh' ? 'English' : '中文';
  toggle.lang = current === 'zh' ? 'en' : 'zh';
  paintMessages();
  paintSignIn();
  paintWho();
  if (state.session) paintDashboard();
}
