import type { NetworkRecords } from '../doctor/index.ts';
import type { Sql } from '../platform/db/database.ts';
import { getNetworkMessage, listNetworkMessagesFor } from './network-records.ts';

/** The network's answers to the doctor's questions (the doctor's `NetworkRecords` port), from its own message records. */
export function networkDoctorRecords(sql: Sql): NetworkRecords {
  return {
    message: async (id) => (await getNetworkMessage(sql, id)) ?? undefined,
    messagesOf: (authorizationId) => listNetworkMessagesFor(sql, authorizationId),
  };
}
