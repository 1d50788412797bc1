import {
  Iso8583IssuerClient,
  Iso8583IssuerServer,
  type IssuerClientStats,
  type IssuerLinkMode,
  type IssuerServerStats,
  type NetworkConfig,
} from '../network/index.ts';
import type { IssuerEndpoint } from '../network/messages.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';

/** How long `start` waits for the network's first connection to the issuer's server (on this machine: moments). */
const CONNECT_WITHIN_MS = 5_000;
const LOOPBACK = '127.0.0.1';

/** How the card network reaches Cardlane's issuer, and the sockets that takes. */
export interface IssuerLink {
  readonly mode: IssuerLinkMode;
  /** What the network is given as Cardlane's issuer. */
  readonly endpoint: IssuerEndpoint;
  /** `iso8583`: starts the issuer's server, then the network's connections to it. */
  start(): Promise<void>;
  /** Where the issuer's server listens (`127.0.0.1:<port>`) once started under `iso8583`; null in process. */
  address(): string | null;
  /** What each end of the link has counted (the network's client, the issuer's server); null in process, or before `start`. */
  stats(): IssuerLinkStats | null;
  /** The network answered 91 because `issuer` missed its time-out: counted when that is the issuer behind this link. */
  noteTimeout(issuer: string): void;
  close(): Promise<void>;
}

export interface IssuerLinkStats {
  readonly network: IssuerClientStats;
  readonly issuer: IssuerServerStats;
}

/**
 * Cardlane's issuer as the network reaches it: in process (its functions
 * called directly, with the AnswerRecorder that lets it write the network's
 * record in its own transaction), or over ISO 8583 on TCP on this machine,
 * exactly as an issuer elsewhere would be reached — the network writes its
 * own records then. The second proves the network needs nothing but the
 * wire from an issuer; it costs a round trip and the shared fsync.
 *
 * Both ends hold the deployment's link key (secrets.ts): the server is on a
 * port any user of this machine can open, and executes only messages whose
 * MAC proves they came from the network.
 *
 * 3-D Secure stays a call to the issuer's access control server either way:
 * in the world it is EMV 3DS over HTTPS, not ISO 8583.
 */
export function issuerLinkOf(
  settings: NetworkConfig,
  issuer: IssuerEndpoint,
  deps: { readonly clock: Clock; readonly logger: Logger; readonly linkKey: Buffer },
): IssuerLink {
  if (settings.issuerLink === 'in-process') {
    return {
      mode: 'in-process',
      endpoint: issuer,
      start: async () => undefined,
      address: () => null,
      stats: () => null,
      noteTimeout: () => undefined,
      close: async () => undefined,
    };
  }
  const log = deps.logger.child({ component: 'issuer-link' });
  const server = new Iso8583IssuerServer({ issuer, key: deps.linkKey, log, idleTimeoutMs: settings.issuerLinkIdleTimeoutMs });
  let client: Iso8583IssuerClient | null = null;
  const connected = (): Iso8583IssuerClient => {
    if (client === null) throw new Error('the ISO 8583 issuer link is not started');
    return client;
  };
  const endpoint: IssuerEndpoint = {
    name: issuer.name,
    authorize: (request) => connected().authorize(request),
    incrementAuthorization: (request) => connected().incrementAuthorization(request),
    reverse: (request) => connected().reverse(request),
    clear: (request) => connected().clear(request),
    refund: (request) => connected().refund(request),
    advise: (advice) => connected().advise(advice),
    ...(issuer.authenticate ? { authenticate: issuer.authenticate.bind(issuer) } : {}),
    ...(issuer.authenticationResult ? { authenticationResult: issuer.authenticationResult.bind(issuer) } : {}),
  };
  return {
    mode: 'iso8583',
    endpoint,
    async start() {
      const { port } = await server.listen(settings.issuerLinkPort, LOOPBACK).catch((error: NodeJS.ErrnoException) => {
        const where = `${LOOPBACK}:${settings.issuerLinkPort}`;
        if (error.code === 'EADDRINUSE') throw new Error(`cannot start the issuer's ISO 8583 server on ${where}: the port is in use (choose one with --issuer-link-port, or 0 for any)`);
        throw new Error(`cannot start the issuer's ISO 8583 server on ${where}: ${error.message}`, { cause: error });
      });
      client = new Iso8583IssuerClient({
        name: issuer.name,
        host: LOOPBACK,
        port,
        key: deps.linkKey,
        clock: deps.clock,
        log,
        echoIntervalMs: settings.issuerLinkEchoIntervalMs,
        echoTimeoutMs: settings.issuerLinkEchoTimeoutMs,
      });
      client.connect();
      await client.whenConnected(CONNECT_WITHIN_MS);
    },
    address() {
      const address = server.address;
      return address === null ? null : `${address.host}:${address.port}`;
    },
    stats() {
      return client === null ? null : { network: client.stats(), issuer: server.stats() };
    },
    noteTimeout(name) {
      if (name === issuer.name) client?.timedOut();
    },
    async close() {
      await client?.close();
      await server.close();
    },
  };
}
