import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createBillingServices, type BillingServices } from '../../src/billing/billing-services.ts';
import { BillingProvider } from '../../src/billing/payments/provider.ts';
import { BILLING_TEST_CONFIG, type BillingPaymentsFixture } from './payments-fixture.ts';

/**
 * A plain HTTP relay between billing and the real acquirer that, for the
 * requests `lose` picks, lets the acquirer do the work and then cuts the
 * connection before its answer reaches billing — what a crash or a network
 * cut right after the provider call looks like from billing's side. Every
 * other request passes through untouched. Nothing of Cardlane is replaced:
 * the acquirer behind it is the real one.
 */
export interface LossyProvider {
  /** A billing wired like the fixture's, paying through the relay. */
  readonly billing: BillingServices;
  /** Requests (method and path) whose answers were cut. */
  readonly lost: string[];
  close(): Promise<void>;
}

/** `before`: cut the picked requests before they reach the acquirer (the call never happened) instead of after. */
export async function lossyProvider(b: BillingPaymentsFixture, lose: (method: string, path: string) => boolean, options: { before?: boolean } = {}): Promise<LossyProvider> {
  const upstream = new URL(b.f.url);
  const lost: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const picked = lose(incoming.method ?? 'GET', (incoming.url ?? '').split('?')[0]!);
      if (picked && options.before) {
        lost.push(`${incoming.method} ${incoming.url}`);
        incoming.socket.destroy();
        return;
      }
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer: IncomingMessage) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            if (picked) {
              lost.push(`${incoming.method} ${incoming.url}`);
              incoming.socket.destroy();
              return;
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(Buffer.concat(body));
          });
        },
      );
      forward.on('error', () => incoming.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const provider = new BillingProvider(
    { stripeBaseUrl: `http://127.0.0.1:${port}`, stripeSecretKey: b.f.merchant.secretKey, stripePublishableKey: b.f.merchant.publishableKey },
    '/nonexistent',
  );
  const billing = createBillingServices({ db: b.f.db, clock: b.f.clock, settings: BILLING_TEST_CONFIG, provider, ledger: b.f.ledger });
  return {
    billing,
    lost,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
