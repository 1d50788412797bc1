import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { seededRandom, type RandomSource } from '../../src/platform/ids.ts';
import {
  OTP_MAX_ATTEMPTS,
  OTP_RATE_WINDOW_MS,
  OTP_RESEND_COOLDOWN_MS,
  OTP_SENDS_PER_ADDRESS_PER_WINDOW,
  OTP_SENDS_PER_RECIPIENT_PER_WINDOW as OTP_SENDS_PER_PHONE_PER_WINDOW,
  OTP_TTL_MS,
  canResend,
  newCode,
} from '../../src/platform/identity/one-time-codes.ts';
import { checkSendAllowed, hashCode, issueCode, verifyAttempt, type OtpRecord } from '../../src/issuer/otp.ts';

const pepper = Buffer.alloc(32, 7);
const phone = '+8613800138000';
const t0 = Date.UTC(2026, 0, 1);

function issued(seed = 1): { code: string; record: OtpRecord; wrong: string } {
  const { code, record } = issueCode(seededRandom(seed), pepper, phone, 'sign_in', t0);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  return { code, record, wrong };
}

test('the rules are the documented constants', () => {
  assert.equal(OTP_TTL_MS, 300_000);
  assert.equal(OTP_MAX_ATTEMPTS, 5);
  assert.equal(OTP_RESEND_COOLDOWN_MS, 60_000);
  assert.equal(OTP_RATE_WINDOW_MS, 3_600_000);
  assert.equal(OTP_SENDS_PER_PHONE_PER_WINDOW, 5);
  assert.equal(OTP_SENDS_PER_ADDRESS_PER_WINDOW, 20);
});

test('codes are six digits; every digit position is uniform (χ², seeded)', () => {
  const random = seededRandom(42);
  const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
  const runs = 20_000;
  for (let i = 0; i < runs; i++) {
    const code = newCode(random);
    assert.match(code, /^\d{6}$/);
    for (let position = 0; position < 6; position++) counts[position]![Number(code[position])]!++;
  }
  for (const [position, row] of counts.entries()) {
    const chiSquare = row.reduce((sum, count) => sum + (count - runs / 10) ** 2 / (runs / 10), 0);
    assert.ok(chiSquare < 27.88, `position ${position}: χ² = ${chiSquare.toFixed(2)}`);
  }
});

test('a draw in the biased tail of 2^32 is rejected, so 000000–967295 are not favoured', () => {
  const replay: number[] = [4_294_967_295, 4_294_000_000, 42];
  const random: RandomSource = () => {
    const word = replay.shift()!;
    return Uint8Array.of(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
  };
  assert.equal(newCode(random), '000042');
});

test('the hash binds phone, purpose and pepper, and the record never holds the code', () => {
  const { code, record } = issued();
  assert.match(record.codeHash, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(record).includes(code));
  assert.equal(record.expiresAtMs, t0 + OTP_TTL_MS);
  assert.equal(record.attempts, 0);
  const hash = hashCode(pepper, phone, 'sign_in', code);
  assert.equal(hash, record.codeHash);
  assert.notEqual(hashCode(pepper, phone, 'reveal_card', code), hash);
  assert.notEqual(hashCode(pepper, '+8613800138001', 'sign_in', code), hash);
  assert.notEqual(hashCode(Buffer.alloc(32, 8), phone, 'sign_in', code), hash);
  assert.throws(() => hashCode(pepper, phone, 'sign_in', '12345'), TypeError);
  assert.throws(() => hashCode(pepper, phone, 'other' as 'sign_in', code), TypeError);
});

test('the right code passes once, then is used', () => {
  const { code, record } = issued();
  const first = verifyAttempt(record, code, t0 + 1000, pepper);
  assert.equal(first.outcome, 'ok');
  assert.equal(first.record.consumedAtMs, t0 + 1000);
  assert.equal(first.attemptsRemaining, 5);
  assert.equal(record.consumedAtMs, undefined, 'the input record is not mutated');
  const again = verifyAttempt(first.record, code, t0 + 2000, pepper);
  assert.equal(again.outcome, 'code_used');
  assert.equal(again.record, first.record);
  assert.equal(verifyAttempt(first.record, '000000', t0 + 2000, pepper).outcome, 'code_used');
  // Spaces and a dash are ignored.
  assert.equal(verifyAttempt(record, `${code.slice(0, 3)} ${code.slice(3)}`, t0, pepper).outcome, 'ok');
  assert.equal(verifyAttempt(record, `${code.slice(0, 3)}-${code.slice(3)}`, t0, pepper).outcome, 'ok');
});

test('five wrong codes lock the record; then even the right code is refused', () => {
  const { code, record, wrong } = issued(2);
  let current = record;
  for (let attempt = 1; attempt <= 4; attempt++) {
    const result = verifyAttempt(current, wrong, t0 + attempt, pepper);
    assert.equal(result.outcome, 'code_invalid');
    assert.equal(result.record.attempts, attempt);
    assert.equal(result.attemptsRemaining, 5 - attempt);
    assert.equal(result.record.lockedAtMs, undefined);
    current = result.record;
  }
  const fifth = verifyAttempt(current, wrong, t0 + 5, pepper);
  assert.equal(fifth.outcome, 'code_locked');
  assert.equal(fifth.record.attempts, 5);
  assert.equal(fifth.record.lockedAtMs, t0 + 5);
  assert.equal(fifth.attemptsRemaining, 0);
  const right = verifyAttempt(fifth.record, code, t0 + 6, pepper);
  assert.equal(right.outcome, 'code_locked');
  assert.equal(right.record, fifth.record);
});

test('four wrong codes then the right one still passes', () => {
  const { code, record, wrong } = issued(3);
  let current = record;
  for (let i = 0; i < 4; i++) current = verifyAttempt(current, wrong, t0, pepper).record;
  assert.equal(verifyAttempt(current, code, t0, pepper).outcome, 'ok');
});

test('valid for exactly five minutes: the last millisecond passes, 5:00.000 is expired', () => {
  const { code, record, wrong } = issued(4);
  assert.equal(verifyAttempt(record, code, t0 + OTP_TTL_MS - 1, pepper).outcome, 'ok');
  const expired = verifyAttempt(record, code, t0 + OTP_TTL_MS, pepper);
  assert.equal(expired.outcome, 'code_expired');
  assert.equal(expired.record, record);
  // A wrong code after expiry does not count an attempt.
  assert.equal(verifyAttempt(record, wrong, t0 + OTP_TTL_MS, pepper).record.attempts, 0);
});

test('malformed submissions are code_invalid without counting an attempt', () => {
  const { record } = issued(5);
  for (const bad of ['', '12345', '1234567', 'abcdef', '12345a', undefined as unknown as string]) {
    const result = verifyAttempt(record, bad, t0, pepper);
    assert.equal(result.outcome, 'code_invalid', String(bad));
    assert.equal(result.record.attempts, 0);
  }
});

test('a code for another phone or purpose does not verify', () => {
  const { code, record } = issued(6);
  assert.equal(verifyAttempt({ ...record, phone: '+12015550123' }, code, t0, pepper).outcome, 'code_invalid');
  assert.equal(verifyAttempt({ ...record, purpose: 'reveal_card' }, code, t0, pepper).outcome, 'code_invalid');
  assert.equal(verifyAttempt(record, code, t0, Buffer.alloc(32, 9)).outcome, 'code_invalid');
});

type Step = { kind: 'right' } | { kind: 'wrong' } | { kind: 'wait'; ms: number };

test('state machine against a model: random sequences of right, wrong and waiting', () => {
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant<Step>({ kind: 'right' }),
    fc.constant<Step>({ kind: 'wrong' }),
    fc.integer({ min: 0, max: 200_000 }).map<Step>((ms) => ({ kind: 'wait', ms })),
  );
  fc.assert(
    fc.property(fc.integer(), fc.array(step, { maxLength: 20 }), (seed, steps) => {
      const { code, record, wrong } = issued(seed);
      let current = record;
      let now = t0;
      let wrongs = 0;
      let used = false;
      let locked = false;
      for (const s of steps) {
        if (s.kind === 'wait') {
          now += s.ms;
          continue;
        }
        const result = verifyAttempt(current, s.kind === 'right' ? code : wrong, now, pepper);
        const expired = now >= t0 + OTP_TTL_MS;
        let expected: string;
        if (used) expected = 'code_used';
        else if (locked) expected = 'code_locked';
        else if (expired) expected = 'code_expired';
        else if (s.kind === 'right') {
          expected = 'ok';
          used = true;
        } else {
          wrongs++;
          locked = wrongs >= 5;
          expected = locked ? 'code_locked' : 'code_invalid';
        }
        assert.equal(result.outcome, expected);
        assert.equal(result.record.attempts, wrongs);
        assert.ok(result.record.attempts <= OTP_MAX_ATTEMPTS);
        current = result.record;
      }
    }),
    { numRuns: 300 },
  );
});

test('resend cooldown of 60 s', () => {
  assert.equal(canResend(undefined, t0), true);
  assert.equal(canResend(t0, t0 + 59_999), false);
  assert.equal(canResend(t0, t0 + 60_000), true);
  assert.equal(canResend(t0 + 1000, t0), false, 'a send in the future (clock skew) blocks');
});

test('send rate limits: cooldown, 5 per phone and 20 per address in a sliding hour, with retry-after', () => {
  const minute = 60_000;
  assert.deepEqual(checkSendAllowed({ nowMs: t0, phoneSentAtMs: [], addressSentAtMs: [] }), { ok: true });

  const cooldown = checkSendAllowed({ nowMs: t0 + 20_000, phoneSentAtMs: [t0], addressSentAtMs: [t0] });
  assert.ok(!cooldown.ok && cooldown.code === 'rate_limited' && cooldown.reason === 'resend_cooldown');
  assert.equal(cooldown.retryAfterMs, 40_000);

  const fivePhone = [0, 10, 20, 30, 40].map((m) => t0 + m * minute);
  const atFifty = checkSendAllowed({ nowMs: t0 + 50 * minute, phoneSentAtMs: fivePhone, addressSentAtMs: fivePhone });
  assert.ok(!atFifty.ok && atFifty.reason === 'phone_rate_limit');
  assert.equal(atFifty.retryAfterMs, 10 * minute, 'the oldest send leaves the window at t0 + 60 min');
  assert.deepEqual(checkSendAllowed({ nowMs: t0 + 60 * minute, phoneSentAtMs: fivePhone, addressSentAtMs: fivePhone }), { ok: true });
  // Four in the window is fine; old sends are ignored.
  const four = [t0 - 2 * OTP_RATE_WINDOW_MS, ...fivePhone.slice(1)];
  assert.deepEqual(checkSendAllowed({ nowMs: t0 + 50 * minute, phoneSentAtMs: four, addressSentAtMs: four }), { ok: true });

  const twenty = Array.from({ length: 20 }, (_, i) => t0 + i * 2 * minute);
  const address = checkSendAllowed({ nowMs: t0 + 45 * minute, phoneSentAtMs: [], addressSentAtMs: twenty });
  assert.ok(!address.ok && address.reason === 'address_rate_limit');
  assert.equal(address.retryAfterMs, 15 * minute);
  const nineteen = checkSendAllowed({ nowMs: t0 + 45 * minute, phoneSentAtMs: [], addressSentAtMs: twenty.slice(1) });
  assert.deepEqual(nineteen, { ok: true });
});

test('send limits count only the window that ends now: a send dated later does not count against now', () => {
  const ahead = t0 + 31 * 24 * OTP_RATE_WINDOW_MS;
  const phoneAhead = [0, 1, 2, 3, 4].map((i) => ahead + i * 60_000);
  const addressAhead = Array.from({ length: 40 }, (_, i) => ahead + i);
  assert.deepEqual(checkSendAllowed({ nowMs: t0, phoneSentAtMs: phoneAhead, addressSentAtMs: addressAhead }), { ok: true });
  // With the sends of the window mixed in, only those count.
  const refused = checkSendAllowed({ nowMs: t0 + 30_000, phoneSentAtMs: [t0, ...phoneAhead], addressSentAtMs: addressAhead });
  assert.deepEqual(refused.ok ? null : [refused.reason, refused.retryAfterMs], ['resend_cooldown', 30_000]);
});

test('send limits as a property: allowed exactly when every rule allows; retryAfterMs is exact', () => {
  const hour = OTP_RATE_WINDOW_MS;
  const seen = new Set<string>();
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: hour, max: 2 * hour }), { maxLength: 8 }),
      fc.array(fc.integer({ min: hour, max: 2 * hour }), { maxLength: 50, size: 'max' }),
      fc.integer({ min: 2 * hour, max: 2 * hour + 30 * 60_000 }),
      (phoneSends, addressSends, now) => {
        const phoneRecent = phoneSends.filter((t) => now - t < hour).length;
        const addressRecent = addressSends.filter((t) => now - t < hour).length;
        const last = phoneSends.length === 0 ? undefined : Math.max(...phoneSends);
        const decision = checkSendAllowed({ nowMs: now, phoneSentAtMs: phoneSends, addressSentAtMs: addressSends });
        const allowed = canResend(last, now) && phoneRecent < 5 && addressRecent < 20;
        assert.equal(decision.ok, allowed);
        seen.add(decision.ok ? 'ok' : decision.reason);
        if (!decision.ok) {
          assert.ok(decision.retryAfterMs > 0 && decision.retryAfterMs <= hour);
          // The refusing rule passes after exactly retryAfterMs, and not a millisecond sooner.
          const passes = (at: number): boolean => {
            if (decision.reason === 'resend_cooldown') return canResend(last, at);
            const sends = decision.reason === 'phone_rate_limit' ? phoneSends : addressSends;
            const limit = decision.reason === 'phone_rate_limit' ? 5 : 20;
            return sends.filter((t) => at - t < hour).length < limit;
          };
          assert.equal(passes(now + decision.retryAfterMs), true);
          assert.equal(passes(now + decision.retryAfterMs - 1), false);
        }
      },
    ),
    { numRuns: 500 },
  );
  assert.deepEqual([...seen].sort(), ['address_rate_limit', 'ok', 'phone_rate_limit', 'resend_cooldown'], 'every outcome was exercised');
});
