import fc from 'fast-check';
import { request as httpRequest, Agent } from 'node:http';

/**
 * One generated HTTP request, kept as plain data so a failure can be
 * printed as the exact request that reproduces it. Credentials are named by
 * role ("merchant secret key") and resolved when sent, so a counterexample
 * reads as what the client was, not as a random token.
 */
export type AuthRole =
  | 'none'
  | 'operator'
  | 'cardholder'
  | 'other-cardholder'
  | 'merchant-secret'
  | 'merchant-publishable'
  | 'other-merchant-secret'
  | 'other-merchant-publishable'
  | 'org-key'
  | 'other-org-key';

export interface FuzzRequest {
  /** The operation, as in the OpenAPI document (`POST /v1/customers/{id}`). */
  readonly operation: string;
  /** What was done to make it (e.g. `valid`, `body: wrong type at amount`). */
  readonly variant: string;
  readonly method: string;
  /** Path and query string, sent byte for byte (already percent-encoded where needed). */
  readonly path: string;
  readonly auth: AuthRole;
  /** A raw Authorization header instead of a role's credential (malformed bearer, …). */
  readonly rawAuthorization?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface FuzzResponse {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly ms: number;
}

/** Makes fast-check print a counterexample as a curl command a person can paste. */
export function printable(request: FuzzRequest): FuzzRequest {
  return Object.assign(Object.create({ [fc.toStringMethod]: () => describeRequest(request) }), request) as FuzzRequest;
}

export function describeRequest(request: FuzzRequest): string {
  const lines = [`[${request.operation} — ${request.variant}]`, `curl -sS -X ${request.method} "$URL${shellSafe(request.path)}"`];
  if (request.rawAuthorization !== undefined) lines.push(`  -H 'authorization: ${shellSafe(request.rawAuthorization)}'`);
  else if (request.auth !== 'none') lines.push(`  -H "authorization: Bearer <${request.auth}>"`);
  for (const [name, value] of Object.entries(request.headers)) lines.push(`  -H '${name}: ${shellSafe(value)}'`);
  if (request.body !== undefined) lines.push(`  --data-binary $'${abbreviate(request.body)}'`);
  return lines.join(' \\\n');
}

/** Long runs of one character are folded (`a×100000`) and control or non-ASCII characters escaped, so a huge body still prints on a screen. */
function abbreviate(text: string): string {
  const folded = text.replace(/(.)\1{31,}/gsu, (run, char: string) => `${char}{×${[...run].length}}`);
  const escaped = [...folded]
    .map((char) => {
      const code = char.codePointAt(0)!;
      if (char === "'" || char === '\\') return `\\${char}`;
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      if (code > 0x7e) return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
      return char;
    })
    .join('');
  return escaped.length > 2_000 ? `${escaped.slice(0, 2_000)}… (${text.length} characters in all)` : escaped;
}

function shellSafe(text: string): string {
  const short = text.length > 500 ? `${text.slice(0, 500)}…(${text.length} chars)` : text;
  return short.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/'/g, "'\\''");
}

// One connection, reused: requests are sequential (so database snapshots
// around each one are meaningful), and a fresh TCP connection per request
// would be most of the run's time.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export class RequestTimedOut extends Error {}

/**
 * Sends a request with node:http rather than fetch: fetch normalizes paths
 * (`/a/../b`), refuses some headers and bodies, and we want the bytes we
 * generated to reach the server. A request the client library itself
 * refuses to send (an illegal header character) resolves to null: it tests
 * the client, not the server.
 */
export async function send(baseUrl: string, request: FuzzRequest, authorization: string | undefined, timeoutMs: number): Promise<FuzzResponse | null> {
  try {
    return await sendOnce(baseUrl, request, authorization, timeoutMs);
  } catch (error) {
    // A kept-alive connection the server had already closed (its keep-alive
    // time-out, or a refusal that closes the connection): Node's documented
    // remedy is to send again on a new one. A reset of a fresh connection is not retried.
    if (error instanceof StaleConnection) return sendOnce(baseUrl, request, authorization, timeoutMs);
    throw error;
  }
}

class StaleConnection extends Error {}

async function sendOnce(baseUrl: string, request: FuzzRequest, authorization: string | undefined, timeoutMs: number): Promise<FuzzResponse | null> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...request.headers };
  if (authorization !== undefined) headers.authorization = authorization;
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let req;
    try {
      req = httpRequest(
        { host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent, signal: AbortSignal.timeout(timeoutMs) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }),
          );
          res.on('error', (error) => reject(timedOut(error, timeoutMs)));
        },
      );
    } catch {
      resolve(null);
      return;
    }
    const sent = req;
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (sent.reusedSocket && (error.code === 'ECONNRESET' || error.message === 'socket hang up')) reject(new StaleConnection(error.message));
      else reject(timedOut(error, timeoutMs));
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function timedOut(error: Error, timeoutMs: number): Error {
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return new RequestTimedOut(`no answer within ${timeoutMs} ms (a hang)`);
  return error;
}

export function closeConnections(): void {
  agent.destroy();
}
