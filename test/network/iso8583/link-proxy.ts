import { connect, createServer, type Socket } from 'node:net';
import { FrameReader, frameOf } from '../../../src/network/iso8583/frames.ts';

/** A plain TCP connection to a link's port: what anyone on the machine can open. */
export function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** True when the peer closes `socket` within `ms`. */
export function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.resume();
  });
}

/**
 * A TCP hop between an issuer link's client and its server, as anyone able
 * to watch or sit on the path would be: it keeps a copy of every frame the
 * client sends, and can change a frame the server answers with before
 * passing it on, or stall the connections open now (they stay open and
 * pass nothing either way: a path that died without a reset, or a stuck
 * peer). Nothing else is touched.
 */
export interface LinkProxy {
  readonly port: number;
  /** Every frame's payload the client sent, in order. */
  readonly sent: Buffer[];
  /** The connections the client has opened through the proxy so far, each with the payloads sent on it. */
  readonly connections: Array<{ readonly sent: Buffer[] }>;
  /** Given each answer's payload: the payload to pass on instead (the same one to leave it). */
  changeAnswer: (payload: Buffer) => Buffer;
  /** From now on the connections open now pass nothing on, either way, and stay open; new connections pass as before. */
  stall(): void;
  close(): Promise<void>;
}

export async function linkProxy(serverPort: number, maxFrameBytes = 12_288): Promise<LinkProxy> {
  const sockets = new Set<Socket>();
  const stalls: Array<() => void> = [];
  const proxy: LinkProxy = {
    port: 0,
    sent: [],
    connections: [],
    changeAnswer: (payload) => payload,
    stall: () => {
      for (const stall of stalls) stall();
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: serverPort });
    sockets.add(client).add(upstream);
    const fromClient = new FrameReader(maxFrameBytes);
    const fromServer = new FrameReader(maxFrameBytes);
    const connection = { sent: [] as Buffer[] };
    proxy.connections.push(connection);
    let stalled = false;
    stalls.push(() => void (stalled = true));
    client.on('data', (chunk: Buffer) => {
      // What the client sends is still seen (and kept) on a stalled connection; it just goes no further.
      for (const payload of fromClient.push(chunk)) {
        proxy.sent.push(Buffer.from(payload));
        connection.sent.push(Buffer.from(payload));
      }
      if (!stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) return;
      for (const payload of fromServer.push(chunk)) client.write(frameOf(proxy.changeAnswer(Buffer.from(payload)), maxFrameBytes));
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (proxy as { port: number }).port = (server.address() as { port: number }).port;
  return proxy;
}
