import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { refusedAddressReason, refusedHostReason, type WebhookNetworkPolicy } from './webhook-address-policy.ts';

/**
 * The one HTTP POST of a webhook delivery, on node:http rather than fetch
 * because it needs two things fetch does not give without another
 * dependency: its own DNS lookup, so that the address checked against the
 * network policy is the very address the socket connects to (no window for
 * DNS rebinding between a check and the connect), and a connect time-out of
 * its own. A receiver that never accepts the connection (a black-holed
 * address) costs its slot the short connect time-out, not the whole one.
 *
 * Redirects are never followed (a redirect could point the signed payload
 * anywhere, including at a refused address); no proxy from the environment
 * is used; only the first `readMaxBytes` of the answer are read.
 */

export interface WebhookPostOptions {
  /** The whole exchange: connect, send, headers and the read of the answer. */
  readonly timeoutMs: number;
  /** Until the TCP connection is up. */
  readonly connectTimeoutMs: number;
  readonly readMaxBytes: number;
  readonly policy: WebhookNetworkPolicy;
  /** The resolver behind the check; dns.lookup unless a test stands in a name server. */
  readonly resolve?: Resolver;
}

/** dns.lookup's shape, always asked for every address. */
export type Resolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface WebhookAnswer {
  readonly status: number;
  readonly text: string;
}

/** Why a POST got no answer, worded for the delivery log. */
export class WebhookTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTransportError';
  }
}

class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESSREFUSED';
}

export function postWebhook(url: string, headers: Record<string, string>, body: string, options: WebhookPostOptions): Promise<WebhookAnswer> {
  const target = new URL(url);
  if (!options.policy.allowPrivateNetworks) {
    // An IP literal is connected to without a lookup, so it is checked here; names are checked as they resolve.
    const reason = refusedHostReason(target.hostname);
    if (reason !== null) return Promise.reject(new WebhookTransportError(refusal(`${target.hostname} is ${reason}`)));
  }
  return new Promise<WebhookAnswer>((resolve, reject) => {
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    let request: ClientRequest | undefined;
    const finish = (error: Error | null, answer?: WebhookAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      request?.destroy();
      if (error === null) resolve(answer!);
      else reject(error);
    };
    const totalTimer = setTimeout(() => finish(new WebhookTransportError(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    request = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body, 'utf8')) },
      // A connection of its own each time: a pooled socket would skip the lookup that checks the address.
      agent: false,
      ...(options.policy.allowPrivateNetworks ? {} : { lookup: checkedLookup(options.resolve ?? dnsLookup) }),
    });
    request.on('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => finish(new WebhookTransportError(`connect timed out after ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    request.on('error', (error) => finish(new WebhookTransportError(describeTransportError(error))));
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let received = 0;
      const done = () =>
        finish(null, { status: response.statusCode ?? 0, text: new TextDecoder().decode(Buffer.concat(chunks).subarray(0, options.readMaxBytes)) });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.byteLength;
        // The rest is never read: enough to show why an endpoint refused, never a whole page.
        if (received >= options.readMaxBytes) done();
      });
      response.on('end', done);
      // A body cut short only shortens the excerpt: the status decides the outcome.
      response.on('error', done);
      response.on('close', done);
    });
    request.end(body);
  });
}

/** dns.lookup, refusing the whole name when any address it resolves to is refused (the connection may try each). */
function checkedLookup(resolve: Resolver) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void =>
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      for (const { address } of addresses) {
        const reason = refusedAddressReason(address);
        if (reason !== null) return callback(new RefusedAddressError(`${hostname} resolves to ${address}, ${reason}`), '');
      }
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
}

function refusal(detail: string): string {
  return `refused: ${detail}; webhooks go only to public addresses (acquirer.webhooksAllowPrivateNetworks is off)`;
}

function describeTransportError(error: Error): string {
  if (error instanceof RefusedAddressError) return refusal(error.message);
  const code = (error as NodeJS.ErrnoException).code;
  // "fetch failed: <code>" is the wording the delivery log has always used for a connection that failed.
  return (code ? `fetch failed: ${code}` : `fetch failed: ${error.message}`).slice(0, 500);
}
