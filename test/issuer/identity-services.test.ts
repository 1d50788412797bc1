import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { AppError } from '../../src/platform/errors.ts';
import {
  applyInviteCode,
  getCardholder,
  getReferral,
  markFirstCard,
  requireKycApproved,
} from '../../src/issuer/identity/cardholders.ts';
import { completeKycVerification, startKycVerification } from '../../src/issuer/identity/kyc.ts';
import {
  bootstrapOperatorKey,
  createOperatorKey,
  revokeOperatorKey,
  verifyOperatorKey,
} from '../../src/issuer/identity/operator-keys.ts';
import { authenticateSession, SESSION_TTL_MS } from '../../src/issuer/identity/sessions.ts';
import { requestSignInCode, verifySignInCode } from '../../src/issuer/identity/sign-in.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_SENDS_PER_ADDRESS_PER_WINDOW, OTP_TTL_MS } from '../../src/platform/identity/one-time-codes.ts';
import { identityFixture, PHONE_A, PHONE_B, PHONE_C, type IdentityFixture } from '../support/identity-fixture.ts';

let f: IdentityFixture;
beforeEach(async () => {
  f = await identityFixture();
});
afterEach(async () => {
  await f.cleanup();
});

const request = (phone: string, clientAddress = '10.1.1.1') =>
  f.db.transaction((tx) => requestSignInCode(tx, f.deps, { phone, clientAddress }));
const verify = (phone: string, code: string, inviteCode?: string) =>
  f.db.transaction((tx) => verifySignInCode(tx, f.deps, { phone, code, inviteCode }));
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof AppError && error.code === code);
}

test('a bad phone number is refused with phone_invalid and sends nothing', async () => {
  for (const phone of ['', '12345', '13800138000', '+86 10 1234 5678', 'call me +8613800138000']) {
    const result = await request(phone);
    assert.equal(result.ok, false, phone);
    assert.equal(!result.ok && result.code, 'phone_invalid', phone);
  }
  assert.equal((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_sms_messages'))!.n, 0);
});

test('sign-up: a code by SMS, stored only as a hash, creates the cardholder and a session', async () => {
  const sent = await request('+86 138 0013 8000');
  assert.ok(sent.ok);
  assert.equal(sent.phoneE164, PHONE_A);
  assert.equal(sent.expiresAtMs, f.clock.nowMs() + OTP_TTL_MS);
  const code = await f.lastCode(PHONE_A);
  const rows = await f.db.all<Record<string, unknown>>('SELECT * FROM issuer_otp_codes');
  assert.equal(rows.length, 1);
  assert.ok(!JSON.stringify(rows).includes(code), 'the code is not in the otp table in clear');

  const result = await verify(PHONE_A, code);
  assert.ok(result.ok);
  assert.equal(result.signedUp, true);
  assert.match(result.cardholder.id, /^ch_/);
  assert.equal(result.cardholder.kycStatus, 'not_started');
  assert.match(result.cardholder.inviteCode, /^[0-9A-Z]{8}$/);
  assert.match(result.session.token, /^[A-Za-z0-9_-]{43}$/);
  const sessionRows = JSON.stringify(await f.db.all('SELECT * FROM issuer_sessions'));
  assert.ok(!sessionRows.includes(result.session.token), 'the session token is stored hashed');
  const live = await authenticateSession(f.db, result.session.token, f.clock.nowMs());
  assert.deepEqual({ sessionId: live?.sessionId, cardholderId: live?.cardholderId }, { sessionId: result.session.id, cardholderId: result.cardholder.id });
  assert.ok(live!.expiresAtMs > f.clock.nowMs(), 'it says until when it lives (the app’s cookie is given that age)');
  assert.equal(await authenticateSession(f.db, result.session.token, f.clock.nowMs() + SESSION_TTL_MS), undefined, 'expired');
  assert.equal(await authenticateSession(f.db, 'x'.repeat(43), f.clock.nowMs()), undefined);

  // Signing in again finds the same cardholder.
  const again = await f.signIn(PHONE_A);
  assert.equal(again.signedUp, false);
  assert.equal(again.cardholder.id, result.cardholder.id);
});

test('the code is used once; a new code voids the old one', async () => {
  await request(PHONE_A);
  const code = await f.lastCode(PHONE_A);
  assert.ok((await verify(PHONE_A, code)).ok);
  const replay = await verify(PHONE_A, code);
  assert.equal(!replay.ok && replay.code, 'code_used');

  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await request(PHONE_A);
  const first = await f.lastCode(PHONE_A);
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await request(PHONE_A);
  const second = await f.lastCode(PHONE_A);
  if (first !== second) {
    const old = await verify(PHONE_A, first);
    assert.equal(!old.ok && old.code, 'code_invalid', 'only the latest code works');
  }
  assert.ok((await verify(PHONE_A, second)).ok);
});

test('five wrong codes lock the code, even against the right one; attempts are kept in the database', async () => {
  await request(PHONE_A);
  const code = await f.lastCode(PHONE_A);
  for (let remaining = 4; remaining >= 1; remaining--) {
    const result = await verify(PHONE_A, wrong(code));
    assert.deepEqual(!result.ok && [result.code, 'attemptsRemaining' in result && result.attemptsRemaining], ['code_invalid', remaining]);
  }
  const fifth = await verify(PHONE_A, wrong(code));
  assert.equal(!fifth.ok && fifth.code, 'code_locked');
  const right = await verify(PHONE_A, code);
  assert.equal(!right.ok && right.code, 'code_locked');
  const row = await f.db.get<{ attempts: number; locked_at_ms: unknown }>('SELECT attempts, locked_at_ms FROM issuer_otp_codes');
  assert.equal(Number(row!.attempts), 5);
  assert.notEqual(row!.locked_at_ms, null);
  assert.equal(await f.db.get('SELECT id FROM issuer_cardholders'), undefined);
});

test('a code expires after five minutes; no code at all is code_invalid', async () => {
  const none = await verify(PHONE_A, '123456');
  assert.equal(!none.ok && none.code, 'code_invalid');
  await request(PHONE_A);
  const code = await f.lastCode(PHONE_A);
  f.clock.advanceMs(OTP_TTL_MS);
  const result = await verify(PHONE_A, code);
  assert.equal(!result.ok && result.code, 'code_expired');
});

test('resend cooldown, per-phone and per-address rate limits, with a retry-after', async () => {
  assert.ok((await request(PHONE_A)).ok);
  const soon = await request(PHONE_A);
  assert.ok(!soon.ok && soon.code === 'rate_limited' && soon.reason === 'resend_cooldown');
  assert.equal(!soon.ok && soon.code === 'rate_limited' && soon.retryAfterMs, OTP_RESEND_COOLDOWN_MS);
  for (let i = 0; i < 4; i++) {
    f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
    assert.ok((await request(PHONE_A)).ok, `send ${i + 2}`);
  }
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const sixth = await request(PHONE_A);
  assert.ok(!sixth.ok && sixth.code === 'rate_limited' && sixth.reason === 'phone_rate_limit');

  // Per address: 20 codes an hour across any phones.
  const phones = Array.from({ length: OTP_SENDS_PER_ADDRESS_PER_WINDOW + 1 }, (_, i) => `+1201555${String(1000 + i)}`);
  for (const phone of phones.slice(0, OTP_SENDS_PER_ADDRESS_PER_WINDOW)) assert.ok((await request(phone, '10.9.9.9')).ok, phone);
  const over = await request(phones.at(-1)!, '10.9.9.9');
  assert.ok(!over.ok && over.code === 'rate_limited' && over.reason === 'address_rate_limit');
  assert.ok((await request(phones.at(-1)!, '10.9.9.10')).ok, 'another address is not limited');
});

test('invite code at sign-up records the referral and waives the opening fee; unknown and malformed codes are refused without costing the code', async () => {
  const referrer = await f.signIn(PHONE_A);
  await request(PHONE_B);
  const code = await f.lastCode(PHONE_B);
  const malformed = await verify(PHONE_B, code, 'nope');
  assert.equal(!malformed.ok && malformed.code, 'invite_code_invalid');
  const unknown = await verify(PHONE_B, code, referrer.cardholder.inviteCode === 'ZZZZZZZZ' ? 'YYYYYYYY' : 'ZZZZZZZZ');
  assert.equal(!unknown.ok && unknown.code, 'invite_code_unknown');

  const formatted = `${referrer.cardholder.inviteCode.slice(0, 4).toLowerCase()}-${referrer.cardholder.inviteCode.slice(4)}`;
  const result = await verify(PHONE_B, code, formatted);
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.cardholder.openingFeeWaived, true);
  assert.equal(result.cardholder.referredBy, referrer.cardholder.id);
  assert.deepEqual(await getReferral(f.db, result.cardholder.id), {
    referrerId: referrer.cardholder.id,
    inviteCode: referrer.cardholder.inviteCode,
    createdAtMs: f.clock.nowMs(),
  });
});

test('applying an invite code later: own code, second code and after the first card are refused', async () => {
  const a = await f.signIn(PHONE_A);
  const b = await f.signIn(PHONE_B);
  const c = await f.signIn(PHONE_C);
  const apply = (id: string, code: string) => f.db.transaction((tx) => applyInviteCode(tx, id, code, f.clock.nowMs()));

  await rejects(apply(b.cardholder.id, b.cardholder.inviteCode), 'invite_code_own');
  await rejects(apply(b.cardholder.id, 'ZZZZ-ZZZZ'), 'invite_code_unknown');
  const updated = await apply(b.cardholder.id, a.cardholder.inviteCode);
  assert.equal(updated.openingFeeWaived, true);
  await rejects(apply(b.cardholder.id, c.cardholder.inviteCode), 'invite_code_already_applied');

  await f.db.transaction((tx) => markFirstCard(tx, c.cardholder.id, f.clock.nowMs()));
  await rejects(apply(c.cardholder.id, a.cardholder.inviteCode), 'invite_code_too_late');
  assert.equal((await getCardholder(f.db, c.cardholder.id))!.openingFeeWaived, false);

  // Own code at sign-in (an existing cardholder signing in again) is refused too.
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await request(PHONE_A);
  const own = await verify(PHONE_A, await f.lastCode(PHONE_A), a.cardholder.inviteCode);
  assert.equal(!own.ok && own.code, 'invite_code_own');
});

test('KYC: not_started → pending → rejected with a reason → re-submitted → approved; requireKycApproved refuses until then', async () => {
  const { cardholder } = await f.signIn(PHONE_A);
  await rejects(requireKycApproved(f.db, cardholder.id), 'kyc_required');

  const first = await f.db.transaction((tx) => startKycVerification(tx, f.deps, cardholder.id));
  assert.equal(first.started, true);
  assert.equal(first.verification.status, 'pending');
  assert.match(first.verification.id, /^kyc_/);
  assert.match(first.verification.qrPayload, /^https:\/\//);
  const repeat = await f.db.transaction((tx) => startKycVerification(tx, f.deps, cardholder.id));
  assert.deepEqual([repeat.started, repeat.verification.id], [false, first.verification.id], 'a pending verification is shown again');
  await rejects(requireKycApproved(f.db, cardholder.id), 'kyc_required');

  const rejected = await f.db.transaction((tx) =>
    completeKycVerification(tx, f.clock, first.verification.id, { decision: 'rejected', reason: 'selfie_mismatch', internalNote: 'face did not match' }),
  );
  assert.deepEqual([rejected.status, rejected.reason, rejected.internalNote], ['rejected', 'selfie_mismatch', 'face did not match']);
  const after = (await getCardholder(f.db, cardholder.id))!;
  assert.deepEqual([after.kycStatus, after.kycReason], ['rejected', 'selfie_mismatch']);
  await rejects(requireKycApproved(f.db, cardholder.id), 'kyc_required');
  await rejects(f.db.transaction((tx) => completeKycVerification(tx, f.clock, first.verification.id, { decision: 'approved' })), 'kyc_not_pending');

  const second = await f.db.transaction((tx) => startKycVerification(tx, f.deps, cardholder.id));
  assert.equal(second.started, true);
  assert.notEqual(second.verification.id, first.verification.id);
  await f.db.transaction((tx) => completeKycVerification(tx, f.clock, second.verification.id, { decision: 'approved' }));
  // A repeated identical callback changes nothing.
  await f.db.transaction((tx) => completeKycVerification(tx, f.clock, second.verification.id, { decision: 'approved' }));
  assert.equal((await requireKycApproved(f.db, cardholder.id)).kycStatus, 'approved');
  await rejects(f.db.transaction((tx) => startKycVerification(tx, f.deps, cardholder.id)), 'kyc_already_approved');
  await rejects(requireKycApproved(f.db, 'ch_nobody'), 'resource_missing');
});

test('operator keys: shown once, stored hashed, verified and revoked; bootstrap writes one key file of mode 0600', async () => {
  const created = await createOperatorKey(f.db, f.deps, 'alice', f.clock.nowMs());
  assert.match(created.key, /^op_[A-Za-z0-9_-]{43}$/);
  assert.ok(!JSON.stringify(await f.db.all('SELECT * FROM issuer_operator_keys')).includes(created.key));
  assert.equal(await verifyOperatorKey(f.db, created.key), created.id);
  assert.equal(await verifyOperatorKey(f.db, `${created.key.slice(0, -1)}A` === created.key ? `${created.key.slice(0, -1)}B` : `${created.key.slice(0, -1)}A`), undefined);
  assert.equal(await revokeOperatorKey(f.db, created.id, f.clock.nowMs()), true);
  assert.equal(await verifyOperatorKey(f.db, created.key), undefined);

  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-opkey-'));
  try {
    const boot = await bootstrapOperatorKey(f.db, f.deps, dataDir);
    assert.equal(boot.created, true);
    const path = join(dataDir, 'operator-key');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const key = readFileSync(path, 'utf8').trim();
    assert.equal(await verifyOperatorKey(f.db, key), boot.created && boot.id);
    assert.deepEqual(await bootstrapOperatorKey(f.db, f.deps, dataDir), { created: false });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
