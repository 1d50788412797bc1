import type { TestBankRecords } from '../../doctor/index.ts';
import type { Sql } from '../../platform/db/database.ts';
import { loadAuthorization } from './test-bank-store.ts';

/** The scripted test bank's answers to the doctor's questions (the doctor's `TestBankRecords` port), from its own books. */
export function testBankDoctorRecords(sql: Sql): TestBankRecords {
  return {
    authorizationByRequest: (requestId) => loadAuthorization(sql, requestId),
    async authorization(id) {
      const row = await sql.get<{ request_id: string }>('SELECT request_id FROM test_bank_authorizations WHERE id = ?', [id]);
      return row === undefined ? undefined : loadAuthorization(sql, row.request_id);
    },
    async authentication(id) {
      return sql.get<{ status: 'challenge' | 'authenticated' | 'failed' | 'expired'; reason: string }>('SELECT status, reason FROM test_bank_authentications WHERE id = ?', [id]);
    },
  };
}
