import { STRINGS, type Lang } from './strings.ts';

/** The page's language (kept across visits), and its texts. */

const LANG_KEY = 'cardlane.billing.lang';

let current: Lang = localStorage.getItem(LANG_KEY) === 'zh' ? 'zh' : 'en';

export function lang(): Lang {
  return current;
}

export function toggleLang(): void {
  current = current === 'zh' ? 'en' : 'zh';
  localStorage.setItem(LANG_KEY, current);
}

export type Vars = Readonly<Record<string, string | number | null>>;

/** The text for `key` in the page's language (else English, else the key itself), with `{name}` replaced from `vars`. */
export function t(key: string, vars: Vars = {}): string {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** An explanation standing on its own: a capital letter and a full stop (the API's read as the end of "declined: …"). */
export function sentence(text: string): string {
  if (text === '') return text;
  if (current === 'zh') return /[。！？]$/.test(text) ? text : `${text}。`;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}

/** A time as people read it in the page's language. */
export function when(isoTime: string): string {
  return new Date(isoTime).toLocaleString(current === 'zh' ? 'zh-CN' : 'en-US');
}
