import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { allMigrations } from '../../src/app/modules.ts';
import { withLocalizedErrors } from '../../src/issuer/http/error-language.ts';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { issuerAuth } from '../../src/issuer/http/issuer-auth.ts';
import { operatorListEndpoints } from '../../src/issuer/http/operator-list-endpoints.ts';
import { requireKycApproved } from '../../src/issuer/identity/cardholders.ts';
import { createSandboxIdentityDeps } from '../../src/issuer/identity/create-identity-deps.ts';
import { KYC_REJECTION_REASONS, kycRejectionEntry, type KycRejectionReason } from '../../src/issuer/identity/kyc-reasons.ts';
import { createOperatorKey } from '../../src/issuer/identity/operator-keys.ts';
import { createSession } from '../../src/issuer/identity/sessions.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrations.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import type { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { AppError } from '../../src/platform/errors.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { registerEndpoints } from '../../src/platform/http/typed-route.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { seededRandom } from '../../src/platform/ids.ts';
import { newTestLocation, testDatabaseKind } from '../support/databases.ts';
import { identityFixture, OTP_PEPPER, PHONE_A, PHONE_B, START_MS, type IdentityFixture } from '../support/identity-fixture.ts';

// A KYC rejection names a reason code, not free text: the cardholder is told what went wrong and what to do
// next in Chinese and English, the code decides whether they may verify again, the operator's internal note
// never reaches them, and a sanctions or watchlist match is told neutrally (tipping-off rules). Rejections
// from before the codes read as `other` with the text they were shown.

type Json = Record<string, any>;

const NOTE = 'Matched list entry 4471 — escalate to the MLRO';
// What a cardholder must never read about a screening match, in either language.
const SCREENING_WORDS = /sanction|watch ?list|screening|OFAC|PEP\b|money.?laundering|terroris|制裁|名单|筛查|洗钱|恐怖/i;

/** The identity API and the operator's lists, as the program mounts them: errors in the request's language. */
async function server(db: Database, deps: IdentityFixture['deps'], clock: ManualClock): Promise<FastifyInstance> {
  const operatorLists = async (app: FastifyInstance) => registerEndpoints(app, operatorListEndpoints(db, issuerAuth(db, clock)));
  return createHttpServer({
    db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: withLocalizedErrors(identityRoutes({ db, deps })), prefix: '/issuer/v1' },
      { plugin: operatorLists, prefix: '/issuer/v1' },
    ],
  });
}

function caller(app: FastifyInstance) {
  return async (method: 'GET' | 'POST', url: string, options: { token?: string; body?: unknown; lang?: string } = {}) => {
    const response = await app.inject({
      method,
      url: `/issuer/v1${url}`,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.lang ? { 'accept-language': options.lang } : {}),
      },
      ...(options.body === undefined ? {} : { payload: options.body as Json }),
    });
    return { status: response.statusCode, body: response.json() as Json, text: response.body };
  };
}

let f: IdentityFixture;
let app: FastifyInstance;
let call: ReturnType<typeof caller>;
let operatorKey: string;

beforeEach(async () => {
  f = await identityFixture(11);
  app = await server(f.db, f.deps, f.clock);
  call = caller(app);
  operatorKey = (await createOperatorKey(f.db, f.deps, 'test operator', f.clock.nowMs())).key;
});

afterEach(async () => {
  await app.close();
  await f.cleanup();
});

/** A cardholder with a pending verification: their session token and the verification's id. */
async function pendingVerification(phone: string): Promise<{ token: string; id: string }> {
  const { session } = await f.signIn(phone);
  const started = await call('POST', '/kyc', { token: session.token });
  assert.equal(started.status, 201, started.text);
  return { token: session.token, id: started.body.id };
}

/** Every answer the cardholder can read about themselves and their verification, as raw text. */
async function cardholderAnswers(token: string, id: string): Promise<string[]> {
  const answers = [];
  for (const lang of ['en', 'zh-CN']) {
    for (const path of ['/kyc', `/kyc/${id}`, '/me']) {
      const answer = await call('GET', path, { token, lang });
      assert.equal(answer.status, 200, answer.text);
      answers.push(answer.text);
    }
  }
  return answers;
}

test('rejected with a code: the cardholder reads what went wrong and what to do in both languages; the note stays with operators', async () => {
  const { token, id } = await pendingVerification(PHONE_A);
  const rejected = await call('POST', `/operator/kyc/${id}/reject`, { token: operatorKey, body: { reason: 'document_expired', internal_note: `  ${NOTE}  ` } });
  assert.equal(rejected.status, 200, rejected.text);
  assert.deepEqual([rejected.body.status, rejected.body.reason, rejected.body.internal_note], ['rejected', 'document_expired', NOTE]);

  const status = await call('GET', '/kyc', { token });
  assert.deepEqual(
    { reason: status.body.reason, reason_text: status.body.reason_text, next_step: status.body.next_step, can_resubmit: status.body.can_resubmit },
    {
      reason: 'document_expired',
      reason_text: { zh: '你使用的证件已过有效期。', en: 'The ID document you used has expired.' },
      next_step: { zh: '请使用仍在有效期内的证件重新认证（请先核对证件的有效期限）。', en: 'Verify again with an ID document that is still valid (check its expiry date first).' },
      can_resubmit: true,
    },
  );
  const one = await call('GET', `/kyc/${id}`, { token });
  assert.deepEqual([one.body.reason, one.body.reason_text, one.body.next_step, one.body.can_resubmit], [status.body.reason, status.body.reason_text, status.body.next_step, true]);
  assert.equal((await call('GET', '/me', { token })).body.kyc_reason, 'document_expired');

  for (const text of await cardholderAnswers(token, id)) {
    assert.ok(!text.includes('MLRO') && !text.includes('4471') && !text.includes('internal_note'), text);
  }
  // The operator's list keeps the note and the code.
  const queue = await call('GET', '/operator/kyc?status=rejected', { token: operatorKey });
  assert.deepEqual([queue.body.data[0].id, queue.body.data[0].reason, queue.body.data[0].internal_note, queue.body.data[0].legacy_reason_text], [id, 'document_expired', NOTE, null]);
});

test('every reason has its words in both languages, Chinese with 你 and full-width colons; the operator can read them all', async () => {
  const listed = await call('GET', '/operator/kyc/reasons', { token: operatorKey });
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.body.data.map((r: Json) => r.code), [...KYC_REJECTION_REASONS]);
  for (const reason of listed.body.data as Json[]) {
    for (const text of [reason.title, reason.cardholder.reason_text, reason.cardholder.next_step]) {
      assert.ok(text.en.length > 0 && /[\u4e00-\u9fff]/.test(text['zh-CN']), JSON.stringify(text));
      assert.doesNotMatch(text['zh-CN'], /您|:/, text['zh-CN']);
    }
    assert.equal(reason.can_resubmit, kycRejectionEntry(reason.code).canResubmit);
    // A cardholder who may not verify again is told whom to contact.
    if (!reason.can_resubmit) {
      assert.match(reason.cardholder.next_step.en, /contact Cardlane customer support|Sign in with/, reason.code);
      assert.match(reason.cardholder.next_step['zh-CN'], /Cardlane 客服/, reason.code);
    }
  }
  assert.equal((await call('GET', '/operator/kyc/reasons', { token: (await f.signIn(PHONE_B)).session.token })).status, 401, 'operators only');
});

test('an unknown code, free text, or a note too long is 400 with a stable code, and nothing changes', async () => {
  const { token, id } = await pendingVerification(PHONE_A);
  for (const [body, param] of [
    [{ reason: 'blurry_photo' }, 'reason'],
    [{ reason: 'The photo is blurry' }, 'reason'],
    [{ reason: '' }, 'reason'],
    [{}, 'reason'],
    [{ reason: 'other', internal_note: 'x'.repeat(501) }, 'internal_note'],
  ] as const) {
    const refused = await call('POST', `/operator/kyc/${id}/reject`, { token: operatorKey, body });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.param, param);
    assert.match(refused.body.error.code, /^parameter_(invalid|missing)$/);
  }
  const unknown = await call('POST', `/operator/kyc/${id}/reject`, { token: operatorKey, body: { reason: 'blurry_photo' } });
  assert.equal(unknown.body.error.code, 'parameter_invalid');
  assert.match(unknown.body.error.message, /document_unreadable/, 'the message names the codes that exist');
  assert.deepEqual([(await call('GET', '/kyc', { token })).body.status, (await call('GET', `/kyc/${id}`, { token })).body.status], ['pending', 'pending']);
  assert.deepEqual(await f.db.all('SELECT reason, reason_code, internal_note, completed_at_ms FROM issuer_kyc_verifications WHERE id = ?', [id]), [
    { reason: null, reason_code: null, internal_note: null, completed_at_ms: null },
  ]);
  // The domain refuses the same when called without the API's schema.
  const direct = await f.db
    .transaction(async (tx) => (await import('../../src/issuer/identity/kyc.ts')).completeKycVerification(tx, f.clock, id, { decision: 'rejected', reason: 'blurry photo' }))
    .then(() => null, (error: unknown) => error);
  assert.ok(direct instanceof AppError && direct.code === 'parameter_invalid' && direct.param === 'reason', String(direct));
});

// Table-driven: each code, and whether POST /kyc may start a new verification after it.
const RESUBMIT: Readonly<Record<KycRejectionReason, boolean>> = {
  document_unreadable: true,
  document_expired: true,
  document_type_unsupported: true,
  name_mismatch: true,
  date_of_birth_mismatch: true,
  selfie_mismatch: true,
  underage: false,
  sanctions_or_watchlist_match: false,
  duplicate_identity: false,
  other: true,
};

test('whether the cardholder may verify again follows from the code: a final one is 409 and starts nothing', async () => {
  assert.deepEqual(Object.keys(RESUBMIT).sort(), [...KYC_REJECTION_REASONS].sort());
  let n = 0;
  for (const reason of KYC_REJECTION_REASONS) {
    const { token, id } = await pendingVerification(`+861380013${String(8100 + n++).padStart(4, '0')}`);
    assert.equal((await call('POST', `/operator/kyc/${id}/reject`, { token: operatorKey, body: { reason } })).status, 200);
    assert.equal((await call('GET', '/kyc', { token })).body.can_resubmit, RESUBMIT[reason], reason);
    const again = await call('POST', '/kyc', { token });
    if (RESUBMIT[reason]) {
      assert.deepEqual([again.status, again.body.status], [201, 'pending'], reason);
    } else {
      assert.deepEqual([again.status, again.body.error.code], [409, 'kyc_resubmission_not_allowed'], reason);
      const still = await call('GET', '/kyc', { token });
      assert.deepEqual([still.body.status, still.body.verification.id], ['rejected', id], `${reason}: nothing started`);
      const cardholderId = (await call('GET', '/me', { token })).body.id as string;
      const refusal = await requireKycApproved(f.db, cardholderId).then(() => null, (error: unknown) => error as AppError);
      assert.match(refusal?.message ?? '', /cannot be started again/, reason);
    }
  }
});

test('a sanctions or watchlist match reaches the cardholder neutrally: not its code, not its words, in no answer and no language', async () => {
  const { token, id } = await pendingVerification(PHONE_A);
  const rejected = await call('POST', `/operator/kyc/${id}/reject`, { token: operatorKey, body: { reason: 'sanctions_or_watchlist_match', internal_note: NOTE } });
  assert.equal(rejected.body.reason, 'sanctions_or_watchlist_match', 'the operator sees the real reason');

  const status = await call('GET', '/kyc', { token });
  assert.deepEqual([status.body.reason, status.body.can_resubmit], ['not_eligible', false]);
  assert.match(status.body.next_step.en, /contact Cardlane customer support/);
  assert.match(status.body.next_step.zh, /请联系 Cardlane 客服/);
  const told = await cardholderAnswers(token, id);
  for (const lang of ['en', 'zh-CN']) {
    const again = await call('POST', '/kyc', { token, lang });
    assert.equal(again.body.error.code, 'kyc_resubmission_not_allowed');
    told.push(again.text);
  }
  for (const text of told) {
    assert.doesNotMatch(text, SCREENING_WORDS, text);
    assert.ok(!text.includes('sanctions_or_watchlist_match') && !text.includes('4471'), text);
  }
});

test('a database from before the codes: old rejections read as other, with the text the cardholder was shown, on SQLite and PostgreSQL', async () => {
  const location = newTestLocation();
  const db = openDatabase(location.url);
  const clock = new ManualClock(START_MS);
  const deps = createSandboxIdentityDeps({ clock, otpPepper: OTP_PEPPER, random: seededRandom(5) });
  let legacyApp: FastifyInstance | undefined;
  try {
    await migrate(db, allMigrations.filter((m) => m.id !== 'issuer/013_kyc_reason_codes'), 0);
    // As the program wrote a rejection then: free text on the verification and a copy on the cardholder.
    const session = await db.transaction(async (tx) => {
      await tx.run("INSERT INTO issuer_cardholders (id, phone_e164, invite_code, kyc_status, kyc_reason, created_at_ms) VALUES ('ch_old', ?, 'OLD0-0001', 'rejected', 'Photo too dark', ?)", [PHONE_A, START_MS]);
      for (const [id, status, reason, at] of [['kyc_old1', 'rejected', 'Photo too dark', 1], ['kyc_old0', 'approved', null, 0]] as const) {
        await tx.run(
          "INSERT INTO issuer_kyc_verifications (id, cardholder_id, status, reason, provider, provider_reference, qr_payload, created_at_ms, completed_at_ms) VALUES (?, 'ch_old', ?, ?, 'sandbox', 'sbx_old', 'https://kyc.example/old', ?, ?)",
          [id, status, reason, START_MS + at, START_MS + at + 10],
        );
      }
      return createSession(tx, deps, 'ch_old', START_MS);
    });
    assert.deepEqual(await migrate(db, allMigrations, 0), ['issuer/013_kyc_reason_codes']);

    legacyApp = await server(db, deps, clock);
    const legacyCall = caller(legacyApp);
    const status = await legacyCall('GET', '/kyc', { token: session.token });
    assert.deepEqual([status.body.status, status.body.reason, status.body.reason_text, status.body.can_resubmit], [
      'rejected',
      'other',
      { zh: 'Photo too dark', en: 'Photo too dark' },
      true,
    ]);
    assert.deepEqual(status.body.next_step, kycRejectionEntry('other').nextStep);
    assert.equal((await legacyCall('GET', '/me', { token: session.token })).body.kyc_reason, 'other');
    assert.deepEqual(await db.all("SELECT id, reason_code FROM issuer_kyc_verifications WHERE cardholder_id = 'ch_old' ORDER BY id"), [
      { id: 'kyc_old0', reason_code: null },
      { id: 'kyc_old1', reason_code: 'other' },
    ]);
    const key = (await createOperatorKey(db, deps, 'op', START_MS)).key;
    const queue = await legacyCall('GET', '/operator/kyc?status=rejected', { token: key });
    assert.deepEqual([queue.body.data[0].reason, queue.body.data[0].legacy_reason_text, queue.body.data[0].internal_note], ['other', 'Photo too dark', null]);
    // And the cardholder may verify again, as they could before.
    assert.equal((await legacyCall('POST', '/kyc', { token: session.token })).status, 201);
  } finally {
    await legacyApp?.close();
    if (testDatabaseKind() === 'postgres') await (db as PostgresDatabase).dropSchema();
    await db.close();
    location.remove();
  }
});
