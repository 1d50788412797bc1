/**
 * A TrueType font rewritten so that every glyph's outline starts on a
 * four-byte boundary (its `glyf` entry padded, `loca` in the long format).
 *
 * Why: pdf-lib subsets an embedded font with fontkit, which copies each used
 * glyph's bytes as they are and, when the subset is small, writes the short
 * `loca` format — offsets divided by two. Google's Noto Sans SC packs glyphs
 * without padding, so a glyph of odd length shifts every later offset by half
 * a byte: the subset's later glyphs decode as garbage and readers draw them
 * blank. Padded glyphs have even lengths, so any subset's offsets stay exact.
 * The font's outlines, metrics and every other table are unchanged.
 */

const HEADER = 12;
const RECORD = 16;

interface Table {
  readonly tag: string;
  readonly data: Uint8Array;
}

const align4 = (n: number) => (n + 3) & ~3;

function readTables(font: Uint8Array): { version: number; tables: Table[] } {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const version = view.getUint32(0);
  if (version !== 0x00010000 && version !== 0x74727565) throw new Error('not a TrueType font (glyf outlines)');
  const count = view.getUint16(4);
  const tables: Table[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER + i * RECORD;
    const tag = String.fromCharCode(font[at]!, font[at + 1]!, font[at + 2]!, font[at + 3]!);
    const offset = view.getUint32(at + 8);
    const length = view.getUint32(at + 12);
    tables.push({ tag, data: font.subarray(offset, offset + length) });
  }
  return { version, tables };
}

function checksum(data: Uint8Array): number {
  const padded = new Uint8Array(align4(data.length));
  padded.set(data);
  const view = new DataView(padded.buffer);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + view.getUint32(i)) >>> 0;
  return sum;
}

/** The glyph table with every glyph padded to a multiple of four bytes, and its long-format index. */
function alignGlyphs(glyf: Uint8Array, loca: Uint8Array, longFormat: boolean, glyphCount: number): { glyf: Uint8Array; loca: Uint8Array } {
  const locaView = new DataView(loca.buffer, loca.byteOffset, loca.byteLength);
  const offsetOf = (gid: number) => (longFormat ? locaView.getUint32(gid * 4) : locaView.getUint16(gid * 2) * 2);
  let size = 0;
  for (let gid = 0; gid < glyphCount; gid++) size += align4(offsetOf(gid + 1) - offsetOf(gid));
  const outGlyf = new Uint8Array(size);
  const outLoca = new Uint8Array((glyphCount + 1) * 4);
  const outLocaView = new DataView(outLoca.buffer);
  let at = 0;
  for (let gid = 0; gid < glyphCount; gid++) {
    const start = offsetOf(gid);
    const end = offsetOf(gid + 1);
    outLocaView.setUint32(gid * 4, at);
    outGlyf.set(glyf.subarray(start, end), at);
    at += align4(end - start);
  }
  outLocaView.setUint32(glyphCount * 4, at);
  return { glyf: outGlyf, loca: outLoca };
}

export function withAlignedGlyphs(font: Uint8Array): Uint8Array {
  const { version, tables } = readTables(font);
  const find = (tag: string) => {
    const table = tables.find((t) => t.tag === tag);
    if (table === undefined) throw new Error(`the font has no ${tag} table`);
    return table.data;
  };
  const head = new Uint8Array(find('head')); // a copy (a Buffer's slice() would share the font's bytes)
  const headView = new DataView(head.buffer);
  const maxp = find('maxp');
  const glyphCount = new DataView(maxp.buffer, maxp.byteOffset, maxp.byteLength).getUint16(4);
  const aligned = alignGlyphs(find('glyf'), find('loca'), headView.getInt16(50) === 1, glyphCount);
  headView.setInt16(50, 1); // indexToLocFormat: long
  headView.setUint32(8, 0); // checkSumAdjustment, set below once the whole file is known
  const replaced = tables.map((t): Table => (t.tag === 'glyf' ? { tag: t.tag, data: aligned.glyf } : t.tag === 'loca' ? { tag: t.tag, data: aligned.loca } : t.tag === 'head' ? { tag: t.tag, data: head } : t));

  const directory = HEADER + replaced.length * RECORD;
  const total = replaced.reduce((sum, t) => sum + align4(t.data.length), directory);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const entrySelector = Math.floor(Math.log2(replaced.length));
  view.setUint32(0, version);
  view.setUint16(4, replaced.length);
  view.setUint16(6, 16 * 2 ** entrySelector);
  view.setUint16(8, entrySelector);
  view.setUint16(10, replaced.length * 16 - 16 * 2 ** entrySelector);
  let offset = directory;
  let headOffset = 0;
  replaced.forEach((table, i) => {
    const at = HEADER + i * RECORD;
    for (let c = 0; c < 4; c++) out[at + c] = table.tag.charCodeAt(c);
    view.setUint32(at + 4, checksum(table.data));
    view.setUint32(at + 8, offset);
    view.setUint32(at + 12, table.data.length);
    out.set(table.data, offset);
    if (table.tag === 'head') headOffset = offset;
    offset += align4(table.data.length);
  });
  view.setUint32(headOffset + 8, (0xb1b0afba - checksum(out)) >>> 0);
  return out;
}
