/**
 * The server side of `bench:payments`, in a process of its own so the load
 * generator does not share its event loop. Arguments: mode, source root,
 * data dir, database (a postgres:// URL, a SQLite file, or "sqlite" for the
 * data dir's own), and for `cardlane`
 * the number of customers to prepare ("0" for a second process on a
 * database another one prepared).
 *
 * `bare`: Fastify with one route that parses the same form body (the ceiling).
 * `cardlane`: `cardlane up` from the given source root — this tree, or a
 * git worktree of an older commit, so the old design is measured in the same
 * run — plus N customers, each with its own saved card 4242…, attached.
 * Prints one JSON line with what the load generator needs, then serves
 * until SIGTERM.
 *
 * Commands on stdin, one a line, each answered by one JSON line on stdout:
 * `tally` (statements and transactions this process has run so far, when
 * the source root counts them), `profile-start`, `profile-stop <file>`
 * (a V8 CPU profile of the window between them, written to the file) — so
 * the load generator counts and profiles the measured window only, not the
 * start-up and the customers' preparation.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import Fastify from 'fastify';
import { BENCH_MASTER_KEY } from './grown-database.ts';

const [mode, root, dataDir, database, customersText] = process.argv.slice(2);

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
  const body = 'amount=1000&currency=usd&customer=cus_bare&payment_method=pm_bare&confirm=true&off_session=true';
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, key: 'sk_test_bare', bodies: [body] })}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else if (mode === 'cardlane') {
  const { startCardlane } = (await import(`${root}/src/app/start.ts`)) as typeof import('../../src/app/start.ts');
  const flags = { dataDir, port: 0, ...(database !== 'sqlite' ? { database } : {}) };
  // The benchmarks' master key, so that a grown database's sealed secrets open here (grown-database.ts).
  const env = { CARDLANE_MASTER_KEY: BENCH_MASTER_KEY };
  const cardlane = await startCardlane({ flags, env, cwd: dataDir!, logDestination: { write: () => true } as never });
  const key = cardlane.demoMerchant.secret_key;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' };
  const call = async (path: string, body: string) => {
    const response = await fetch(`${cardlane.url}${path}`, { method: 'POST', headers, body });
    const json = (await response.json()) as { id: string };
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json.id;
  };
  const bodies: string[] = [];
  for (let i = 0; i < Number(customersText ?? 0); i++) {
    const customer = await call('/v1/customers', `email=bench${i}@example.com`);
    const pm = await call('/v1/payment_methods', 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123');
    await call(`/v1/payment_methods/${pm}/attach`, `customer=${customer}`);
    bodies.push(`amount=1000&currency=usd&customer=${customer}&payment_method=${pm}&confirm=true&off_session=true`);
  }
  process.stdout.write(`${JSON.stringify({ url: cardlane.url, key, bodies })}\n`);
  process.on('SIGTERM', () => void cardlane.close().then(() => process.exit(0)));
  await answerCommands(root!);
} else {
  process.stderr.write('usage: payments-child.ts bare|cardlane <source root> <data dir> <sqlite|postgres://…> [customers]\n');
  process.exit(2);
}

async function answerCommands(sourceRoot: string): Promise<void> {
  // An older checkout may not count its statements: then the tally is null.
  const tally = await import(`${sourceRoot}/src/platform/db/statement-tally.ts`).then(
    (module: typeof import('../../src/platform/db/statement-tally.ts')) => module.statementTally,
    () => null,
  );
  const session = new Session();
  session.connect();
  const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, argument] = line.trim().split(' ');
    if (command === 'tally') {
      answer(tally ? { statements: tally.statements, transactions: tally.transactions, commits: tally.commits ?? null, fusedMembers: tally.fusedMembers ?? null, fusedGroups: tally.fusedGroups ?? null, fusionsAbandoned: tally.fusionsAbandoned ?? null } : null);
    } else if (command === 'profile-start') {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      answer({ profiling: true });
    } else if (command === 'profile-stop' && argument) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(argument, JSON.stringify(profile));
      answer({ profile: argument });
    } else {
      answer({ error: `unknown command ${JSON.stringify(line)}` });
    }
  }
}
