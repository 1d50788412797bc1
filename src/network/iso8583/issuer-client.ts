import type { Clock } from '../../platform/clock.ts';
import { IssuerUnreachableError } from '../issuer-unreachable.ts';
import type {
  AuthorizationAdvice,
  AuthorizationRequest,
  AuthorizationResponse,
  ClearingRequest,
  FollowUpResponse,
  IncrementalAuthorizationRequest,
  IssuerEndpoint,
  RefundRequest,
  ReversalRequest,
} from '../messages.ts';
import type { LinkAnswer, LinkRequest } from './codec.ts';
import { checkMaxFrameBytes, DEFAULT_MAX_FRAME_BYTES } from './frames.ts';
import { LinkConnection } from './link-connection.ts';
import { SILENT_LINK_LOG, type LinkLog } from './link-log.ts';
import { LinkStats, type LinkCounts } from './link-stats.ts';
import { linkKeyOf } from './message-mac.ts';

export interface Iso8583IssuerClientOptions {
  /** The issuer's name on the network (routing tables, records). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The link key (32 bytes, the issuer's server holds the same): required, there is no unauthenticated link. */
  readonly key: Uint8Array;
  /** Elements 7 and 37 are stamped with this clock's time. */
  readonly clock: Clock;
  /** Persistent connections, each carrying many requests at once (default 2, at most 16). */
  readonly connections?: number;
  /**
   * How long a request waits for its answer before it fails (default 60 s, the most the network waits: its own
   * time-out answers the acquirer sooner; this bounds how long a late answer is still taken).
   */
  readonly requestTimeoutMs?: number;
  /** Requests in flight per connection (default 10,000); more fail at once. */
  readonly maxInFlight?: number;
  readonly maxFrameBytes?: number;
  readonly connectTimeoutMs?: number;
  /** Reconnecting waits this long after the first failure, twice as long after each next one, up to `reconnectMaxMs`. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /**
   * An echo (0800) on a connection after this long with nothing received on it (default 30 s; 0 for none). The
   * issuer's server closes a connection silent for longer than its idle bound (default 90 s): keep this well under it.
   */
  readonly echoIntervalMs?: number;
  /** No answer to an echo within this long (default 10 s) closes the connection, and a new one is made. */
  readonly echoTimeoutMs?: number;
  readonly log?: LinkLog;
}

/** The client's counters (link-stats.ts), with what only the client knows. */
export interface IssuerClientStats extends LinkCounts {
  /** Connections up now. */
  readonly connectionsUp: number;
  /** Times a connection came up again after it was lost (its issuer closed it, it broke, or an echo went unanswered). */
  readonly reconnects: number;
  /** Calls the network answered 91 in the issuer's stead because no answer came within its time-out (`timedOut`). */
  readonly timeouts: number;
}

/**
 * An issuer reached over ISO 8583 on TCP (codec.ts has the messages): the
 * network calls it as it calls an issuer in process. It holds a few
 * persistent connections and sends each request on the least busy one.
 *
 * A call on a link that is down, or that drops before the answer comes,
 * fails at once with IssuerUnreachableError: the network answers 91 in the
 * issuer's stead and follows the stand-in through (stand-in-follow-through.ts)
 * — a reversal, and an advice — once the link is back. An issuer that fails
 * (throws) on its side makes the call fail too, as in process. Every
 * message carries a MAC under the link key (message-mac.ts); an answer whose
 * MAC is missing or wrong fails the call as unreachable, like a dropped link.
 *
 * The network's AnswerRecorder is not taken: it writes the network's record
 * in the issuer's transaction when both share a database, which a wire
 * cannot carry; the network then writes the record itself. 3-D Secure is
 * not here either: it is EMV 3DS between the directory server and the
 * issuer's access control server, not ISO 8583.
 */
export class Iso8583IssuerClient implements IssuerEndpoint {
  readonly name: string;
  readonly #connections: readonly LinkConnection[];
  readonly #stats = new LinkStats();
  #timeouts = 0;
  readonly #requestTimeoutMs: number;
  readonly #where: string;

  constructor(options: Iso8583IssuerClientOptions) {
    this.name = options.name;
    this.#where = `${options.host}:${options.port}`;
    this.#requestTimeoutMs = bounded(options.requestTimeoutMs ?? 60_000, 1, 600_000, 'requestTimeoutMs');
    const count = bounded(options.connections ?? 2, 1, 16, 'connections');
    const settings = {
      host: options.host,
      port: bounded(options.port, 1, 65_535, 'port'),
      key: linkKeyOf(options.key, 'Iso8583IssuerClient'),
      maxFrameBytes: checkMaxFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
      connectTimeoutMs: bounded(options.connectTimeoutMs ?? 5_000, 1, 60_000, 'connectTimeoutMs'),
      reconnectMinMs: bounded(options.reconnectMinMs ?? 100, 1, 60_000, 'reconnectMinMs'),
      reconnectMaxMs: bounded(options.reconnectMaxMs ?? 5_000, 1, 600_000, 'reconnectMaxMs'),
      echoIntervalMs: bounded(options.echoIntervalMs ?? 30_000, 0, 3_600_000, 'echoIntervalMs'),
      echoTimeoutMs: bounded(options.echoTimeoutMs ?? 10_000, 1, 600_000, 'echoTimeoutMs'),
      maxInFlight: bounded(options.maxInFlight ?? 10_000, 1, 100_000, 'maxInFlight'),
      nowMs: () => options.clock.nowMs(),
      log: options.log ?? SILENT_LINK_LOG,
      stats: this.#stats,
    };
    this.#connections = Array.from({ length: count }, () => new LinkConnection(settings));
  }

  /** Opens the connections; each keeps reconnecting until `close`. */
  connect(): void {
    for (const connection of this.#connections) connection.start();
  }

  /** Resolves once a connection is up; rejects after `timeoutMs`. */
  async whenConnected(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IssuerUnreachableError(`the issuer link to ${this.#where} did not come up within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.race(this.#connections.map((c) => c.whenUp())), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** How many connections are up. */
  get connected(): number {
    return this.#connections.filter((c) => c.up).length;
  }

  /**
   * The network tells its issuer's client each time it answered 91 because this issuer's answer missed its
   * time-out: the link cannot see that itself (the network stops waiting; the request here waits on, up to
   * `requestTimeoutMs`, for a late answer the network still follows through).
   */
  timedOut(): void {
    this.#timeouts += 1;
  }

  stats(): IssuerClientStats {
    const reconnects = this.#connections.reduce((sum, c) => sum + c.reconnects, 0);
    return { connectionsUp: this.connected, reconnects, ...this.#stats.counts(), timeouts: this.#timeouts };
  }

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResponse> {
    return authorizationAnswer(await this.#send({ kind: 'authorization', request }));
  }

  async incrementAuthorization(request: IncrementalAuthorizationRequest): Promise<AuthorizationResponse> {
    return authorizationAnswer(await this.#send({ kind: 'incremental_authorization', request }));
  }

  async reverse(request: ReversalRequest): Promise<FollowUpResponse> {
    return followUpAnswer(await this.#send({ kind: 'reversal', request }));
  }

  async clear(request: ClearingRequest): Promise<FollowUpResponse> {
    return followUpAnswer(await this.#send({ kind: 'clearing', request }));
  }

  async refund(request: RefundRequest): Promise<FollowUpResponse> {
    return followUpAnswer(await this.#send({ kind: 'refund', request }));
  }

  /** 0120 → 0130. The advice repeats the authorization without its CVV2 (codec.ts never sends it there). */
  async advise(advice: AuthorizationAdvice): Promise<void> {
    const answer = await this.#send({ kind: 'advice', advice });
    if (answer.kind !== 'advice_acknowledgement') throw unexpected(answer);
  }

  /** 0800 → 0810 on the least busy connection: is the issuer there? */
  async echo(): Promise<void> {
    const answer = await this.#send({ kind: 'echo' });
    if (answer.kind !== 'echo_answer') throw unexpected(answer);
  }

  /** Closes every connection for good; calls in flight fail. */
  async close(): Promise<void> {
    for (const connection of this.#connections) connection.close();
  }

  async #send(message: LinkRequest): Promise<LinkAnswer> {
    let best: LinkConnection | null = null;
    for (const connection of this.#connections) if (connection.up && (best === null || connection.inFlight < best.inFlight)) best = connection;
    if (best === null) throw new IssuerUnreachableError(`no connection to issuer ${this.name} at ${this.#where}`);
    const answer = await best.request(message, this.#requestTimeoutMs);
    if (answer.kind === 'failure') throw new Error(`issuer ${this.name} failed to answer: ${answer.reason}`);
    return answer;
  }
}

function authorizationAnswer(answer: LinkAnswer): AuthorizationResponse {
  if (answer.kind !== 'authorization_answer') throw unexpected(answer);
  return answer.response;
}

function followUpAnswer(answer: LinkAnswer): FollowUpResponse {
  if (answer.kind !== 'follow_up_answer') throw unexpected(answer);
  return answer.response;
}

function unexpected(answer: LinkAnswer): Error {
  return new Error(`the issuer link carried an unexpected ${answer.kind}`);
}

function bounded(value: number, min: number, max: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`Iso8583IssuerClient: ${name} must be ${min} to ${max}, got ${value}`);
  return value;
}
