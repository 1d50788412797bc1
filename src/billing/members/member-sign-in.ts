import type { Clock } from '../../platform/clock.ts';
import type { Tx } from '../../platform/db/database.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS, type OtpOutcome, type SendRefusalReason } from '../../platform/identity/one-time-codes.ts';
import { otpRefusalMessage, sendRefusalMessage } from '../../platform/identity/otp-messages.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import { issueMemberCode, verifyMemberCode } from './member-codes.ts';
import type { MemberMailer } from './member-mail.ts';
import { chooseMembership, noteMembershipChosen } from './member-choice.ts';
import { createMemberSession, revokeMemberSession, type NewMemberSession } from './member-sessions.ts';
import { membershipsOf, normalizeEmail, type Member } from './members.ts';

/**
 * A member signs in to the billing page with their e-mail address and a
 * one-time code mailed to it.
 *
 * No account enumeration: an address that is nobody's gets exactly the
 * answer a member's gets — a code is stored for it (and counts toward the
 * same rate limits, so a second request within the minute is refused for
 * both), only no letter is sent; trying a code then fails the same way too.
 *
 * Both functions run in the caller's transaction and return refusals as
 * values: a wrong code must still commit its attempt count.
 */

export interface MemberDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** For codes and session tokens: a cryptographic source outside tests. */
  readonly random: RandomSource;
  /** Billing's own server secret for code hashes (member-pepper-file.ts). */
  readonly otpPepper: Buffer;
  readonly mailer: MemberMailer;
}

export type RequestMemberCodeResult =
  | { readonly ok: true; readonly email: string; readonly expiresAtMs: number; readonly resendAfterMs: number }
  | { readonly ok: false; readonly code: 'email_invalid'; readonly message: string }
  | { readonly ok: false; readonly code: 'rate_limited'; readonly reason: SendRefusalReason; readonly retryAfterMs: number; readonly message: string };

export async function requestMemberSignInCode(tx: Tx, deps: MemberDeps, input: { readonly email: unknown; readonly clientAddress: string }): Promise<RequestMemberCodeResult> {
  const normalized = normalizeEmail(input.email);
  if (!normalized.ok) return { ok: false, code: 'email_invalid', message: normalized.message };
  const { email } = normalized;
  const nowMs = deps.clock.nowMs();
  const issued = await issueMemberCode(tx, deps, { email, clientAddress: input.clientAddress, nowMs });
  if (!issued.ok) return { ok: false, code: 'rate_limited', reason: issued.reason, retryAfterMs: issued.retryAfterMs, message: sendRefusalMessage(issued.reason, issued.retryAfterMs, 'address') };
  if ((await membershipsOf(tx, email)).length > 0) await deps.mailer.send(tx, { to: email, ...signInLetter(issued.code), nowMs });
  return { ok: true, email, expiresAtMs: issued.expiresAtMs, resendAfterMs: nowMs + OTP_RESEND_COOLDOWN_MS };
}

export function signInLetter(code: string): { subject: string; body: string } {
  const minutes = OTP_TTL_MS / 60_000;
  return {
    subject: `Your Cardlane billing sign-in code is ${code}`,
    body:
      `Your code to sign in to Cardlane billing is ${code}. It works once, for ${minutes} minutes. ` +
      `If you did not ask for it, ignore this letter: nobody can sign in without the code.\n\n` +
      `你的 Cardlane 账单登录验证码是 ${code}，${minutes} 分钟内有效，只能使用一次。如果不是你本人操作，请忽略此邮件。`,
  };
}

export type VerifyMemberCodeResult =
  | { readonly ok: true; readonly member: Member; readonly session: NewMemberSession; readonly memberships: readonly Member[] }
  | { readonly ok: false; readonly code: 'email_invalid'; readonly message: string }
  | { readonly ok: false; readonly code: Exclude<OtpOutcome, 'ok'>; readonly attemptsRemaining: number; readonly message: string }
  | { readonly ok: false; readonly code: 'resource_missing'; readonly message: string }
  | { readonly ok: false; readonly code: 'organization_choice_required'; readonly invitations: readonly Member[]; readonly message: string };

/**
 * Checks the code; on success opens a session for one of the address's
 * memberships (member-choice.ts): `organization` when given — accepting it
 * if it was an invitation — else the one the person last chose, never a
 * mere invitation. The choice is looked at only after the code is right, so
 * it tells a guesser nothing. `organization_choice_required` comes with a
 * right code: the caller rolls the transaction back, so the same code works
 * when the person names the organization they accept.
 */
export async function verifyMemberSignInCode(
  tx: Tx,
  deps: MemberDeps,
  input: { readonly email: unknown; readonly code: string; readonly organization?: string | undefined },
): Promise<VerifyMemberCodeResult> {
  const normalized = normalizeEmail(input.email);
  if (!normalized.ok) return { ok: false, code: 'email_invalid', message: normalized.message };
  const { email } = normalized;
  const nowMs = deps.clock.nowMs();
  const result = await verifyMemberCode(tx, deps.otpPepper, { email, code: input.code, nowMs });
  if (result === undefined) return { ok: false, code: 'code_invalid', attemptsRemaining: 0, message: 'No code is waiting for this address; ask for a new one.' };
  if (result.outcome !== 'ok') {
    return { ok: false, code: result.outcome, attemptsRemaining: result.attemptsRemaining, message: otpRefusalMessage(result.outcome, result.attemptsRemaining) };
  }
  const memberships = await membershipsOf(tx, email);
  // Only reachable by guessing a code never sent: answered as a wrong code.
  if (memberships.length === 0) return { ok: false, code: 'code_invalid', attemptsRemaining: 0, message: 'The code is not right; ask for a new one.' };
  const choice = chooseMembership(memberships, input.organization);
  if (choice.result === 'not_a_member') {
    return { ok: false, code: 'resource_missing', message: `${email} is not a member of ${input.organization}; ask for a new code and sign in without naming it.` };
  }
  if (choice.result === 'choice_required') {
    return {
      ok: false,
      code: 'organization_choice_required',
      invitations: choice.invitations,
      message: `${email} has only invitations it has not accepted yet: sign in again with the same code, naming the organization (organization) you accept.`,
    };
  }
  return { ok: true, ...(await openChosenMembership(tx, deps, choice.member, memberships, nowMs)) };
}

/**
 * The end of every way into an organization — signing in, switching to
 * another of the person's organizations (switchMemberOrganization): records
 * the choice (which accepts an invitation) and opens a session for it.
 */
async function openChosenMembership(
  tx: Tx,
  deps: MemberDeps,
  chosen: Member,
  memberships: readonly Member[],
  nowMs: number,
): Promise<{ readonly member: Member; readonly session: NewMemberSession; readonly memberships: readonly Member[] }> {
  const member = await noteMembershipChosen(tx, chosen, nowMs);
  const session = await createMemberSession(tx, deps, member.id, nowMs);
  return { member, session, memberships: memberships.map((m) => (m.id === member.id ? member : m)) };
}

export type SwitchMemberOrganizationResult =
  | { readonly ok: true; readonly member: Member; readonly session: NewMemberSession; readonly memberships: readonly Member[] }
  | { readonly ok: false; readonly code: 'resource_missing' | 'authentication_required'; readonly message: string };

/**
 * A person signed in moves to another of their organizations without a new
 * code: as signing in naming it (an invitation is accepted, the choice
 * becomes their default), with a new session of a sign-in's lifetime, and the
 * session they came with ends — in the caller's transaction, so there is
 * never a moment with both or neither. An organization they do not belong to
 * (never did, or were removed from) is answered as one that does not exist.
 * Refusals write nothing.
 */
export async function switchMemberOrganization(
  tx: Tx,
  deps: MemberDeps,
  input: { readonly sessionId: string; readonly email: string; readonly organization: string },
): Promise<SwitchMemberOrganizationResult> {
  const nowMs = deps.clock.nowMs();
  const memberships = await membershipsOf(tx, input.email);
  const choice = chooseMembership(memberships, input.organization);
  if (choice.result !== 'chosen') return { ok: false, code: 'resource_missing', message: `No organization ${input.organization} among yours.` };
  // Ended first: of two switches with the same token at once, only one finds it live (the row's lock decides), so one session follows from one.
  if (!(await revokeMemberSession(tx, input.sessionId, nowMs))) {
    return { ok: false, code: 'authentication_required', message: 'The session has expired or was signed out; sign in again.' };
  }
  return { ok: true, ...(await openChosenMembership(tx, deps, choice.member, memberships, nowMs)) };
}
