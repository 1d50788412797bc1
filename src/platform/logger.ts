import pino from 'pino';
import { isSensitiveKey, loggableUrl, REDACTED, redactKeys, scrubLogLine } from './log-redaction.ts';

export type Logger = pino.Logger;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Anything pino can write lines to: a file stream, stderr, or an array in a test. */
export interface LogDestination {
  write(line: string): unknown;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Defaults to standard error, so standard output stays for the program's own output (`--json`). */
  readonly destination?: LogDestination;
  /** Fields on every line, for example `{ service: 'cardlane' }`. */
  readonly base?: Record<string, unknown>;
}

/**
 * Structured JSON logs that never carry a card number or a secret. Two
 * layers, because each catches what the other cannot:
 *
 * 1. By key, on the objects handed to the logger (the log call's fields,
 *    child-logger bindings, and what the `err`/`req`/`res` serializers
 *    produce): values under sensitive keys — `pan`, `cvc`, `password`,
 *    `api_key`… see `log-redaction.ts` for the list and what is left out —
 *    become `[REDACTED]` at any depth. pino's own `redact` option is not
 *    used: it matches fixed paths (`a.b`, `*.b`), so `{ card: { details: { cvc } } }`
 *    or `cardNumber` would pass it.
 * 2. By value, on the finished line: any 13–19 digit run that passes Luhn
 *    (spaces or dashes allowed between digits) becomes `424242******4242`.
 *    Working on the line means the message, error stacks and anything a
 *    library logs are covered too.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      // ISO time rather than epoch milliseconds: readable, and it keeps
      // 13-digit numbers off every line so the PAN check stays on its fast path.
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactKeys(bindings) as Record<string, unknown>,
        log: (record) => redactRecord(record),
      },
      serializers: {
        err: redacted(pino.stdSerializers.err),
        req: redacted(serializeRequest),
        res: redacted(serializeReply),
      },
    },
    scrubbingStream(destination),
  );
}

// Top-level keys that have a serializer (below): their raw values may be
// framework objects (a request holds its socket) and are left to the
// serializer, whose output is redacted instead.
const SERIALIZED_KEYS = new Set(['req', 'res', 'err']);

function redactRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (SERIALIZED_KEYS.has(key)) out[key] = value;
    else out[key] = isSensitiveKey(key) ? REDACTED : redactKeys(value);
  }
  return out;
}

function redacted<T>(serializer: (value: T) => unknown): (value: T) => unknown {
  return (value) => redactKeys(serializer(value));
}

interface RequestLike {
  id?: unknown;
  method?: string;
  url?: string;
  routeOptions?: { url?: string };
  ip?: string;
}

/**
 * Method, path and the route it matched; no headers and no body (which is
 * where API keys and card data travel). The query string is kept: the PAN
 * check still masks any card number in it.
 */
function serializeRequest(request: RequestLike): unknown {
  if (request === null || typeof request !== 'object') return request;
  return {
    method: request.method,
    url: typeof request.url === 'string' ? loggableUrl(request.url) : request.url,
    route: request.routeOptions?.url,
    remote_address: request.ip,
  };
}

function serializeReply(reply: { statusCode?: number }): unknown {
  if (reply === null || typeof reply !== 'object') return reply;
  return { status_code: reply.statusCode };
}

interface FlushableDestination extends LogDestination {
  flushSync?(): void;
  flush?(callback?: (error?: Error) => void): void;
}

/** Wraps the destination so every line is checked for card numbers just before it is written. */
function scrubbingStream(destination: FlushableDestination): FlushableDestination {
  return {
    write: (line: string) => destination.write(scrubLogLine(line)),
    flushSync: () => destination.flushSync?.(),
    flush: (callback) => (destination.flush ? destination.flush(callback) : callback?.()),
  };
}
