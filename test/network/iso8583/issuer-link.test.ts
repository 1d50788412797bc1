import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { BinTable } from '../../../src/network/bins.ts';
import { CardNetwork } from '../../../src/network/card-network.ts';
import { encodeLinkFrame, type LinkFrame } from '../../../src/network/iso8583/codec.ts';
import { frameOf } from '../../../src/network/iso8583/frames.ts';
import { Iso8583IssuerClient, type Iso8583IssuerClientOptions } from '../../../src/network/iso8583/issuer-client.ts';
import { Iso8583IssuerServer } from '../../../src/network/iso8583/issuer-server.ts';
import type { LinkLog } from '../../../src/network/iso8583/link-log.ts';
import { linkKeyOf, sealMessage } from '../../../src/network/iso8583/message-mac.ts';
import { IssuerUnreachableError } from '../../../src/network/issuer-unreachable.ts';
import type { AuthorizationAdvice, AuthorizationRequest, AuthorizationResponse, FollowUpResponse } from '../../../src/network/messages.ts';
import { getNetworkMessage, listNetworkMessagesFor } from '../../../src/network/network-records.ts';
import { authorization, clearing, increment, networkFixture, RecordingIssuer, refund, reversal, sleep, withLuhn, type NetworkFixture } from '../network-fixture.ts';
import { closedWithin, linkProxy, rawConnection } from './link-proxy.ts';

// The issuer link over real sockets on 127.0.0.1 (port 0): many requests at once on a few connections, each
// answer matched to its request; a server that dies mid-request, and what the card network does about it
// (stand-in now, reversal and advice once the link is back); frames the server refuses without falling over.

const PAN = withLuhn('455555000000001');
/** The link key both ends hold (in a deployment, from its secret store). */
const KEY = randomBytes(32);
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

async function serve(issuer: RecordingIssuer, port = 0, log?: LinkLog): Promise<{ server: Iso8583IssuerServer; port: number }> {
  const server = new Iso8583IssuerServer({ issuer, key: KEY, ...(log ? { log } : {}) });
  const address = await server.listen(port);
  cleanups.push(() => server.close());
  return { server, port: address.port };
}

async function connectClient(port: number, options: Partial<Iso8583IssuerClientOptions> = {}): Promise<Iso8583IssuerClient> {
  const client = new Iso8583IssuerClient({ name: 'remote-bank', host: '127.0.0.1', port, key: KEY, clock: f.clock, reconnectMinMs: 20, reconnectMaxMs: 100, echoIntervalMs: 0, ...options });
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

test('a long outage: the stand-in’s reversal is recorded 91 (unreachable), and once the link is back the sweep delivers the reversal and the advice still owed, once', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const first = await serve(issuer);
  const client = await connectClient(first.port);
  const options = { db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [client], timeoutMs: 50, lateAnswerWaitMs: 20, adviceKey: randomBytes(32) };
  const network = new CardNetwork(options);
  await first.server.close();
  while (client.connected > 0) await sleep(5);

  // The issuer is out of reach for longer than the live follow-through retries: everything it owes fails.
  const request = authorization(PAN, { cardholderName: 'Wei Zhang' });
  const answer = await network.authorize(request);
  assert.deepEqual([answer.responseCode, answer.reason, answer.decidedBy], ['91', 'issuer_unavailable', 'network']);
  await network.idle();
  const trail = async () => (await listNetworkMessagesFor(f.db, request.id)).map((m) => [m.type, m.responseCode, m.reason, m.issuerOutcome]);
  assert.deepEqual(await trail(), [
    ['authorization', '91', 'issuer_unavailable', 'error'],
    ['reversal', '91', 'issuer_unavailable', 'error'],
    ['advice', '91', 'issuer_unavailable', 'error'],
  ]);
  assert.equal(issuer.calls.length, 0);
  // The advice waits, sealed: the card number it carries is not in the database in clear.
  const owed = await f.db.all<{ sealed: string }>('SELECT sealed FROM network_owed_advices WHERE original_id = ?', [request.id]);
  assert.equal(owed.length, 1);
  assert.equal(owed[0]!.sealed.includes(PAN), false);
  assert.equal(await network.owedAdvicesPending('remote-bank'), 1, 'what the link’s metrics show as owed');

  // The issuer is back; the sweep (here another process's network, with the deployment's advice key) finishes the follow-through.
  await serve(issuer, first.port);
  await client.whenConnected(2_000);
  const sweeper = new CardNetwork(options);
  const later = f.clock.nowMs() + 10 * 60_000;
  assert.deepEqual(await sweeper.settleOwedStandIns(later), { reversals: 1, advices: 1 });
  const advices = issuer.callsOf('advice');
  assert.equal(advices.length, 1);
  const advice = advices[0]!.message as AuthorizationAdvice;
  assert.deepEqual(
    [advice.id, advice.request.id, advice.request.card.pan, advice.request.card.cvv2, advice.request.cardholderName, advice.response.responseCode, advice.response.decidedBy],
    [`${request.id}.stand-in-advice`, request.id, PAN, null, 'Wei Zhang', '91', 'network'],
  );
  assert.deepEqual(await trail(), [
    ['authorization', '91', 'issuer_unavailable', 'error'],
    ['reversal', '12', 'unknown_original', 'answered'],
    ['advice', '91', 'issuer_unavailable', 'delivered'],
  ]);
  assert.deepEqual(await f.db.all('SELECT advice_id FROM network_owed_advices WHERE original_id = ?', [request.id]), [], 'no card number kept once delivered');
  assert.equal(await sweeper.owedAdvicesPending('remote-bank'), 0);

  // Once: the next sweep has nothing left to send.
  assert.deepEqual(await sweeper.settleOwedStandIns(later), { reversals: 0, advices: 0 });
  assert.equal(issuer.callsOf('advice').length, 1);
});

test('a cardholder name the wire could not carry is refused 12 over the link as in process, never answered 96; the longest allowed arrives whole', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const { port } = await serve(issuer);
  const client = await connectClient(port);
  const overTheLink = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [client] });
  const inProcess = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [issuer] });
  for (const network of [overTheLink, inProcess]) {
    // 1,200 bytes of UTF-8: more than private data's 999 bytes a value.
    const answer = await network.authorize(authorization(PAN, { cardholderName: '张'.repeat(400) }));
    assert.deepEqual([answer.responseCode, answer.reason, answer.decidedBy], ['12', 'invalid_cardholder_name', 'network']);
  }
  assert.equal(issuer.calls.length, 0);
  const longest = `${'张'.repeat(198)}😀`;
  assert.equal(longest.length, 200);
  assert.equal((await overTheLink.authorize(authorization(PAN, { cardholderName: longest }))).responseCode, '00');
  assert.equal((issuer.callsOf('authorization')[0]!.message as AuthorizationRequest).cardholderName, longest);
});

test('a frame over the limit, bytes that are not a message, or an answer where a request belongs close that connection only', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const { port } = await serve(issuer);
  const client = await connectClient(port);
  const trace = { transmittedAt: '1125120000', stan: '000001', rrn: '632912000001' };
  // Sealed with the right key: refused for what it is, not for its MAC.
  const answer = sealMessage(linkKeyOf(KEY, 'test'), encodeLinkFrame({ trace, message: { kind: 'advice_acknowledgement', id: 'x' } }));
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

test('a local user without the link key is refused: a refund, an authorization or an echo with no MAC or a wrong one closes its connection and reaches no issuer', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const warnings: Array<{ detail: Record<string, unknown>; message: string }> = [];
  const log: LinkLog = { info: () => undefined, warn: (detail, message) => void warnings.push({ detail, message }) };
  const { port } = await serve(issuer, 0, log);
  const client = await connectClient(port);
  const approved = await client.authorize(authorization(PAN));
  issuer.calls.length = 0;

  // Anyone can build the frames (the codec is no secret); only the key makes them count.
  const trace = { transmittedAt: '1125120000', stan: '000001', rrn: '632912000001' };
  const cvv2 = '987';
  const messages: Array<[string, LinkFrame['message']]> = [
    ['a refund of the approved payment', { kind: 'refund', request: refund(approved.id, 300) }],
    ['an authorization', { kind: 'authorization', request: authorization(PAN, { card: { pan: PAN, expMonth: 12, expYear: 2030, cvv2 } }) }],
    ['an echo', { kind: 'echo' }],
  ];
  const otherKey = linkKeyOf(randomBytes(32), 'attacker');
  const seals: Array<[string, (message: Buffer) => Buffer]> = [
    ['no MAC', (message) => message],
    ['a MAC under another key', (message) => sealMessage(otherKey, message)],
  ];
  for (const [what, message] of messages) {
    for (const [how, seal] of seals) {
      const socket = await rawConnection(port);
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write(frameOf(seal(encodeLinkFrame({ trace, message })), 12_288));
      assert.equal(await closedWithin(socket, 1_000), true, `${what} with ${how}: the connection is closed`);
      assert.deepEqual(received, [], `${what} with ${how}: not answered`);
    }
  }
  assert.equal(issuer.calls.length, 0, 'nothing reached the issuer');
  assert.equal(warnings.length, messages.length * seals.length);
  for (const { detail, message } of warnings) {
    assert.match(String(detail.why), /the message carries no MAC \(data element 128\)|the MAC \(data element 128\) does not match the message/);
    assert.match(message, /refused a frame; closing that connection/);
  }
  assert.equal(JSON.stringify(warnings).includes(PAN) || JSON.stringify(warnings).includes(cvv2), false, 'the warnings hold neither the card number nor the CVV2');

  // The network's own connections carry on, and what it sends is executed.
  assert.equal((await client.refund(refund(approved.id, 300))).responseCode, '00');
  assert.deepEqual(issuer.calls.map((c) => c.type), ['refund']);
  assert.equal(client.connected, 2);
});

test('an answer whose MAC does not match is a broken link: the call fails as unreachable, the network stands in (91) and follows through on a new connection', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const { port } = await serve(issuer);
  const proxy = await linkProxy(port);
  cleanups.push(() => proxy.close());
  const client = await connectClient(proxy.port, { connections: 1 });
  const network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [client], timeoutMs: 600, lateAnswerWaitMs: 100 });

  // The issuer's first answer has one byte changed on the way (a byte of element 126, before the MAC).
  let changed = 0;
  proxy.changeAnswer = (payload) => {
    if (changed > 0) return payload;
    changed += 1;
    const copy = Buffer.from(payload);
    const at = copy.length - 20;
    copy[at] = copy[at]! ^ 0x01;
    return copy;
  };
  const request = authorization(PAN);
  const answer = await network.authorize(request);
  assert.equal(changed, 1);
  assert.deepEqual([answer.responseCode, answer.reason, answer.decidedBy], ['91', 'issuer_unavailable', 'network']);
  assert.equal((await getNetworkMessage(f.db, request.id))?.issuerOutcome, 'error');

  // The issuer did approve (its answer was lost): the stand-in's reversal and advice reach it on the new connection.
  await client.whenConnected(2_000);
  await network.idle();
  assert.ok(issuer.calls.some((c) => c.type === 'reversal' && c.originalId === request.id), 'reversed');
  assert.ok(issuer.calls.some((c) => c.type === 'advice' && c.originalId === request.id), 'advised');
  assert.equal((await network.authorize(authorization(PAN))).responseCode, '00');
});

test('the client refuses to send what the wire cannot carry, and fails at once with no issuer listening', async () => {
  const { port, server } = await serve(new RecordingIssuer('remote-bank'));
  const client = await connectClient(port, { connections: 1 });
  await assert.rejects(client.authorize(authorization(PAN, { amount: { minor: 10 ** 12, currency: 'USD' } })), /from 0 to 999999999999/);
  await server.close();
  const lonely = new Iso8583IssuerClient({ name: 'remote-bank', host: '127.0.0.1', port, key: KEY, clock: f.clock, echoIntervalMs: 0 });
  cleanups.push(() => lonely.close());
  lonely.connect();
  await assert.rejects(lonely.authorize(authorization(PAN)), /no connection to issuer remote-bank/);
  await assert.rejects(lonely.whenConnected(100), /did not come up within 100 ms/);
});

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

test('strangers’ idle connections cannot keep the network out: one that shows no right MAC is closed after 2 s, and a full server makes room for the network by closing the oldest of them', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const server = new Iso8583IssuerServer({ issuer, key: KEY, maxConnections: 4 });
  const { port } = await server.listen(0);
  cleanups.push(() => server.close());
  // A local user takes every place the server has, and sends nothing.
  const strangers = await Promise.all(Array.from({ length: 4 }, () => rawConnection(port)));
  const strangersClosed = strangers.map((socket) => closedWithin(socket, 3_000));

  // The network's client still gets in (its first echo authenticates it at once), and a payment goes through.
  const client = await connectClient(port);
  const answer = await client.authorize(authorization(PAN, { amount: { minor: 500, currency: 'USD' } }));
  assert.equal(answer.responseCode, '00');
  assert.equal(await strangersClosed[0], true, 'the oldest stranger made room for the network');
  // The rest are closed once their 2 s are up, however many there were; the network's connection stays.
  assert.deepEqual(await Promise.all(strangersClosed), [true, true, true, true]);
  assert.equal(client.connected, 2, "both of the network's connections (its default) are in and stay");
  assert.equal((await client.authorize(authorization(PAN, { amount: { minor: 700, currency: 'USD' } }))).responseCode, '00');
});

// --- keeping a link alive -------------------------------------------------------------------------------------------
// A connection that authenticated once must not be held forever without traffic (a stuck peer, or half-open TCP after
// a network fault): the client echoes (0800, 70 = 301) when nothing has come on a connection for its echo interval and
// reconnects when no 0810 comes in time; the server closes a connection silent for longer than its idle bound.

const ECHO_TRACE = { transmittedAt: '1125120000', stan: '000001', rrn: '632912000001' };

test('an authenticated connection that goes silent is closed by the server after its idle bound; the network’s client, echoing when idle, keeps its own', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const server = new Iso8583IssuerServer({ issuer, key: KEY, idleTimeoutMs: 400 });
  const { port } = await server.listen(0);
  cleanups.push(() => server.close());

  // A peer with the key: one right echo, then nothing.
  const silent = await rawConnection(port);
  const answered = new Promise<Buffer>((resolve) => silent.once('data', resolve));
  silent.write(frameOf(sealMessage(linkKeyOf(KEY, 'test'), encodeLinkFrame({ trace: ECHO_TRACE, message: { kind: 'echo' } })), 12_288));
  assert.equal((await answered).toString('latin1', 2, 6), '0810', 'authenticated: its echo is answered');
  const started = performance.now();
  assert.equal(await closedWithin(silent, 3_000), true, 'the silent connection is closed');
  const after = performance.now() - started;
  assert.ok(after >= 350 && after < 1_500, `closed after ${Math.round(after)} ms of silence (bound 400 ms)`);

  // The network's client echoes after 100 ms without traffic: its connections are never that silent, and stay.
  const client = await connectClient(port, { echoIntervalMs: 100, echoTimeoutMs: 300 });
  while (client.connected < 2) await sleep(5);
  await sleep(1_200);
  assert.equal(client.connected, 2);
  assert.equal(client.stats().reconnects, 0, 'no connection of the network was closed');
  assert.equal(server.stats().idleCloses, 1);
  assert.equal((await client.authorize(authorization(PAN))).responseCode, '00');
});

test('a process that stalls longer than the idle bound (a long synchronous turn) does not close a live connection: silence is judged after reading what arrived, and so is an echo’s answer', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const server = new Iso8583IssuerServer({ issuer, key: KEY, idleTimeoutMs: 300 });
  const { port } = await server.listen(0);
  cleanups.push(() => server.close());
  const client = await connectClient(port, { connections: 1, echoIntervalMs: 100, echoTimeoutMs: 100 });
  await client.echo();
  for (let stall = 0; stall < 3; stall += 1) {
    const until = performance.now() + 700;
    while (performance.now() < until); // both ends share this process: neither reads, writes nor runs a timer meanwhile
    await sleep(150);
  }
  assert.deepEqual([client.stats().reconnects, client.stats().idleCloses, server.stats().idleCloses], [0, 0, 0]);
  assert.equal((await client.authorize(authorization(PAN))).responseCode, '00');
});

test('while answers flow the client sends no echo; when its peer stops answering, the echo finds it: the connection is closed, a new one made, and the next payment goes through the new one', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const { port } = await serve(issuer);
  const proxy = await linkProxy(port);
  cleanups.push(() => proxy.close());
  const client = await connectClient(proxy.port, { connections: 1, echoIntervalMs: 400, echoTimeoutMs: 200 });
  const network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [client], timeoutMs: 600, lateAnswerWaitMs: 100 });
  const echoes = (sent: readonly Buffer[]) => sent.filter((payload) => payload.toString('latin1', 0, 4) === '0800').length;

  // Traffic keeps the connection known to be alive: only the echo made on connecting goes out.
  const busyUntil = performance.now() + 1_200;
  while (performance.now() < busyUntil) {
    assert.equal((await network.authorize(authorization(PAN))).responseCode, '00');
    await sleep(20);
  }
  assert.equal(echoes(proxy.connections[0]!.sent), 1, 'no echo while answers came');

  // The peer goes quiet without closing (a stuck issuer's server, or a path that died without a reset).
  proxy.stall();
  while (proxy.connections.length < 2) await sleep(10);
  assert.ok(echoes(proxy.connections[0]!.sent) >= 2, 'an echo went out once the connection was idle');
  await client.whenConnected(2_000);
  while (client.connected < 1) await sleep(5);
  assert.equal(client.stats().reconnects, 1);
  assert.equal(client.stats().idleCloses, 1);

  const next = authorization(PAN);
  const answer = await network.authorize(next);
  assert.deepEqual([answer.responseCode, answer.decidedBy], ['00', 'issuer']);
  assert.ok(proxy.connections[1]!.sent.some((payload) => payload.toString('latin1', 0, 4) === '0100'), 'the payment went on the new connection');
  assert.equal(proxy.connections.length, 2);
});

// --- the link's metrics ---------------------------------------------------------------------------------------------

test('the link counts what it does: connections up, messages by type each way, MAC failures, reconnects, and the network’s time-outs (91)', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const { port, server } = await serve(issuer);
  const proxy = await linkProxy(port);
  cleanups.push(() => proxy.close());
  const client = await connectClient(proxy.port, { connections: 1 });
  const network = new CardNetwork({
    db: f.db,
    clock: f.clock,
    ids: f.ids,
    bins,
    issuers: [client],
    timeoutMs: 1_000,
    lateAnswerWaitMs: 100,
    onIssuerTimeout: (name) => {
      if (name === client.name) client.timedOut();
    },
  });

  // A payment: the echo made on connecting, then 0100 → 0110.
  assert.equal((await network.authorize(authorization(PAN))).responseCode, '00');
  assert.deepEqual(client.stats(), {
    connectionsUp: 1,
    reconnects: 0,
    sent: { '0800': 1, '0100': 1 },
    received: { '0810': 1, '0110': 1 },
    macFailures: 0,
    idleCloses: 0,
    timeouts: 0,
  });
  assert.deepEqual(server.stats(), { connections: 1, sent: { '0810': 1, '0110': 1 }, received: { '0800': 1, '0100': 1 }, macFailures: 0, idleCloses: 0 });

  // An answer changed on the way: a MAC failure at the network's end, which reconnects.
  proxy.changeAnswer = (payload) => {
    proxy.changeAnswer = (next) => next;
    const copy = Buffer.from(payload);
    copy[copy.length - 20] = copy[copy.length - 20]! ^ 0x01;
    return copy;
  };
  assert.equal((await network.authorize(authorization(PAN))).responseCode, '91');
  while (client.stats().reconnects < 1) await sleep(5);
  await network.idle();
  assert.equal(client.stats().macFailures, 1);
  assert.equal(client.stats().connectionsUp, 1);

  // A stranger's frame with a MAC under another key: a MAC failure at the issuer's end.
  const stranger = await rawConnection(port);
  stranger.write(frameOf(sealMessage(linkKeyOf(randomBytes(32), 'attacker'), encodeLinkFrame({ trace: ECHO_TRACE, message: { kind: 'echo' } })), 12_288));
  assert.equal(await closedWithin(stranger, 1_000), true);
  assert.equal(server.stats().macFailures, 1);

  // An issuer that keeps silent: the network answers 91 at its time-out, and says so to the link.
  issuer.authorizeBehaviour = { delayMs: Infinity };
  assert.equal((await network.authorize(authorization(PAN))).responseCode, '91');
  assert.equal(client.stats().timeouts, 1);
  issuer.authorizeBehaviour = {};
  await network.idle();
});
