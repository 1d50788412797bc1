import type { Sql } from '../../platform/db/database.ts';

/**
 * Checks that the test bank's books add up: each authorization's running
 * amounts equal the sums of the follow-ups it answered with 00, nothing is
 * cleared or released past what was authorized, nothing refunded past what
 * was cleared, and a declined authorization holds nothing. Returns one line
 * per problem (empty when the books are consistent).
 */
export async function auditTestBank(sql: Sql): Promise<string[]> {
  const rows = await sql.all<{
    id: string;
    response_code: string;
    requested_minor: number;
    authorized_minor: number;
    cleared_minor: number;
    released_minor: number;
    refunded_minor: number;
    increments: number;
    cleared: number;
    released: number;
    refunded: number;
  }>(
    `SELECT a.id, a.response_code, a.requested_minor, a.authorized_minor, a.cleared_minor, a.released_minor, a.refunded_minor,
            COALESCE(SUM(CASE WHEN m.type = 'incremental_authorization' THEN m.amount_minor ELSE 0 END), 0) AS increments,
            COALESCE(SUM(CASE WHEN m.type = 'clearing' THEN m.amount_minor ELSE 0 END), 0) AS cleared,
            COALESCE(SUM(m.released_minor), 0) AS released,
            COALESCE(SUM(CASE WHEN m.type = 'refund' THEN m.amount_minor ELSE 0 END), 0) AS refunded
       FROM test_bank_authorizations a
       LEFT JOIN test_bank_messages m ON m.authorization_id = a.id AND m.response_code = '00'
      GROUP BY a.id, a.response_code, a.requested_minor, a.authorized_minor, a.cleared_minor, a.released_minor, a.refunded_minor`,
  );
  const problems: string[] = [];
  for (const r of rows) {
    const approved = r.response_code === '00';
    const expectedAuthorized = approved ? Number(r.requested_minor) + Number(r.increments) : 0;
    const checks: Array<[string, number, number]> = [
      ['authorized', Number(r.authorized_minor), expectedAuthorized],
      ['cleared', Number(r.cleared_minor), Number(r.cleared)],
      ['released', Number(r.released_minor), Number(r.released)],
      ['refunded', Number(r.refunded_minor), Number(r.refunded)],
    ];
    for (const [what, stored, expected] of checks) {
      if (stored !== expected) problems.push(`${r.id}: ${what} is ${stored}, its messages add up to ${expected}`);
    }
    if (Number(r.cleared_minor) + Number(r.released_minor) > Number(r.authorized_minor)) problems.push(`${r.id}: cleared and released exceed authorized`);
    if (Number(r.refunded_minor) > Number(r.cleared_minor)) problems.push(`${r.id}: refunded exceeds cleared`);
  }
  return problems;
}
