import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { BinTable } from '../../../src/network/bins.ts';
import { CardNetwork } from '../../../src/network/card-network.ts';
import { encodeLinkFrame } from '../../../src/network/iso8583/codec.ts';
import { frameOf } from '../../../src/network/iso8583/frames.ts';
import { Iso8583IssuerClient, type Iso8583IssuerClientOptions } from '../../../src/network/iso8583/issuer-client.ts';
import { Iso8583IssuerServer } from '../../../src/network/iso8583/issuer-server.ts';
import { IssuerUnreachableError } from '../../../src/network/issuer-unreachable.ts';
import type { AuthorizationRequest, AuthorizationResponse, FollowUpResponse } from '../../../src/network/messages.ts';
import { getNetworkMessage } from '../../../src/network/network-records.ts';
import { authorization, clearing, increment, networkFixture, RecordingIssuer, refund, reversal, sleep, withLuhn, type NetworkFixture } from '../network-fixture.ts';

// The issuer link over real sockets on 127.0.0.1 (port 0): many requests at once on a few connections, each
// answer matched to its request; a server that dies mid-request, and what the card network does about it
// (stand-in now, reversal and advice once the link is back); frames the server refuses without falling over.

const PAN = withLuhn('455555000000001');
const bins = new BinTable([{ prefix: '455555', brand: 'visa', country: 'US', funding: 'debit', issuer: 'remote-bank', issuerName: 'Remote Bank' }]);

/** The test issuer, with answers that come back in another order than the requests went: the larger the amount, the sooner. */
class ShuffledIssuer extends RecordingIssuer {
  override async authorize(request: AuthorizationRequest): Promise<AuthorizationResponse> {
    await sleep((1_000 - request.amount.minor) % 23);
    return super.authorize(request);
  }
}

let f: NetworkFixture;
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  f = await networkFixture();
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await f.cleanup();
});

async function serve(issuer: RecordingIssuer, port = 0): Promise<{ server: Iso8583IssuerServer; port: number }> {
  const server = new Iso8583IssuerServer({ issuer });
  const address = await server.listen(port);
  cleanups.push(() => server.close());
  return { server, port: address.port };
}

async function connectClient(port: number, options: Partial<Iso8583IssuerClientOptions> = {}): Promise<Iso8583IssuerClient> {
  const client = new Iso8583IssuerClient({ name: 'remote-bank', host: '127.0.0.1', port, clock: f.clock, reconnectMinMs: 20, reconnectMaxMs: 100, echoIntervalMs: 0, ...options });
  cleanups.push(() => client.close());
  client.connect();
  await client.whenConnected(2_000);
  return client;
}

test('requests sent at once on the link are answered concurrently, each answer matched to its own request', async () => {
  const issuer = new ShuffledIssuer('remote-bank');
  const { port } = await serve(issuer);
  const client = await connectClient(port, { connections: 3 });
  while (client.connected < 3) await sleep(5);

  const requests = Array.from({ length: 300 }, (_, i) => authorization(PAN, { amount: { minor: i + 1, currency: i % 2 ? 'USD' : 'JPY' }, cardholderName: i % 3 ? null : '张 伟' }));
  const finished: number[] = [];
  const answers = await Promise.all(
    requests.map(async (request, i) => {
      const answer = await client.authorize(request);
      finished.push(i);
      return answer;
    }),
  );
  for (const [i, answer] of answers.entries()) {
    assert.equal(answer.id, requests[i]!.id);
    assert.deepEqual(answer.approvedAmount, requests[i]!.amount);
    assert.equal(answer.issuerAuthorizationId, `remote-bank_auth_${requests[i]!.id}`);
  }
  assert.notDeepEqual(finished, [...finished].sort((a, b) => a - b), 'answers came back out of order: none waited for another');
  // The issuer got each request as it was sent, CVV2 included (the authorization is the one message that carries it).
  assert.deepStrictEqual(issuer.callsOf('authorization').map((c) => c.message as AuthorizationRequest).sort(byId), [...requests].sort(byId));

  // Follow-ups and an echo share the connections with them.
  const original = requests[0]!.id;
  const followUps = await Promise.all([
    client.incrementAuthorization(increment(original, 50, 'JPY')),
    client.clear(clearing(original, 1, true, 'JPY')),
    client.refund(refund(original, 1, 'JPY')),
    client.reverse(reversal(original, null)),
    client.reverse(reversal('never-authorized', 5)),
    client.echo(),
  ]);
  assert.deepEqual(
    followUps.slice(0, 5).map((a) => [(a as AuthorizationResponse | FollowUpResponse).type, a!.responseCode]),
    [['authorization_response', '00'], ['follow_up_response', '00'], ['follow_up_response', '00'], ['follow_up_response', '00'], ['follow_up_response', '12']],
  );
});

test('through the card network: a server killed mid-request is a stand-in at once (91), a dead link fails fast, and the stand-in is followed through once the link is back', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const first = await serve(issuer);
  const client = await connectClient(first.port);
  const network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [client], timeoutMs: 600, lateAnswerWaitMs: 300 });

  const approved = await network.authorize(authorization(PAN));
  assert.deepEqual([approved.responseCode, approved.decidedBy], ['00', 'issuer']);

  // The issuer is deciding when its server dies: the network does not wait out its time-out.
  issuer.authorizeBehaviour = { delayMs: 400 };
  const cut = authorization(PAN);
  const cutAnswer = network.authorize(cut);
  while (!issuer.calls.some((c) => c.id === cut.id)) await sleep(5);
  let started = performance.now();
  await first.server.close();
  const standIn = await cutAnswer;
  assert.deepEqual([standIn.responseCode, standIn.reason, standIn.decidedBy], ['91', 'issuer_unavailable', 'network']);
  assert.ok(performance.now() - started < 300, `stood in after ${performance.now() - started} ms`);
  assert.equal((await getNetworkMessage(f.db, cut.id))?.issuerOutcome, 'error');

  // While the link is down a request fails at once, and the network stands in for it too.
  started = performance.now();
  await assert.rejects(client.authorize(authorization(PAN)), IssuerUnreachableError);
  const whileDown = authorization(PAN);
  assert.equal((await network.authorize(whileDown)).responseCode, '91');
  assert.ok(performance.now() - started < 200, 'a dead link fails fast');

  // The server comes back on its port; the client reconnects by itself and the follow-through reaches the issuer.
  issuer.authorizeBehaviour = {};
  await serve(issuer, first.port);
  await client.whenConnected(2_000);
  await network.idle();
  for (const id of [cut.id, whileDown.id]) {
    assert.ok(issuer.calls.some((c) => c.type === 'reversal' && c.originalId === id), `the reversal of ${id} reached the issuer`);
    assert.ok(issuer.calls.some((c) => c.type === 'advice' && c.originalId === id), `the advice of ${id} reached the issuer`);
    const settled = await f.db.get<{ at: number | null }>('SELECT stand_in_settled_at_ms AS at FROM network_messages WHERE id = ?', [id]);
    assert.notEqual(settled?.at, null, `stand-in ${id} settled`);
  }
  assert.equal((await network.authorize(authorization(PAN))).responseCode, '00', 'the link works again');

  // An issuer that keeps silent on a live link: the network's own time-out (91); one that fails: 96.
  issuer.authorizeBehaviour = { delayMs: Infinity };
  started = performance.now();
  const silent = authorization(PAN);
  assert.deepEqual([(await network.authorize(silent)).responseCode, (await getNetworkMessage(f.db, silent.id))?.issuerOutcome], ['91', 'timeout']);
  assert.ok(performance.now() - started >= 550);
  issuer.authorizeBehaviour = { throws: true };
  const failing = await network.authorize(authorization(PAN));
  assert.deepEqual([failing.responseCode, failing.reason], ['96', 'system_malfunction']);
  await network.idle();
});

test('a frame over the limit, bytes that are not a message, or an answer where a request belongs close that connection only', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const { port } = await serve(issuer);
  const client = await connectClient(port);
  const trace = { transmittedAt: '1125120000', stan: '000001', rrn: '632912000001' };
  const answer = encodeLinkFrame({ trace, message: { kind: 'advice_acknowledgement', id: 'x' } });
  const refusedFrames: Array<[string, Buffer]> = [
    ['a header of 65,535 bytes (the limit is 12,288)', Buffer.from([0xff, 0xff, 0x30])],
    ['an empty frame', Buffer.from([0x00, 0x00])],
    ['bytes that are not ISO 8583', frameOf(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 12_288)],
    ['an answer (0130)', frameOf(answer, 12_288)],
  ];
  for (const [name, bytes] of refusedFrames) {
    const socket = await rawConnection(port);
    socket.write(bytes);
    assert.equal(await closedWithin(socket, 1_000), true, `${name}: the server closed the connection`);
  }
  // A frame cut short just waits for the rest; the connections that behave are not disturbed.
  const patient = await rawConnection(port);
  patient.write(Buffer.from([0x00, 0x40, 0x30]));
  assert.equal(await closedWithin(patient, 200), false);
  patient.destroy();
  await client.echo();
  assert.equal((await client.authorize(authorization(PAN))).responseCode, '00');
  assert.equal(client.connected, 2);
});

test('the client refuses to send what the wire cannot carry, and fails at once with no issuer listening', async () => {
  const { port, server } = await serve(new RecordingIssuer('remote-bank'));
  const client = await connectClient(port, { connections: 1 });
  await assert.rejects(client.authorize(authorization(PAN, { amount: { minor: 10 ** 12, currency: 'USD' } })), /from 0 to 999999999999/);
  await server.close();
  const lonely = new Iso8583IssuerClient({ name: 'remote-bank', host: '127.0.0.1', port, clock: f.clock, echoIntervalMs: 0 });
  cleanups.push(() => lonely.close());
  lonely.connect();
  await assert.rejects(lonely.authorize(authorization(PAN)), /no connection to issuer remote-bank/);
  await assert.rejects(lonely.whenConnected(100), /did not come up within 100 ms/);
});

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.resume();
  });
}
