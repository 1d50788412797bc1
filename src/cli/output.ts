import { ConfigError } from '../platform/config.ts';
import { maxDisplayWidth, padEndToWidth, padStartToWidth } from '../platform/text-width.ts';

/**
 * How every command talks: results to standard output (for people, or one
 * JSON object per line with --json), logs and errors to standard error, and
 * an exit code a script can branch on.
 */
export const EXIT_OK = 0;
/** The command ran and failed (database unreachable, audit found a problem…). */
export const EXIT_FAILURE = 1;
/** The command was not run: bad usage or bad configuration. */
export const EXIT_USAGE = 2;

/** An error whose message is for the person at the terminal, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

/**
 * An API timestamp as people read it: in this machine's time zone (or the
 * one given), named — `2026-12-07 04:52 GMT+8`. The API answers in UTC; a
 * person at a terminal should not have to convert.
 */
export function localTime(iso: string, timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone): string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
  const part = Object.fromEntries(format.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Aligned columns for people: `label   value` lines, or rows of more cells
 * (every column but the last padded to its widest cell; the columns named in
 * `alignRight` — amounts — padded on the left so their digits line up).
 */
export function printTable(io: Io, rows: ReadonlyArray<readonly string[]>, indent = '  ', options: { readonly alignRight?: readonly number[] } = {}): void {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  // Widths in display columns, not characters: a Chinese cell (two columns a character) lines up with a Latin one.
  const widths = Array.from({ length: columns }, (_, i) => maxDisplayWidth(rows.map((row) => row[i] ?? '')));
  for (const row of rows) {
    const cells = row.map((cell, i) => {
      if (options.alignRight?.includes(i)) return padStartToWidth(cell, widths[i]!);
      return i === row.length - 1 ? cell : padEndToWidth(cell, widths[i]!);
    });
    io.stdout.write(`${indent}${cells.join('  ')}\n`);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ConfigError) return EXIT_USAGE;
  return EXIT_FAILURE;
}

export function reportError(io: Io, error: unknown, json: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    const field = error instanceof ConfigError ? { field: error.field, source: error.source } : {};
    const kind = error instanceof ConfigError ? 'config_error' : 'error';
    io.stderr.write(`${JSON.stringify({ error: { type: kind, message, ...field } })}\n`);
  } else {
    io.stderr.write(`cardlane: ${message}\n`);
  }
}
