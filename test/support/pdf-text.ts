import { inflateSync } from 'node:zlib';

/**
 * What a PDF that pdf-lib wrote (without object streams) shows: the strings
 * its pages draw with Tj, one per line, read the way a viewer's "copy text"
 * reads them. Text in a standard font is Windows-1252 bytes; text in an
 * embedded (Type 0) font is glyph codes, turned back into characters with
 * the font's ToUnicode map. Also the embedded font programs, to check them.
 */

export interface PdfContents {
  readonly text: string;
  /** The embedded TrueType fonts: name, font file (FontFile2, decompressed), and glyph id → the text it draws. */
  readonly fonts: readonly EmbeddedFont[];
}

export interface EmbeddedFont {
  readonly name: string;
  readonly file: Buffer;
  readonly textOfGlyph: ReadonlyMap<number, string>;
}

interface PdfObject {
  readonly dict: string;
  readonly stream: Buffer | null;
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const raw = pdf.toString('latin1');
  const found = new Map<number, PdfObject>();
  for (const match of raw.matchAll(/(\d+) 0 obj\s*(<<[\s\S]*?>>)\s*(?:stream\r?\n([\s\S]*?)\r?\nendstream\s*)?endobj/dg)) {
    const dict = match[2]!;
    // A stream is as long as its /Length says: compressed bytes may end in a \r, which the pattern's optional \r
    // before \nendstream would otherwise take (about one stream in 256), cutting the data short.
    const length = dict.match(/\/Length\s+(\d+)(?!\s+\d+\s+R)/);
    const start = match.indices?.[3]?.[0];
    const data = match[3] === undefined ? undefined : length !== null && start !== undefined ? raw.slice(start, start + Number(length[1])) : match[3];
    let stream: Buffer | null = data === undefined ? null : Buffer.from(data, 'latin1');
    if (stream !== null && /\/Filter\s*\/FlateDecode/.test(dict)) stream = inflateSync(stream);
    found.set(Number(match[1]), { dict, stream });
  }
  return found;
}

const utf16 = (hex: string) => Buffer.from(hex, 'hex').swap16().toString('utf16le');

/** A ToUnicode CMap: glyph code (hex, upper case) → text. */
function toUnicode(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const pair of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(pair[1]!.toUpperCase(), utf16(pair[2]!));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const range of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      const [low, high, first] = [parseInt(range[1]!, 16), parseInt(range[2]!, 16), parseInt(range[3]!, 16)];
      for (let code = low; code <= high; code++) map.set(code.toString(16).toUpperCase().padStart(range[1]!.length, '0'), String.fromCodePoint(first + code - low));
    }
  }
  return map;
}

export function readPdf(pdf: Buffer): PdfContents {
  const all = objects(pdf);
  const reference = (dict: string, key: string) => {
    const match = dict.match(new RegExp(`/${key}\\s+(\\d+) 0 R`));
    return match === null ? null : all.get(Number(match[1]));
  };
  const windows1252 = new TextDecoder('windows-1252');
  const lines: string[] = [];
  for (const page of [...all.values()].filter((o) => /\/Type\s*\/Page\b/.test(o.dict))) {
    // The page's font names → how to read strings drawn in each.
    const fonts = new Map<string, Map<string, string> | null>();
    const fontDict = page.dict.match(/\/Font\s*<<([\s\S]*?)>>/)?.[1] ?? '';
    for (const entry of fontDict.matchAll(/\/(\S+)\s+(\d+) 0 R/g)) {
      const font = all.get(Number(entry[2]));
      const cmap = font === undefined ? null : reference(font.dict, 'ToUnicode');
      fonts.set(entry[1]!, cmap?.stream ? toUnicode(cmap.stream.toString('latin1')) : null);
    }
    // `/Contents 7 0 R` or `/Contents [ 7 0 R 8 0 R ]`: the page's content streams, read in order.
    const contents = page.dict.match(/\/Contents\s*(\[[^\]]*\]|\d+ 0 R)/)?.[1] ?? '';
    const content = [...contents.matchAll(/(\d+) 0 R/g)].map((ref) => all.get(Number(ref[1]))?.stream?.toString('latin1') ?? '').join('\n');
    let current: Map<string, string> | null = null;
    for (const op of content.matchAll(/\/(\S+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\(((?:\\.|[^\\)])*)\)\s*Tj/g)) {
      if (op[1] !== undefined) current = fonts.get(op[1]) ?? null;
      else if (op[2] !== undefined) {
        const hex = op[2].toUpperCase();
        if (current === null) lines.push(windows1252.decode(Buffer.from(hex, 'hex')));
        else lines.push((hex.match(/.{4}/g) ?? []).map((code) => current!.get(code) ?? '\uFFFD').join(''));
      } else lines.push(op[3]!);
    }
  }
  // A Type 0 font → its CID font → its descriptor → the file; codes are glyph ids (Identity-H, CIDToGIDMap Identity).
  const fonts: EmbeddedFont[] = [];
  for (const type0 of [...all.values()].filter((o) => /\/Subtype\s*\/Type0\b/.test(o.dict))) {
    const cidFont = all.get(Number(type0.dict.match(/\/DescendantFonts\s*\[\s*(\d+) 0 R/)?.[1]));
    const descriptor = cidFont === undefined ? undefined : reference(cidFont.dict, 'FontDescriptor');
    const file = descriptor === undefined || descriptor === null ? null : reference(descriptor.dict, 'FontFile2');
    const cmap = reference(type0.dict, 'ToUnicode');
    if (!file?.stream || !cmap?.stream) continue;
    const textOfGlyph = new Map([...toUnicode(cmap.stream.toString('latin1'))].map(([code, text]) => [parseInt(code, 16), text]));
    fonts.push({ name: type0.dict.match(/\/BaseFont\s*\/(\S+)/)![1]!, file: file.stream, textOfGlyph });
  }
  return { text: lines.join('\n'), fonts };
}
