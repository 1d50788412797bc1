/**
 * How many terminal columns a text takes, for aligned columns of text that
 * mixes Chinese and Latin: `String.prototype.padEnd` counts UTF-16 code
 * units, so "验卡" (2 characters, 4 columns) and "$5.00" (5 characters, 5
 * columns) padded to the same length do not line up. East Asian Wide and
 * Fullwidth characters (Unicode's East Asian Width W and F: Han, kana,
 * Hangul, CJK punctuation and fullwidth forms; the main emoji blocks) take two columns;
 * combining marks, zero-width joiners and variation selectors none; the rest
 * one. Ambiguous-width characters (·, •, —) count one, as terminals outside
 * East Asian legacy locales draw them.
 */

/** [first, last] code points, inclusive: two columns each. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x2e80, 0x303e], // CJK radicals, CJK symbols and punctuation (、。「」 and the ideographic space)
  [0x3041, 0x33ff], // kana, bopomofo, Hangul compatibility jamo, enclosed CJK, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe30, 0xfe4f], // CJK compatibility forms
  [0xff00, 0xff60], // fullwidth forms: ！（），：；
  [0xffe0, 0xffe6], // fullwidth signs: ￥￠
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f680, 0x1f6ff], // transport and map symbols
  [0x1f900, 0x1f9ff], // supplemental symbols and pictographs
  [0x20000, 0x3fffd], // CJK extensions B and later
];

function isWide(code: number): boolean {
  return WIDE.some(([first, last]) => code >= first && code <= last);
}

function isZeroWidth(code: number): boolean {
  return (
    (code >= 0x0300 && code <= 0x036f) || // combining diacritical marks
    (code >= 0x200b && code <= 0x200f) || // zero-width space, joiners, direction marks
    (code >= 0xfe00 && code <= 0xfe0f) || // variation selectors
    (code >= 0x20d0 && code <= 0x20ff) || // combining marks for symbols
    (code >= 0xe0100 && code <= 0xe01ef) || // variation selectors supplement
    code < 0x20 ||
    (code >= 0x7f && code < 0xa0) // control characters draw nothing
  );
}

/** The columns `text` takes in a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    width += isZeroWidth(code) ? 0 : isWide(code) ? 2 : 1;
  }
  return width;
}

/** `text` followed by spaces up to `width` columns (as it is when already that wide). */
export function padEndToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Spaces, then `text`, up to `width` columns: right-aligned, for amounts. */
export function padStartToWidth(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/** The widest of `texts` in columns (0 for none). */
export function maxDisplayWidth(texts: Iterable<string>): number {
  let widest = 0;
  for (const text of texts) widest = Math.max(widest, displayWidth(text));
  return widest;
}
