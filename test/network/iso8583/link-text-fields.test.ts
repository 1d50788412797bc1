import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { BinTable } from '../../../src/network/bins.ts';
import { CardNetwork } from '../../../src/network/card-network.ts';
import { Iso8583IssuerClient } from '../../../src/network/iso8583/issuer-client.ts';
import { Iso8583IssuerServer } from '../../../src/network/iso8583/issuer-server.ts';
import type { AuthorizationRequest, AuthorizationResponse } from '../../../src/network/messages.ts';
import { authorization, networkFixture, RecordingIssuer, withLuhn, type NetworkFixture } from '../network-fixture.ts';

// Every text field of an authorization that crosses the ISO 8583 link — the acquirer's and the merchant's ids, the
// merchant's name, the AVS address line and postal code, the merchant's customer reference, the 3-D Secure value, the
// cardholder's name — with any string at all, lone UTF-16 surrogates included: the network answers the same code in
// process as over the link. Text the wire cannot carry (half a character has no UTF-8) is refused 12 at the network's
// edge in both modes, with the field's reason; text it can carry arrives at the issuer exactly as sent.

const PAN = withLuhn('455555000000001');
const KEY = randomBytes(32);
const bins = new BinTable([{ prefix: '455555', brand: 'visa', country: 'US', funding: 'debit', issuer: 'remote-bank', issuerName: 'Remote Bank' }]);

let f: NetworkFixture;
let server: Iso8583IssuerServer;
let client: Iso8583IssuerClient;

before(async () => {
  f = await networkFixture();
  server = new Iso8583IssuerServer({ issuer: new RecordingIssuer('remote-bank'), key: KEY });
  const { port } = await server.listen(0);
  client = new Iso8583IssuerClient({ name: 'remote-bank', host: '127.0.0.1', port, key: KEY, clock: f.clock, connections: 1, echoIntervalMs: 0 });
  client.connect();
  await client.whenConnected(2_000);
});
after(async () => {
  await client?.close();
  await server?.close();
  await f.cleanup();
});

/** One UTF-16 unit of any kind: printable ASCII, any code point (astral ones are two units), or half a surrogate pair. */
const unit = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\ud83d', '\ude00', '\ud83d\ude00', ' ', '张'),
);
/** Short strings, and now and then one around a field's limit (100 for the merchant's name, 200 and 255 for others). */
const anyText = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ unit: fc.constantFrom('a', '张', '😀'), minLength: 90, maxLength: 130 }), fc.string({ unit, maxLength: 3 })).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ unit: fc.constantFrom('a', '张'), minLength: 195, maxLength: 260 }), fc.string({ unit, maxLength: 3 })).map(([a, b]) => a + b) },
);

const TEXT_FIELDS = ['acquirerId', 'merchantId', 'merchantName', 'avsLine1', 'avsPostalCode', 'merchantCustomerRef', 'authenticationValue', 'cardholderName'] as const;
type TextField = (typeof TEXT_FIELDS)[number];

function withText(request: AuthorizationRequest, field: TextField, value: string): AuthorizationRequest {
  const avs = request.avs ?? { line1: null, postalCode: null };
  switch (field) {
    case 'acquirerId':
      return { ...request, merchant: { ...request.merchant, acquirerId: value } };
    case 'merchantId':
      return { ...request, merchant: { ...request.merchant, merchantId: value } };
    case 'merchantName':
      return { ...request, merchant: { ...request.merchant, name: value } };
    case 'avsLine1':
      return { ...request, avs: { ...avs, line1: value } };
    case 'avsPostalCode':
      return { ...request, avs: { ...avs, postalCode: value } };
    case 'merchantCustomerRef':
      return { ...request, merchantCustomerRef: value };
    case 'authenticationValue':
      return { ...request, authentication: { transactionId: 'tds_1', value, eci: '05' } };
    case 'cardholderName':
      return { ...request, cardholderName: value };
  }
}

const outcome = (a: AuthorizationResponse) => [a.responseCode, a.reason, a.decidedBy];

test('any text in any field that crosses the link: the same answer in process and over the link, and what is approved arrives whole', async () => {
  const inProcessIssuer = new RecordingIssuer('remote-bank');
  const inProcess = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [inProcessIssuer] });
  const linkIssuer = new RecordingIssuer('remote-bank');
  const linkServer = new Iso8583IssuerServer({ issuer: linkIssuer, key: KEY });
  const { port } = await linkServer.listen(0);
  const linkClient = new Iso8583IssuerClient({ name: 'remote-bank', host: '127.0.0.1', port, key: KEY, clock: f.clock, connections: 1, echoIntervalMs: 0 });
  linkClient.connect();
  await linkClient.whenConnected(2_000);
  const overTheLink = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [linkClient] });
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...TEXT_FIELDS), anyText), { minLength: 1, maxLength: 3 }), async (changes) => {
        const base = changes.reduce((request, [field, value]) => withText(request, field, value), authorization(PAN));
        const here = await inProcess.authorize(base);
        const there = await overTheLink.authorize({ ...base, id: `${base.id}_link` });
        assert.deepEqual(outcome(there), outcome(here), `${JSON.stringify(changes)}: in process ${here.responseCode} ${here.reason}, over the link ${there.responseCode} ${there.reason}`);
        // Never a wire failure: a field either reaches the issuer or is refused at the network's edge.
        assert.ok(there.responseCode === '00' || (there.responseCode === '12' && there.decidedBy === 'network'), `${there.responseCode} ${there.reason}`);
        if (there.responseCode === '00') {
          const received = linkIssuer.calls.at(-1)!.message as AuthorizationRequest;
          assert.deepStrictEqual(received, { ...base, id: `${base.id}_link` }, 'carried losslessly');
        }
      }),
      { numRuns: 150 },
    );
  } finally {
    await linkClient.close();
    await linkServer.close();
  }
});

test('half a character in each text field is refused 12 with that field’s reason, in process and over the link alike, and reaches no issuer', async () => {
  const issuer = new RecordingIssuer('remote-bank');
  const inProcess = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [issuer] });
  const overTheLink = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [client] });
  const reasons: Record<TextField, string> = {
    acquirerId: 'invalid_merchant',
    merchantId: 'invalid_merchant',
    merchantName: 'invalid_merchant_name',
    avsLine1: 'invalid_avs',
    avsPostalCode: 'invalid_avs',
    merchantCustomerRef: 'invalid_merchant_customer_ref',
    authenticationValue: 'invalid_authentication',
    cardholderName: 'invalid_cardholder_name',
  };
  for (const field of TEXT_FIELDS) {
    for (const half of ['Caf\ud83d', '\ude00 Market St']) {
      for (const network of [inProcess, overTheLink]) {
        const answer = await network.authorize(withText(authorization(PAN), field, half));
        assert.deepEqual(outcome(answer), ['12', reasons[field], 'network'], `${field} ${JSON.stringify(half)}`);
      }
    }
  }
  assert.equal(issuer.calls.length, 0);
});

/** An issuer whose answers put `change` on an otherwise good approval. */
class OddIssuer extends RecordingIssuer {
  constructor(readonly change: Partial<AuthorizationResponse>) {
    super('remote-bank');
  }
  override async authorize(request: AuthorizationRequest): Promise<AuthorizationResponse> {
    return { ...(await super.authorize(request)), ...this.change };
  }
}

test('an issuer’s answer whose text the wire cannot carry (half a character in its record id, an approval code outside ISO’s letters and digits) is a failing issuer, 96, in process as over the link', async () => {
  for (const change of [{ issuerAuthorizationId: 'auth_\ud800' }, { approvalCode: 'AB-12!' }, { approvalCode: '12345\u00e9' }]) {
    const odd = new OddIssuer(change);
    const oddServer = new Iso8583IssuerServer({ issuer: odd, key: KEY });
    const { port } = await oddServer.listen(0);
    const oddClient = new Iso8583IssuerClient({ name: 'remote-bank', host: '127.0.0.1', port, key: KEY, clock: f.clock, connections: 1, echoIntervalMs: 0 });
    try {
      oddClient.connect();
      await oddClient.whenConnected(2_000);
      const inProcess = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [odd] });
      const overTheLink = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [oddClient] });
      const here = await inProcess.authorize(authorization(PAN));
      const there = await overTheLink.authorize(authorization(PAN));
      assert.deepEqual([here.responseCode, here.decidedBy, there.responseCode, there.decidedBy], ['96', 'network', '96', 'network'], JSON.stringify(change));
      await inProcess.idle();
      await overTheLink.idle();
    } finally {
      await oddClient.close();
      await oddServer.close();
    }
  }
});
