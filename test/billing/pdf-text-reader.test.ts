import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { test } from 'node:test';
import { readPdf } from '../support/pdf-text.ts';

// The invoice tests read PDFs with test/support/pdf-text.ts. A compressed
// stream is arbitrary bytes: when its last byte is a \r, a reader that finds
// the stream's end by "\r?\nendstream" takes that byte for the line end and
// inflates a cut stream ("unexpected end of file") — about one stream in 256,
// so an invoice test failed now and then on whatever date the PDF carried.
test('a compressed stream that ends in \\r is read whole (its /Length says where it ends)', () => {
  let text = '';
  let data = Buffer.alloc(0);
  for (let i = 0; ; i++) {
    text = `BT /F1 12 Tf (Invoice line ${i}) Tj ET`;
    data = deflateSync(Buffer.from(text, 'latin1'));
    if (data[data.length - 1] === 0x0d) break;
  }
  const pdf = Buffer.concat([
    Buffer.from('%PDF-1.3\n1 0 obj\n<< /Type /Page /Contents 2 0 R >>\nendobj\n', 'latin1'),
    Buffer.from(`2 0 obj\n<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n%%EOF\n', 'latin1'),
  ]);
  assert.match(readPdf(pdf).text, /^Invoice line \d+$/m);
});
