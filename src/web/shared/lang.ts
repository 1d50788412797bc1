/**
 * The two languages every Cardlane page speaks; 简体中文 first (the seed's
 * readers are Chinese). Shared by the cardholder app and the billing page.
 */
export type Lang = 'zh-CN' | 'en';

/** A text the API sends in both languages (a decline's explanation, a pause's reason). */
export interface Bilingual {
  readonly en: string;
  readonly zh: string;
}

/** The side of a two-language text this reader reads (English when the Chinese is missing). */
export function pick(text: Bilingual, lang: Lang): string {
  return lang === 'en' ? text.en : text.zh || text.en;
}

/** The other language, for the switch in every page's header. */
export function otherLang(lang: Lang): Lang {
  return lang === 'en' ? 'zh-CN' : 'en';
}

/** The language the server chose for the document (from Accept-Language), as `<html lang>` says. */
export function documentLang(): Lang {
  return document.documentElement.lang === 'en' ? 'en' : 'zh-CN';
}
