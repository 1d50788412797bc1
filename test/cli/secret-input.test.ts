import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { readSecrets, SecretInputError, type SecretSource } from '../../src/cli/secret-input.ts';

/** A terminal as the CLI sees one: raw mode switched on while a value is typed, and off again after. */
function fakeTerminal(): { source: SecretSource; rawModes: boolean[]; type(text: string): void } {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(mode: boolean): void };
  const rawModes: boolean[] = [];
  stream.isTTY = true;
  stream.setRawMode = (mode) => void rawModes.push(mode);
  return { source: stream, rawModes, type: (text) => void stream.write(text) };
}

test('at a terminal each value is asked for on its own prompt and never echoed; backspace edits', async () => {
  const terminal = fakeTerminal();
  let shown = '';
  const reading = readSecrets(['Card number: ', 'Security code (CVC): '], terminal.source, { write: (text: string) => (shown += text) });
  terminal.type('4242 4242 4242 4249\u007f2\r');
  await new Promise((resolve) => setImmediate(resolve));
  terminal.type('123\n');
  assert.deepEqual(await reading, ['4242 4242 4242 4242', '123']);
  assert.equal(shown, 'Card number: \nSecurity code (CVC): \n', 'only the prompts are written, never what was typed');
  assert.deepEqual(terminal.rawModes, [true, false, true, false], 'the terminal is given back as it was');
});

test('Ctrl-C at the prompt abandons the input', async () => {
  const terminal = fakeTerminal();
  const reading = readSecrets(['Card number: '], terminal.source, { write: () => undefined });
  terminal.type('4242\u0003');
  await assert.rejects(reading, SecretInputError);
  assert.deepEqual(terminal.rawModes, [true, false]);
});

test('from a pipe the values are its non-empty lines, and too few is an error naming what was expected', async () => {
  const pipe = () => new PassThrough();
  const two = pipe();
  two.end('\n4242424242424242\r\n\n 123 \n');
  assert.deepEqual(await readSecrets(['Card number: ', 'Security code (CVC): '], two), ['4242424242424242', '123']);
  const one = pipe();
  one.end('4242424242424242\n');
  await assert.rejects(readSecrets(['Card number: ', 'Security code (CVC): '], one), /expected 2 lines on standard input \(Card number, then Security code \(CVC\)\), got 1/);
});
