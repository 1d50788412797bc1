import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';

/**
 * The people of an organization who sign in to the billing page. A member
 * is an e-mail address with a role: `owner` (who the organization belongs
 * to) or `member`. An address may belong to several organizations; it
 * signs in to one at a time.
 *
 * An invited address is a member whose invitation is not accepted yet
 * (`lastChosenAtMs` null): it becomes a full member the first time the
 * person signs in to that organization by name (member-choice.ts). Until
 * then it is listed as invited and is never the person's default.
 */

export type MemberRole = 'owner' | 'member';
export const MEMBER_ROLES: readonly MemberRole[] = ['owner', 'member'];

export interface Member {
  readonly id: string;
  readonly orgId: string;
  readonly email: string;
  readonly role: MemberRole;
  readonly createdAtMs: number;
  /** When the person last signed in to this organization by choice; null: invited, not accepted yet. */
  readonly lastChosenAtMs: number | null;
}

export type MemberStatus = 'active' | 'invited';

export function memberStatus(member: Member): MemberStatus {
  return member.lastChosenAtMs === null ? 'invited' : 'active';
}

// RFC 5321's limit on a forward path; longer addresses cannot receive mail.
export const EMAIL_MAX_CHARS = 254;
// One @, something on each side, a dot in the domain, no spaces or control characters.
const EMAIL_SHAPE = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

export type NormalizedEmail = { readonly ok: true; readonly email: string } | { readonly ok: false; readonly message: string };

/**
 * The form an address is stored and compared in: trimmed, Unicode NFC, lower
 * case. Lower-casing the local part is not what RFC 5321 promises, but it is
 * what every mail provider people use does, and it keeps `Owner@…` and
 * `owner@…` one person (and one rate limit).
 */
export function normalizeEmail(input: unknown): NormalizedEmail {
  if (typeof input !== 'string') return { ok: false, message: 'An e-mail address is text, like owner@example.com.' };
  const email = input.trim().normalize('NFC').toLowerCase();
  if (email.length > EMAIL_MAX_CHARS || !EMAIL_SHAPE.test(email)) {
    return { ok: false, message: 'This is not an e-mail address; it looks like owner@example.com.' };
  }
  return { ok: true, email };
}

interface MemberRow {
  id: string;
  org_id: string;
  email: string;
  role: MemberRole;
  created_at_ms: number | string;
  last_chosen_at_ms: number | string | null;
}

const MEMBER_COLUMNS = 'id, org_id, email, role, created_at_ms, last_chosen_at_ms';

function fromRow(row: MemberRow): Member {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role,
    createdAtMs: Number(row.created_at_ms),
    lastChosenAtMs: row.last_chosen_at_ms === null ? null : Number(row.last_chosen_at_ms),
  };
}

/**
 * Makes `email` a member of the organization with `role`, unless it is one
 * already (then the existing member is returned as it is: roles are not
 * changed here). Safe to run from several processes at once.
 *
 * `invitation: true` (an owner inviting) leaves it to the person to accept;
 * otherwise the address is the organization's own from the start (its
 * creator, the demo's owner), and an invitation of it waiting is accepted.
 */
export async function addMember(
  tx: Tx,
  deps: { readonly ids: IdGenerator; readonly nowMs: number },
  input: { readonly orgId: string; readonly email: string; readonly role: MemberRole; readonly invitation?: boolean },
): Promise<Member> {
  const normalized = normalizeEmail(input.email);
  if (!normalized.ok) throw new RangeError(normalized.message);
  if (!MEMBER_ROLES.includes(input.role)) throw new RangeError(`a member's role is owner or member, not ${JSON.stringify(input.role)}`);
  const chosenAtMs = input.invitation === true ? null : deps.nowMs;
  await tx.run(
    `INSERT INTO billing_members (id, org_id, email, role, created_at_ms, last_chosen_at_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (org_id, email) DO NOTHING`,
    [deps.ids.next('mem'), input.orgId, normalized.email, input.role, deps.nowMs, chosenAtMs],
  );
  if (chosenAtMs !== null) {
    await tx.run('UPDATE billing_members SET last_chosen_at_ms = ? WHERE org_id = ? AND email = ? AND last_chosen_at_ms IS NULL', [chosenAtMs, input.orgId, normalized.email]);
  }
  const row = await tx.get<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM billing_members WHERE org_id = ? AND email = ?`, [input.orgId, normalized.email]);
  return fromRow(row!);
}

/** The memberships of a normalized address (accepted or invited), oldest first. */
export async function membershipsOf(sql: Sql, email: string): Promise<Member[]> {
  const rows = await sql.all<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM billing_members WHERE email = ? ORDER BY created_at_ms, id`, [email]);
  return rows.map(fromRow);
}

/** The organization's members (accepted or invited), oldest first. */
export async function listMembers(sql: Sql, orgId: string): Promise<Member[]> {
  const rows = await sql.all<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM billing_members WHERE org_id = ? ORDER BY created_at_ms, id`, [orgId]);
  return rows.map(fromRow);
}

/** One member of the organization as it is now (read in the caller's transaction), or undefined when there is no such member any more. */
export async function findMember(sql: Sql, orgId: string, memberId: string): Promise<Member | undefined> {
  const row = await sql.get<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM billing_members WHERE org_id = ? AND id = ?`, [orgId, memberId]);
  return row === undefined ? undefined : fromRow(row);
}
