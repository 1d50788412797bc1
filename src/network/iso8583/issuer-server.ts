import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { IssuerEndpoint } from '../messages.ts';
import { answerMtiOf, decodeLinkFrame, encodeLinkFrame, isLinkRequest, type LinkAnswer, type LinkRequest, type Trace } from './codec.ts';
import { checkMaxFrameBytes, DEFAULT_MAX_FRAME_BYTES, FrameReader, frameOf } from './frames.ts';
import { Iso8583Error } from './iso8583-error.ts';
import { SILENT_LINK_LOG, type LinkLog } from './link-log.ts';
import { LinkStats, type LinkCounts } from './link-stats.ts';
import { linkKeyOf, openMessage, sealMessage, type LinkKey } from './message-mac.ts';

/** How long a new connection has to send its first frame with a right MAC (the network's client sends an echo at once). */
const AUTHENTICATE_WITHIN_MS = 2_000;
/** Three of the network's default echo intervals (30 s, issuer-client.ts): two echoes may be lost or late before a live connection is closed. */
const DEFAULT_IDLE_TIMEOUT_MS = 90_000;

export interface Iso8583IssuerServerOptions {
  /** Any issuer: each request is handed to it as the network would hand it in process. */
  readonly issuer: IssuerEndpoint;
  /** The link key (32 bytes, shared with the network's client): required, there is no unauthenticated link. */
  readonly key: Uint8Array;
  readonly maxFrameBytes?: number;
  /**
   * Connections at once (default 64). When all are taken, a new one makes room by closing the oldest connection that
   * has not yet sent a frame with a right MAC, or is closed itself if every one has.
   */
  readonly maxConnections?: number;
  /** Requests one connection may have with the issuer at once (default 1,000); past it, the connection is not read until one is answered. */
  readonly maxInFlightPerConnection?: number;
  /**
   * An authenticated connection on which no frame has come or gone for this long is closed (default 90 s): a peer
   * that proved itself once must not hold a place forever with no traffic. The network's client echoes on an idle
   * connection (by default after 30 s), so a live one is never this silent. Not while the issuer owes it answers.
   */
  readonly idleTimeoutMs?: number;
  readonly log?: LinkLog;
}

/** The server's counters (link-stats.ts), with its authenticated connections open now. */
export interface IssuerServerStats extends LinkCounts {
  readonly connections: number;
}

/**
 * The issuer's side of the ISO 8583 link: it listens, decodes each frame,
 * hands the request to the issuer it wraps and writes the answer back with
 * the request's STAN and RRN. Requests on a connection are answered
 * concurrently, each as soon as the issuer has decided it, not in order.
 * Echoes (0800) are answered at once, without the issuer.
 *
 * Every frame must carry a right MAC (message-mac.ts), echoes too, and is
 * checked before it is read: anyone on the machine can connect to the port,
 * and only the network holds the key. A frame without one, or one that is
 * oversized or not a message the link carries, closes its connection (the
 * peer is not the network, or the stream can no longer be trusted to line
 * up) and nothing else: other connections and the issuer go on. An issuer
 * that throws gets a failure answer (codec.ts), which the network treats as
 * a failed call.
 *
 * A connection that has shown a right MAC and then goes silent — no frame
 * either way for `idleTimeoutMs`, and no answer owed — is closed: a stuck
 * peer, or half-open TCP after a network fault, would otherwise keep its
 * place (and its memory) forever. The network's client keeps a quiet
 * connection alive with echoes.
 */
export class Iso8583IssuerServer {
  readonly #issuer: IssuerEndpoint;
  readonly #key: LinkKey;
  readonly #maxFrameBytes: number;
  readonly #maxInFlight: number;
  readonly #log: LinkLog;
  readonly #maxConnections: number;
  readonly #idleTimeoutMs: number;
  readonly #stats = new LinkStats();
  readonly #server: Server;
  /** Open connections, oldest first, each with whether a frame with a right MAC has come on it. */
  readonly #sockets = new Map<Socket, { authenticated: boolean }>();

  constructor(options: Iso8583IssuerServerOptions) {
    this.#issuer = options.issuer;
    this.#key = linkKeyOf(options.key, 'Iso8583IssuerServer');
    this.#maxFrameBytes = checkMaxFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.#maxInFlight = bounded(options.maxInFlightPerConnection ?? 1_000, 1, 100_000, 'maxInFlightPerConnection');
    this.#log = options.log ?? SILENT_LINK_LOG;
    this.#maxConnections = bounded(options.maxConnections ?? 64, 1, 10_000, 'maxConnections');
    this.#idleTimeoutMs = bounded(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 1, 3_600_000, 'idleTimeoutMs');
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** Starts listening (port 0: any free port) and resolves with where. */
  listen(port: number, host = '127.0.0.1'): Promise<{ readonly host: string; readonly port: number }> {
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      this.#server.once('error', failed);
      this.#server.listen(port, host, () => {
        this.#server.off('error', failed);
        resolve(this.address!);
      });
    });
  }

  get address(): { readonly host: string; readonly port: number } | null {
    const address = this.#server.address() as AddressInfo | null;
    return address === null ? null : { host: address.address, port: address.port };
  }

  stats(): IssuerServerStats {
    let connections = 0;
    for (const state of this.#sockets.values()) if (state.authenticated) connections += 1;
    return { connections, ...this.#stats.counts() };
  }

  /** Stops listening and closes every connection (answers still being decided are dropped). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const socket of this.#sockets.keys()) socket.destroy();
    });
  }

  #accept(socket: Socket): void {
    // Anyone on the machine can connect; only the network holds the key. Strangers' connections, however many, must not
    // keep the network's out: one that shows no right MAC in time is closed, and a full server closes the oldest of them.
    if (this.#sockets.size >= this.#maxConnections && !this.#closeOldestUnauthenticated()) {
      socket.destroy();
      return;
    }
    const state = { authenticated: false };
    this.#sockets.set(socket, state);
    const deadline = setTimeout(() => {
      if (!state.authenticated) refuse(`no frame with a right MAC within ${AUTHENTICATE_WITHIN_MS} ms of connecting`);
    }, AUTHENTICATE_WITHIN_MS);
    deadline.unref();
    socket.setNoDelay(true);
    const reader = new FrameReader(this.#maxFrameBytes);
    let inFlight = 0;
    let refused = false;
    /** When a frame last came or went (performance.now(): real time); the idle watch starts at the first right MAC. */
    let lastTrafficAt = performance.now();
    let idleTimer: NodeJS.Timeout | null = null;
    // One timer a connection, moved on lazily: traffic only notes the time; the timer, when it fires early, waits out the rest.
    const watchIdle = (delayMs: number) => {
      idleTimer = setTimeout(() => {
        if (!silentTooLong()) return watchIdle(inFlight > 0 ? this.#idleTimeoutMs : this.#idleTimeoutMs - (performance.now() - lastTrafficAt));
        // Judged again once what has arrived is read (setImmediate runs after the loop's I/O): after this process
        // stalled (a long synchronous turn), timers run before the sockets are read, and the peer's echo may be waiting.
        setImmediate(() => {
          if (socket.destroyed) return;
          if (!silentTooLong()) return watchIdle(this.#idleTimeoutMs - (performance.now() - lastTrafficAt));
          this.#stats.idleClose();
          this.#log.warn({ peer: `${socket.remoteAddress}:${socket.remotePort}`, silent_ms: Math.round(performance.now() - lastTrafficAt) }, 'issuer link: a connection stayed silent; closing it');
          socket.destroy();
        });
      }, Math.max(1, Math.ceil(delayMs)));
      idleTimer.unref();
    };
    /** Nothing came or went for the idle bound, and the issuer owes the connection no answer. */
    const silentTooLong = () => inFlight === 0 && performance.now() - lastTrafficAt >= this.#idleTimeoutMs;
    const send = (frame: Buffer) => {
      socket.write(frame);
      lastTrafficAt = performance.now();
      this.#stats.sent(frame.toString('latin1', 2, 6));
    };
    // The reason names an element and what is wrong, never a value (iso8583-error.ts): a frame may hold a PAN or a CVV2.
    const refuse = (why: string) => {
      if (refused) return;
      refused = true;
      this.#log.warn({ peer: `${socket.remoteAddress}:${socket.remotePort}`, why }, 'issuer link: refused a frame; closing that connection');
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      if (refused) return;
      let payloads: Buffer[];
      try {
        payloads = reader.push(chunk);
      } catch (error) {
        return refuse((error as Error).message);
      }
      for (const payload of payloads) {
        let request: LinkRequest;
        let trace: Trace;
        try {
          const opened = openMessage(this.#key, payload);
          lastTrafficAt = performance.now();
          this.#stats.received(opened.toString('latin1', 0, 4));
          if (!state.authenticated) {
            state.authenticated = true;
            watchIdle(this.#idleTimeoutMs);
          }
          const frame = decodeLinkFrame(opened);
          if (!isLinkRequest(frame.message)) return refuse('an answer arrived where only requests belong');
          request = frame.message;
          trace = frame.trace;
        } catch (error) {
          if (error instanceof Iso8583Error && error.kind === 'unauthenticated') this.#stats.macFailure();
          return refuse((error as Error).message);
        }
        if (request.kind === 'echo') {
          send(this.#frame(trace, request, { kind: 'echo_answer' }));
          continue;
        }
        const toIssuer = request;
        inFlight += 1;
        // Back-pressure: an issuer that falls behind stops this connection's reading, not the process's memory.
        if (inFlight >= this.#maxInFlight) socket.pause();
        void this.#answer(toIssuer)
          .then((answer) => {
            inFlight -= 1;
            if (socket.destroyed) return;
            send(this.#frame(trace, toIssuer, answer));
            if (inFlight < this.#maxInFlight && !refused) socket.resume();
          })
          // Not reachable (#answer and #frame turn every failure into an answer); a bug must not take the process down.
          .catch((error: unknown) => refuse(`answering failed: ${(error as Error)?.message ?? String(error)}`));
      }
    });
    // A peer that resets is ordinary; 'close' follows.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(deadline);
      if (idleTimer !== null) clearTimeout(idleTimer);
      this.#sockets.delete(socket);
    });
  }

  /** Closes the oldest connection that has shown no right MAC yet; false when every open one has. */
  #closeOldestUnauthenticated(): boolean {
    for (const [socket, state] of this.#sockets) {
      if (state.authenticated) continue;
      this.#log.warn({ peer: `${socket.remoteAddress}:${socket.remotePort}` }, 'issuer link: full; closing the oldest connection that has shown no right MAC');
      this.#sockets.delete(socket);
      socket.destroy();
      return true;
    }
    return false;
  }

  async #answer(request: IssuerRequest): Promise<LinkAnswer> {
    const issuer = this.#issuer;
    try {
      switch (request.kind) {
        case 'authorization':
          return { kind: 'authorization_answer', response: await issuer.authorize(request.request) };
        case 'incremental_authorization':
          return { kind: 'authorization_answer', response: await issuer.incrementAuthorization(request.request) };
        case 'reversal':
          return { kind: 'follow_up_answer', mti: '0410', response: await issuer.reverse(request.request) };
        case 'clearing':
          return { kind: 'follow_up_answer', mti: '0230', response: await issuer.clear(request.request) };
        case 'refund':
          return { kind: 'follow_up_answer', mti: '0230', response: await issuer.refund(request.request) };
        case 'advice':
          await issuer.advise(request.advice);
          return { kind: 'advice_acknowledgement', id: request.advice.id };
      }
    } catch (error) {
      this.#log.warn({ issuer: issuer.name, message_kind: request.kind, error: (error as Error)?.message ?? String(error) }, 'issuer link: the issuer failed a request');
      return failure(request, 'issuer_failed');
    }
  }

  /** The answer's frame; an answer that cannot be put on the wire becomes a failure, which always can. */
  #frame(trace: Trace, request: LinkRequest, answer: LinkAnswer): Buffer {
    try {
      return this.#sealed(trace, answer);
    } catch (error) {
      // An echo's answer is fixed text: it always encodes.
      if (request.kind === 'echo') throw error;
      this.#log.warn({ issuer: this.#issuer.name, message_kind: request.kind, error: (error as Error).message }, 'issuer link: the issuer\'s answer does not fit ISO 8583');
      try {
        return this.#sealed(trace, failure(request, 'unencodable_answer'));
      } catch {
        return this.#sealed(trace, { ...failure(request, 'unencodable_answer'), id: '' });
      }
    }
  }

  #sealed(trace: Trace, answer: LinkAnswer): Buffer {
    return frameOf(sealMessage(this.#key, encodeLinkFrame({ trace, message: answer })), this.#maxFrameBytes);
  }
}

/** A request the issuer answers (an echo is answered by the server itself). */
type IssuerRequest = Exclude<LinkRequest, { readonly kind: 'echo' }>;
type Failure = Extract<LinkAnswer, { readonly kind: 'failure' }>;

function failure(request: IssuerRequest, reason: string): Failure {
  const mti = answerMtiOf(request) as Failure['mti'];
  return { kind: 'failure', mti, id: request.kind === 'advice' ? request.advice.id : request.request.id, reason };
}

function bounded(value: number, min: number, max: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`Iso8583IssuerServer: ${name} must be ${min} to ${max}, got ${value}`);
  return value;
}
