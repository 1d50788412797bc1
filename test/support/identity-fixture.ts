import assert from 'node:assert/strict';
import { ManualClock } from '../../src/platform/clock.ts';
import { seededRandom } from '../../src/platform/ids.ts';
import { createSandboxIdentityDeps } from '../../src/issuer/identity/create-identity-deps.ts';
import type { IdentityDeps } from '../../src/issuer/identity/deps.ts';
import { requestSignInCode, verifySignInCode, type VerifyCodeResult } from '../../src/issuer/identity/sign-in.ts';
import { readSandboxInbox } from '../../src/issuer/identity/sms-provider.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export const START_MS = Date.UTC(2026, 10, 25, 12, 0, 0);
export const OTP_PEPPER = Buffer.alloc(32, 7);
export const PHONE_A = '+8613800138000';
export const PHONE_B = '+8613900139000';
export const PHONE_C = '+12015550123';

export interface IdentityFixture extends TestDatabase {
  readonly clock: ManualClock;
  readonly deps: IdentityDeps;
  /** The code of the newest SMS sent to `phone`, read from the sandbox inbox. */
  lastCode(phone: string): Promise<string>;
  /** Requests a code and signs in with it (the clock moves past the resend cooldown first). */
  signIn(phone: string, inviteCode?: string): Promise<Extract<VerifyCodeResult, { ok: true }>>;
}

export async function identityFixture(seed = 42): Promise<IdentityFixture> {
  const base = await createTestDatabase();
  const clock = new ManualClock(START_MS);
  const deps = createSandboxIdentityDeps({ clock, otpPepper: OTP_PEPPER, random: seededRandom(seed) });
  const lastCode = async (phone: string) => {
    const [message] = await readSandboxInbox(base.db, phone, 1);
    assert.ok(message, `no SMS for ${phone}`);
    const match = /\b(\d{6})\b/.exec(message.body);
    assert.ok(match, 'the SMS carries a six-digit code');
    return match[1]!;
  };
  return {
    ...base,
    clock,
    deps,
    lastCode,
    async signIn(phone, inviteCode) {
      clock.advanceMs(61_000);
      const sent = await base.db.transaction((tx) => requestSignInCode(tx, deps, { phone, clientAddress: `10.0.0.${phone.length}` }));
      assert.ok(sent.ok, JSON.stringify(sent));
      const code = await lastCode(phone);
      const result = await base.db.transaction((tx) => verifySignInCode(tx, deps, { phone, code, inviteCode }));
      assert.ok(result.ok, JSON.stringify(result));
      return result;
    },
  };
}
