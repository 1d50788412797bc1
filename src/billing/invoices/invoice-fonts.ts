import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { StandardFonts, type PDFDocument, type PDFFont } from 'pdf-lib';
import { withAlignedGlyphs } from './aligned-glyph-font.ts';

/**
 * The fonts an invoice is drawn with. Helvetica, which every PDF reader has,
 * when all of the invoice's text is in its Latin character set: nothing is
 * embedded and the file stays a few kilobytes. Otherwise — a Chinese
 * invoice, or an English one for a customer with a Chinese name or address —
 * Noto Sans SC (SIL Open Font License, from the npm package
 * `@expo-google-fonts/noto-sans-sc`), embedded as a subset of the glyphs
 * the invoice uses: some ten kilobytes instead of the font's ten megabytes.
 *
 * The Chinese font is loaded on the first invoice that needs it, never at
 * start-up: fontkit and the two font files (about 20 MB) are read and parsed
 * then and kept for the process's later invoices. Documents share the parsed
 * fonts: fontkit reads a font without changing it, and builds each
 * document's subset in one synchronous step.
 */

export interface InvoiceFonts {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
}

const NOTO_SANS_SC = {
  regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
} as const;

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];

interface ChineseFontFiles {
  /** fontkit, but a font file it has parsed once is not parsed again (pdf-lib asks for every document). */
  readonly fontkit: Fontkit;
  readonly regular: Uint8Array;
  readonly bold: Uint8Array;
}

function parsingOnce(fontkit: Fontkit): Fontkit {
  const parsed = new WeakMap<Uint8Array, ReturnType<Fontkit['create']>>();
  return {
    create(bytes, postscriptName) {
      let font = parsed.get(bytes);
      if (font === undefined) parsed.set(bytes, (font = fontkit.create(bytes, postscriptName)));
      return font;
    },
  };
}

let chinese: Promise<ChineseFontFiles> | null = null;

function chineseFontFiles(): Promise<ChineseFontFiles> {
  chinese ??= (async () => {
    const resolve = createRequire(import.meta.url).resolve;
    const [fontkit, regular, bold] = await Promise.all([
      import('@pdf-lib/fontkit').then((module) => module.default),
      readFile(resolve(NOTO_SANS_SC.regular)),
      readFile(resolve(NOTO_SANS_SC.bold)),
    ]);
    return { fontkit: parsingOnce(fontkit), regular: withAlignedGlyphs(regular), bold: withAlignedGlyphs(bold) };
  })();
  // A failed load (a missing package) is tried again by the next invoice rather than remembered.
  chinese.catch(() => {
    chinese = null;
  });
  return chinese;
}

/** Helvetica's character set (Windows-1252), as code points. */
const LATIN = (() => {
  const set = new Set<number>();
  for (let c = 0x20; c <= 0x7e; c++) set.add(c);
  for (let c = 0xa0; c <= 0xff; c++) set.add(c);
  for (const char of '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ') set.add(char.codePointAt(0)!);
  return set;
})();

/** Whether Helvetica can draw every character of these texts. */
export function latinOnly(texts: Iterable<string>): boolean {
  for (const text of texts) for (const char of text) if (!LATIN.has(char.codePointAt(0)!)) return false;
  return true;
}

/** The fonts for a document whose text is `texts`, embedded in `pdf`. */
export async function embedInvoiceFonts(pdf: PDFDocument, texts: Iterable<string>): Promise<InvoiceFonts> {
  if (latinOnly(texts)) {
    return { regular: await pdf.embedFont(StandardFonts.Helvetica), bold: await pdf.embedFont(StandardFonts.HelveticaBold) };
  }
  const files = await chineseFontFiles();
  pdf.registerFontkit(files.fontkit);
  return { regular: await pdf.embedFont(files.regular, { subset: true }), bold: await pdf.embedFont(files.bold, { subset: true }) };
}
