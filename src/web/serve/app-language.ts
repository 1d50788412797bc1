/** The app's languages; the first is the default (the seed's readers are Chinese). */
export const APP_LANGUAGES = ['zh-CN', 'en'] as const;
export type AppLanguage = (typeof APP_LANGUAGES)[number];

// Bounds the work on a hostile header.
const MAX_RANGES = 20;

/**
 * The app's language from `Accept-Language`: the highest-weighted range that
 * is Chinese or English; 简体中文 when neither is asked for, or the header is missing.
 */
export function pickAppLanguage(header: string | string[] | undefined): AppLanguage {
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  let best: { lang: AppLanguage; q: number } | null = null;
  for (const part of text.split(',').slice(0, MAX_RANGES)) {
    const [range = '', ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    const tag = range.trim().toLowerCase();
    const lang: AppLanguage | null = tag.startsWith('zh') ? 'zh-CN' : tag === 'en' || tag.startsWith('en-') ? 'en' : null;
    if (lang !== null && (best === null || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'zh-CN';
}
