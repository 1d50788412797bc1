import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { Database } from '../../src/platform/db/database.ts';
import { renderDdl } from '../../src/platform/db/migrations.ts';
import {
  hashCode,
  OTP_MAX_ATTEMPTS,
  OTP_RATE_WINDOW_MS,
  OTP_RESEND_COOLDOWN_MS,
  OTP_SENDS_PER_ADDRESS_PER_WINDOW,
  OTP_SENDS_PER_RECIPIENT_PER_WINDOW,
  OTP_TTL_MS,
  type CodeHasher,
} from '../../src/platform/identity/one-time-codes.ts';
import { CLIENT_ADDRESS_MAX_CHARS, OtpStore } from '../../src/platform/identity/otp-store.ts';
import { seededRandom } from '../../src/platform/ids.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// The platform's OTP store over tables of the test's own (one keeping
// several purposes, one keeping one), on whichever database the suite runs
// on: the store knows no module's tables.

const T0 = Date.UTC(2026, 0, 1);
const PEPPER = Buffer.alloc(32, 3);

/** A codes table of the shape the store needs, with the caller's own name and recipient (and purpose) columns. */
const codesTable = (name: string, who: string, what?: string) => `
CREATE TABLE ${name} (
  id {{serial}},
  ${who} TEXT NOT NULL,${what === undefined ? '' : `\n  ${what} TEXT NOT NULL,`}
  code_hash TEXT NOT NULL,
  client_address TEXT NOT NULL,
  sent_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  locked_at_ms BIGINT,
  consumed_at_ms BIGINT,
  voided_at_ms BIGINT
);`;
const TABLES = codesTable('test_codes', 'recipient', 'kind') + codesTable('test_single_codes', 'mailbox');

const purposed = new OtpStore({
  table: 'test_codes',
  recipientColumn: 'recipient',
  purposeColumn: 'kind',
  recipientLock: (r) => `test:otp-recipient:${r}`,
  addressLock: (a) => `test:otp-address:${a}`,
});
const single = new OtpStore({
  table: 'test_single_codes',
  recipientColumn: 'mailbox',
  recipientLock: (r) => `test:single-recipient:${r}`,
  addressLock: (a) => `test:single-address:${a}`,
});

let t: TestDatabase;
let db: Database;
beforeEach(async () => {
  t = await createTestDatabase({ poolSize: 4 });
  db = t.db;
  await db.transaction((tx) => tx.exec(renderDdl(tx.dialect, TABLES)));
});
afterEach(async () => {
  await t.cleanup();
});

const bound = (recipient: string, purpose = 'sign_in'): CodeHasher => (code) => hashCode(PEPPER, `test:${recipient}`, purpose, code);
const random = seededRandom(11);

function issue(recipient: string, nowMs: number, options: { purpose?: string; clientAddress?: string } = {}) {
  const purpose = options.purpose ?? 'sign_in';
  return db.transaction((tx) =>
    purposed.issue(tx, random, { recipient, purpose, clientAddress: options.clientAddress ?? '10.0.0.1', nowMs, hash: bound(recipient, purpose) }),
  );
}

function verify(recipient: string, code: string, nowMs: number, purpose = 'sign_in') {
  return db.transaction((tx) => purposed.verify(tx, { recipient, purpose, code, nowMs, hash: bound(recipient, purpose) }));
}

async function issued(recipient: string, nowMs: number, purpose = 'sign_in'): Promise<string> {
  const result = await issue(recipient, nowMs, { purpose });
  assert.ok(result.ok, JSON.stringify(result));
  return result.code;
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

test('a code is stored only as its hash, under the caller binding; the right code passes once, then is used', async () => {
  const code = await issued('alice', T0);
  const rows = await db.all<Record<string, unknown>>('SELECT * FROM test_codes');
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.code_hash, hashCode(PEPPER, 'test:alice', 'sign_in', code));
  assert.ok(!JSON.stringify(rows).includes(`"${code}"`));
  assert.equal(Number(rows[0]!.expires_at_ms), T0 + OTP_TTL_MS);

  const ok = await verify('alice', code, T0 + 1000);
  assert.equal(ok?.outcome, 'ok');
  assert.equal(ok?.record.consumedAtMs, T0 + 1000);
  assert.equal((await verify('alice', code, T0 + 2000))?.outcome, 'code_used');
  assert.equal(await verify('bob', code, T0 + 2000), undefined, 'no code waiting for bob');
});

test('wrong codes are counted in the table; the fifth locks it, and then even the right code is refused', async () => {
  const code = await issued('alice', T0);
  for (let attempt = 1; attempt < OTP_MAX_ATTEMPTS; attempt++) {
    const result = await verify('alice', wrong(code), T0 + attempt);
    assert.deepEqual([result?.outcome, result?.attemptsRemaining], ['code_invalid', OTP_MAX_ATTEMPTS - attempt]);
  }
  assert.equal((await verify('alice', 'not a code', T0 + 10))?.outcome, 'code_invalid');
  assert.equal(Number((await db.get<{ attempts: number }>('SELECT attempts FROM test_codes'))!.attempts), OTP_MAX_ATTEMPTS - 1, 'a malformed code is not counted');
  assert.equal((await verify('alice', wrong(code), T0 + 20))?.outcome, 'code_locked');
  const row = await db.get<{ attempts: number; locked_at_ms: number }>('SELECT attempts, locked_at_ms FROM test_codes');
  assert.deepEqual([Number(row!.attempts), Number(row!.locked_at_ms)], [OTP_MAX_ATTEMPTS, T0 + 20]);
  assert.equal((await verify('alice', code, T0 + 30))?.outcome, 'code_locked');
});

test('a code expires at exactly five minutes', async () => {
  const code = await issued('alice', T0);
  assert.equal((await verify('alice', code, T0 + OTP_TTL_MS))?.outcome, 'code_expired');
  assert.equal((await verify('alice', code, T0 + OTP_TTL_MS - 1))?.outcome, 'ok');
});

test('a new code voids the waiting one of the same purpose only; purposes share the recipient sending budget', async () => {
  const first = await issued('alice', T0);
  const reveal = await issued('alice', T0 + OTP_RESEND_COOLDOWN_MS, 'reveal');
  const second = await issued('alice', T0 + 2 * OTP_RESEND_COOLDOWN_MS);
  const now = T0 + 2 * OTP_RESEND_COOLDOWN_MS + 1;
  if (first !== second) assert.equal((await verify('alice', first, now))?.outcome, 'code_invalid', 'the voided code no longer works');
  assert.equal((await verify('alice', second, now))?.outcome, 'ok');
  assert.equal((await verify('alice', reveal, now, 'reveal'))?.outcome, 'ok', 'the other purpose kept its code');

  const soon = await issue('alice', now, { purpose: 'reveal' });
  assert.deepEqual(soon, { ok: false, reason: 'resend_cooldown', retryAfterMs: 2 * OTP_RESEND_COOLDOWN_MS + OTP_RESEND_COOLDOWN_MS - (now - T0) });
});

test('send limits: a cooldown and a cap per recipient, a cap per client address, in a sliding hour', async () => {
  for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_PER_WINDOW; i++) await issued('alice', T0 + i * OTP_RESEND_COOLDOWN_MS);
  const capped = await issue('alice', T0 + 10 * OTP_RESEND_COOLDOWN_MS);
  assert.deepEqual(capped, { ok: false, reason: 'recipient_rate_limit', retryAfterMs: OTP_RATE_WINDOW_MS - 10 * OTP_RESEND_COOLDOWN_MS });
  assert.ok((await issue('alice', T0 + OTP_RATE_WINDOW_MS)).ok, 'the oldest send left the window');

  const crowd = Array.from({ length: OTP_SENDS_PER_ADDRESS_PER_WINDOW }, (_, i) => `user${i}`);
  for (const [i, name] of crowd.entries()) assert.ok((await issue(name, T0 + i, { clientAddress: ' 192.0.2.7 ' })).ok);
  const refused = await issue('one-more', T0 + 100, { clientAddress: '192.0.2.7' });
  assert.ok(!refused.ok && refused.reason === 'address_rate_limit', 'the address is trimmed before it counts');
  assert.ok((await issue('one-more', T0 + 100, { clientAddress: '192.0.2.8' })).ok);
});

test('sends dated after now (a clock running ahead, like the demo story’s) do not count against now', async () => {
  const day = 24 * OTP_RATE_WINDOW_MS;
  const ahead = T0 + 31 * day;
  // A month ahead, alice had her fill of codes and localhost sent more than its hourly cap, an hour at a time.
  for (let i = 0; i < OTP_SENDS_PER_RECIPIENT_PER_WINDOW; i++) await issued('alice', ahead + i * OTP_RESEND_COOLDOWN_MS);
  const spacing = Math.ceil(OTP_RATE_WINDOW_MS / OTP_SENDS_PER_ADDRESS_PER_WINDOW) + 1;
  for (let i = 0; i < 120; i++) assert.ok((await issue(`story${i}`, ahead + i * spacing, { clientAddress: '127.0.0.1' })).ok);

  // Now: neither alice's cooldown and cap nor localhost's cap is taken by them.
  assert.ok((await issue('alice', T0, { clientAddress: '127.0.0.1' })).ok);
  // …and localhost's sends now are still counted, though more rows than the look-back reads are dated later.
  for (let i = 1; i < OTP_SENDS_PER_ADDRESS_PER_WINDOW; i++) assert.ok((await issue(`now${i}`, T0 + i, { clientAddress: '127.0.0.1' })).ok);
  const refused = await issue('one-more', T0 + 100, { clientAddress: '127.0.0.1' });
  assert.deepEqual(refused, { ok: false, reason: 'address_rate_limit', retryAfterMs: OTP_RATE_WINDOW_MS - 100 });
  // When the clock reaches them, they count as any send does (from the address they came from: each client has its own five).
  assert.deepEqual(await issue('alice', ahead + 10 * OTP_RESEND_COOLDOWN_MS), {
    ok: false,
    reason: 'recipient_rate_limit',
    retryAfterMs: OTP_RATE_WINDOW_MS - 10 * OTP_RESEND_COOLDOWN_MS,
  });
});

test('client addresses are trimmed, bounded, and "unknown" when missing', async () => {
  await issued('alice', T0);
  assert.ok((await issue('bob', T0, { clientAddress: '   ' })).ok);
  assert.ok((await issue('carol', T0, { clientAddress: 'x'.repeat(500) })).ok);
  const addresses = (await db.all<{ client_address: string }>('SELECT client_address FROM test_codes ORDER BY id')).map((r) => r.client_address);
  assert.deepEqual(addresses, ['10.0.0.1', 'unknown', 'x'.repeat(CLIENT_ADDRESS_MAX_CHARS)]);
});

test('two requests for one recipient at once: the locks let exactly one code out', async () => {
  const results = await Promise.all([issue('alice', T0, { clientAddress: '10.0.0.1' }), issue('alice', T0, { clientAddress: '10.0.0.2' })]);
  assert.deepEqual(results.map((r) => r.ok).sort(), [false, true]);
  assert.equal((await db.all('SELECT id FROM test_codes')).length, 1);
});

test('a table that keeps one purpose takes none; a table that keeps several needs one', async () => {
  const hash = bound('dora');
  const sent = await db.transaction((tx) => single.issue(tx, random, { recipient: 'dora', clientAddress: '10.0.0.1', nowMs: T0, hash }));
  assert.ok(sent.ok);
  assert.equal((await db.transaction((tx) => single.verify(tx, { recipient: 'dora', code: sent.code, nowMs: T0, hash })))?.outcome, 'ok');
  await assert.rejects(
    db.transaction((tx) => single.issue(tx, random, { recipient: 'dora', purpose: 'sign_in', clientAddress: '10.0.0.1', nowMs: T0, hash })),
    TypeError,
  );
  await assert.rejects(
    db.transaction((tx) => purposed.verify(tx, { recipient: 'dora', code: sent.code, nowMs: T0, hash })),
    TypeError,
  );
});

test('table and column names must be plain SQL identifiers', () => {
  const locks = { recipientLock: (r: string) => r, addressLock: (a: string) => a };
  assert.throws(() => new OtpStore({ table: 'codes; DROP TABLE x', recipientColumn: 'r', ...locks }), TypeError);
  assert.throws(() => new OtpStore({ table: 'codes', recipientColumn: 'r"', ...locks }), TypeError);
  assert.throws(() => new OtpStore({ table: 'codes', recipientColumn: 'r', purposeColumn: 'a b', ...locks }), TypeError);
});
