import type { NetworkDisputeMessageRecord, NetworkRecords } from '../doctor/index.ts';
import type { Sql } from '../platform/db/database.ts';
import { getNetworkMessage, listNetworkMessagesFor } from './network-records.ts';
import { countAuthorizations, listDeclinedAuthorizations } from './decline-records.ts';

/** The network's answers to the doctor's questions (the doctor's `NetworkRecords` port), from its own message records. */
export function networkDoctorRecords(sql: Sql): NetworkRecords {
  return {
    message: async (id) => (await getNetworkMessage(sql, id)) ?? undefined,
    messagesOf: (authorizationId) => listNetworkMessagesFor(sql, authorizationId),
    authorizationCounts: (window) => countAuthorizations(sql, window),
    declinedAuthorizations: (window, after, limit) => listDeclinedAuthorizations(sql, window, after, limit),
    async disputeMessagesOf(chargebackId) {
      const rows = await sql.all<{ id: string; type: NetworkDisputeMessageRecord['type']; sender: string; chargeback_id: string; original_id: string | null; action: string | null; winner: string | null; response_code: string; reason: string; created_at_ms: number | string }>(
        `SELECT id, type, sender, chargeback_id, original_id, action, winner, response_code, reason, created_at_ms FROM network_dispute_messages WHERE chargeback_id = ? ORDER BY seq LIMIT 20`,
        [chargebackId],
      );
      return rows.map((r) => ({ id: r.id, type: r.type, sender: r.sender, chargebackId: r.chargeback_id, originalId: r.original_id, action: r.action, winner: r.winner, responseCode: r.response_code, reason: r.reason, atMs: Number(r.created_at_ms) }));
    },
  };
}
