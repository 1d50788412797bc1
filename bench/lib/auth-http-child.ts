/**
 * The server side of the HTTP benchmark, in a process of its own so the load
 * generator does not share its event loop. `bare`: Fastify with one route
 * that parses a form body and answers JSON (the ceiling). `cardlane`: the
 * whole of `cardlane up` on a fresh data directory, plus a saved card.
 * Prints one JSON line with what the load generator needs, then serves
 * until killed.
 */
import Fastify from 'fastify';
import { startCardlane } from '../../src/app/start.ts';

const [mode, dataDir] = process.argv.slice(2);

if (mode === 'bare') {
  const app = Fastify();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.post('/v1/payment_intents', async (request) => {
    const body = request.body as Record<string, string>;
    return { id: 'pi_bare', object: 'payment_intent', amount: Number(body.amount), currency: body.currency, status: 'succeeded', metadata: {} };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, key: 'sk_test_bare', body: 'amount=1000&currency=usd&confirm=true' })}\n`);
} else if (mode === 'cardlane') {
  const cardlane = await startCardlane({ flags: { dataDir, port: 0 }, env: {}, cwd: dataDir!, logDestination: { write: () => true } as never });
  const key = cardlane.demoMerchant.secret_key;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' };
  const response = await fetch(`${cardlane.url}/v1/payment_methods`, {
    method: 'POST',
    headers,
    body: 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030',
  });
  const pm = (await response.json()) as { id: string };
  process.stdout.write(`${JSON.stringify({ url: cardlane.url, key, body: `amount=1000&currency=usd&payment_method=${pm.id}&confirm=true` })}\n`);
  process.on('SIGTERM', () => void cardlane.close().then(() => process.exit(0)));
} else {
  process.stderr.write('usage: auth-http-child.ts bare|cardlane <data dir>\n');
  process.exit(2);
}
