/**
 * Secrets a command needs (a card's number and security code) read from
 * standard input instead of the command line: a process's arguments are
 * readable by every user of the machine (`ps`) and land in shell history.
 *
 * At a terminal each value is asked for with its prompt on stderr and not
 * echoed; from a pipe the values are the input's non-empty lines, in order.
 */

/** What is read: a terminal (raw mode, no echo) or a pipe. */
export interface SecretSource extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export class SecretInputError extends Error {}

export async function readSecrets(
  prompts: readonly string[],
  source: SecretSource = process.stdin,
  promptTo: { write(text: string): unknown } = process.stderr,
): Promise<string[]> {
  if (source.isTTY === true && source.setRawMode !== undefined) {
    const values: string[] = [];
    for (const prompt of prompts) values.push(await readHiddenLine(source, prompt, promptTo));
    return values;
  }
  const lines = (await readAll(source)).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length < prompts.length) {
    throw new SecretInputError(`expected ${prompts.length} lines on standard input (${prompts.map((p) => p.replace(/:\s*$/, '')).join(', then ')}), got ${lines.length}`);
  }
  return lines.slice(0, prompts.length);
}

async function readAll(source: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  source.setEncoding('utf8');
  for await (const chunk of source) text += chunk as string;
  return text;
}

/** One line typed at a terminal without echoing it; Ctrl-C or Ctrl-D abandon it. */
function readHiddenLine(source: SecretSource, prompt: string, promptTo: { write(text: string): unknown }): Promise<string> {
  promptTo.write(prompt);
  source.setRawMode!(true);
  source.setEncoding('utf8');
  source.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (outcome: () => void) => {
      source.removeListener('data', onData);
      source.setRawMode!(false);
      source.pause();
      promptTo.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed.trim()));
        if (char === '\u0003' || char === '\u0004') return finish(() => reject(new SecretInputError('input abandoned')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    source.on('data', onData);
  });
}
