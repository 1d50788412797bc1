import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { IssuerUnreachableError } from '../issuer-unreachable.ts';
import { answerMtiOf, decodeLinkFrame, encodeLinkFrame, isLinkRequest, type AnswerMti, type LinkAnswer, type LinkRequest, type Trace } from './codec.ts';
import { transmissionDateTime } from './element-values.ts';
import { FrameReader, frameOf } from './frames.ts';
import { Iso8583Error } from './iso8583-error.ts';
import type { LinkLog } from './link-log.ts';
import type { LinkStats } from './link-stats.ts';
import { openMessage, sealMessage, type LinkKey } from './message-mac.ts';

/**
 * One persistent TCP connection from the network to an issuer's server,
 * carrying many requests at once: each gets a STAN (element 11) unused
 * among those in flight and an RRN (37) made from the time and the STAN,
 * and its answer is the frame that echoes both. While the connection is
 * down a request fails at once (IssuerUnreachableError), so the network
 * stands in without waiting for its time-out; requests in flight when it
 * drops fail the same way. It reconnects by itself, waiting twice as long
 * after each failed attempt (up to `reconnectMaxMs`).
 *
 * Keeping alive. A connection that died without closing (half-open TCP
 * after a network fault, or a stuck peer) looks open: TCP's own keepalive
 * takes minutes to notice, and a payment sent on it would wait out the
 * network's time-out. So when nothing has arrived on a connection for
 * `echoIntervalMs`, the client sends an echo (0800, 70 = 301), as card
 * networks' links do; no 0810 within `echoTimeoutMs` closes the connection
 * and a new one is made. Only what arrives counts as traffic: requests
 * going out on a connection that answers nothing prove nothing. The echo
 * also keeps the issuer's server, which closes a connection silent for a
 * few echo intervals (issuer-server.ts), from closing a quiet but live one.
 *
 * Every request goes out with its MAC (message-mac.ts) and every answer
 * must carry a right one. An answer without is a broken link, not an
 * answer: the connection is closed, its requests fail as unreachable (the
 * network stands in, 91) and a new connection is made.
 */

export interface LinkConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly key: LinkKey;
  readonly maxFrameBytes: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** An echo after this long with nothing received on the connection; 0: no echoes. */
  readonly echoIntervalMs: number;
  readonly echoTimeoutMs: number;
  readonly maxInFlight: number;
  /** The time for elements 7 and 37 (the injected clock's). */
  readonly nowMs: () => number;
  readonly log: LinkLog;
  /** Counted into: shared by the client's connections. */
  readonly stats: LinkStats;
}

interface Pending {
  readonly rrn: string;
  readonly answerMti: AnswerMti;
  readonly resolve: (answer: LinkAnswer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const MAX_STAN = 999_999;
const KEEPALIVE_MS = 10_000;

export class LinkConnection {
  readonly #options: LinkConnectionOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #whenUp = new Set<() => void>();
  #socket: Socket | null = null;
  #up = false;
  #closed = false;
  #reconnectDelayMs: number;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #echoTimer: NodeJS.Timeout | null = null;
  #echoInFlight = false;
  /** When a frame last arrived on the current socket (performance.now(): real time, whatever a test's clock says). */
  #lastReceivedAt = 0;
  #everUp = false;
  #reconnects = 0;
  #stan = 0;

  constructor(options: LinkConnectionOptions) {
    this.#options = options;
    this.#reconnectDelayMs = options.reconnectMinMs;
  }

  get up(): boolean {
    return this.#up;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** How many times this connection came up again after it was lost. */
  get reconnects(): number {
    return this.#reconnects;
  }

  start(): void {
    if (this.#socket === null && this.#reconnectTimer === null && !this.#closed) this.#connect();
  }

  /** Resolves when the connection is up (at once if it is). */
  whenUp(): Promise<void> {
    if (this.#up) return Promise.resolve();
    return new Promise((resolve) => this.#whenUp.add(resolve));
  }

  /** Sends `message` and resolves with its answer; rejects when the link is down, drops, or no answer comes within `timeoutMs`. */
  request(message: LinkRequest, timeoutMs: number): Promise<LinkAnswer> {
    const socket = this.#socket;
    if (!this.#up || socket === null) return Promise.reject(new IssuerUnreachableError(`the issuer link to ${this.#where()} is down`));
    if (this.#pending.size >= this.#options.maxInFlight) return Promise.reject(new Error(`the issuer link to ${this.#where()} has ${this.#pending.size} messages in flight, its limit`));
    const nowMs = this.#options.nowMs();
    const stan = this.#nextStan();
    const trace: Trace = { transmittedAt: transmissionDateTime(nowMs), stan, rrn: retrievalReference(nowMs, stan) };
    let frame: Buffer;
    try {
      frame = frameOf(sealMessage(this.#options.key, encodeLinkFrame({ trace, message })), this.#options.maxFrameBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<LinkAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Given up once what has arrived is read (setImmediate runs after the loop's I/O): after this process stalled,
        // timers run before the sockets are read, and the answer may be waiting there.
        setImmediate(() => {
          if (this.#pending.get(stan)?.timer !== timer) return;
          this.#pending.delete(stan);
          reject(new IssuerUnreachableError(`no answer from the issuer at ${this.#where()} within ${timeoutMs} ms`));
        });
      }, timeoutMs);
      timer.unref();
      this.#pending.set(stan, { rrn: trace.rrn, answerMti: answerMtiOf(message), resolve, reject, timer });
      socket.write(frame);
      this.#options.stats.sent(mtiOf(frame, 2));
    });
  }

  /** Closes the connection for good: requests in flight fail, no reconnecting. */
  close(): void {
    this.#closed = true;
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#socket?.destroy();
  }

  #connect(): void {
    this.#reconnectTimer = null;
    if (this.#closed) return;
    const { host, port, connectTimeoutMs, maxFrameBytes } = this.#options;
    const socket = connect({ host, port });
    this.#socket = socket;
    const reader = new FrameReader(maxFrameBytes);
    let failure: Error | null = null;
    const connectTimer = setTimeout(() => socket.destroy(new Error(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    connectTimer.unref();
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEPALIVE_MS);
      this.#up = true;
      if (this.#everUp) this.#reconnects += 1;
      this.#everUp = true;
      this.#lastReceivedAt = performance.now();
      this.#reconnectDelayMs = this.#options.reconnectMinMs;
      this.#options.log.info({ issuer_link: this.#where() }, 'issuer link up');
      // An echo at once: the issuer's server keeps a connection only once a frame with a right MAC has come on it
      // (issuer-server.ts), and a connection waiting for its first payment would otherwise look like a stranger's.
      this.#echo();
      this.#startEchoes();
      for (const resolve of this.#whenUp) resolve();
      this.#whenUp.clear();
    });
    socket.on('data', (chunk: Buffer) => this.#receive(socket, reader, chunk));
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      this.#lost(socket, failure);
    });
  }

  #receive(socket: Socket, reader: FrameReader, chunk: Buffer): void {
    try {
      for (const payload of reader.push(chunk)) {
        const opened = openMessage(this.#options.key, payload);
        this.#lastReceivedAt = performance.now();
        this.#options.stats.received(mtiOf(opened, 0));
        const { trace, message } = decodeLinkFrame(opened);
        if (isLinkRequest(message)) throw new Error('the issuer sent a request; it only answers');
        const pending = this.#pending.get(trace.stan);
        // An answer after its request gave up waiting: nobody is left to tell.
        if (pending === undefined) continue;
        if (pending.rrn !== trace.rrn) throw new Error('an answer echoed a STAN with another RRN');
        if (answerMtiOfAnswer(message) !== pending.answerMti) throw new Error(`a ${answerMtiOfAnswer(message)} answered a request that expects a ${pending.answerMti}`);
        this.#pending.delete(trace.stan);
        clearTimeout(pending.timer);
        pending.resolve(message);
      }
    } catch (error) {
      if (error instanceof Iso8583Error && error.kind === 'unauthenticated') this.#options.stats.macFailure();
      // The stream can no longer be trusted to line up with our requests: start a new one.
      this.#options.log.warn({ issuer_link: this.#where(), error: (error as Error).message }, 'issuer link: the issuer broke the protocol; reconnecting');
      socket.destroy();
    }
  }

  #lost(socket: Socket, failure: Error | null): void {
    if (this.#socket !== socket) return;
    this.#socket = null;
    const wasUp = this.#up;
    this.#up = false;
    this.#stopEchoes();
    for (const [stan, pending] of this.#pending) {
      this.#pending.delete(stan);
      clearTimeout(pending.timer);
      pending.reject(new IssuerUnreachableError(`the issuer link to ${this.#where()} dropped before the answer came`));
    }
    if (wasUp) this.#options.log.warn({ issuer_link: this.#where(), error: failure?.message ?? null }, 'issuer link down; reconnecting');
    if (this.#closed) return;
    const delayMs = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delayMs * 2, this.#options.reconnectMaxMs);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
    this.#reconnectTimer.unref();
  }

  /**
   * Watches for idleness with one timer per connection, moved on lazily: a
   * frame arriving only notes the time, and the timer, when it fires early,
   * waits out the rest of the interval instead of echoing.
   */
  #startEchoes(): void {
    if (this.#options.echoIntervalMs === 0) return;
    this.#watchIdle(this.#options.echoIntervalMs);
  }

  #watchIdle(delayMs: number): void {
    this.#echoTimer = setTimeout(() => {
      const { echoIntervalMs } = this.#options;
      const quietMs = performance.now() - this.#lastReceivedAt;
      if (quietMs >= echoIntervalMs) {
        this.#echo();
        this.#watchIdle(echoIntervalMs);
      } else {
        this.#watchIdle(echoIntervalMs - quietMs);
      }
    }, Math.max(1, Math.ceil(delayMs)));
    this.#echoTimer.unref();
  }

  /** 0800 → 0810; silence from a connection that looks open means it is not: it is closed (and reconnected). */
  #echo(): void {
    if (this.#echoInFlight) return;
    this.#echoInFlight = true;
    const socket = this.#socket;
    this.request({ kind: 'echo' }, this.#options.echoTimeoutMs)
      .catch((error: Error) => {
        if (this.#socket !== socket || socket === null) return;
        this.#options.stats.idleClose();
        this.#options.log.warn({ issuer_link: this.#where(), error: error.message }, 'issuer link: no answer to an echo; closing the connection and reconnecting');
        socket.destroy();
      })
      .finally(() => {
        this.#echoInFlight = false;
      });
  }

  #stopEchoes(): void {
    if (this.#echoTimer !== null) clearTimeout(this.#echoTimer);
    this.#echoTimer = null;
  }

  #nextStan(): string {
    for (;;) {
      this.#stan = (this.#stan % MAX_STAN) + 1;
      const stan = String(this.#stan).padStart(6, '0');
      if (!this.#pending.has(stan)) return stan;
    }
  }

  #where(): string {
    return `${this.#options.host}:${this.#options.port}`;
  }
}

/** The MTI of a message at `at` in `bytes` (its first four characters; 2 in a frame, after the length). */
function mtiOf(bytes: Uint8Array, at: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', at, at + 4);
}

/** Element 37 as Visa builds it: last digit of the year, day of the year (3), hour (2), then the STAN (6). */
export function retrievalReference(nowMs: number, stan: string): string {
  const d = new Date(nowMs);
  const dayOfYear = Math.floor((nowMs - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  return `${d.getUTCFullYear() % 10}${String(dayOfYear).padStart(3, '0')}${String(d.getUTCHours()).padStart(2, '0')}${stan}`;
}

function answerMtiOfAnswer(answer: LinkAnswer): AnswerMti {
  switch (answer.kind) {
    case 'authorization_answer':
      return '0110';
    case 'advice_acknowledgement':
      return '0130';
    case 'echo_answer':
      return '0810';
    case 'follow_up_answer':
    case 'failure':
      return answer.mti;
  }
}
