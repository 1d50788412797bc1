import type { Lang } from './lang.ts';

/**
 * A page's string table, every sentence in both languages. Placeholders are
 * `{name}`; a value not given stays visible as `{name}` (a bug shows, never hides).
 */
export type Vars = Readonly<Record<string, string | number>>;
export type Translator<K extends string> = (key: K, vars?: Vars) => string;

/** The `t()` for one language of `tables` (typed by the English table's keys: a key missing in Chinese fails the build). */
export function translatorOf<K extends string>(tables: Readonly<Record<Lang, Readonly<Record<K, string>>>>, lang: Lang): Translator<K> {
  const table = tables[lang];
  return (key, vars) => {
    const text = table[key];
    return vars === undefined ? text : text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}
