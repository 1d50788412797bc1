import type { DecidedBy, IsoResponseCode } from '../network/messages.ts';

/** What the network answers the doctor's questions about declines over a period (ports.ts `NetworkRecords`). */

export interface AuthorizationCount {
  readonly decidedBy: DecidedBy;
  readonly responseCode: IsoResponseCode;
  readonly reason: string;
  readonly count: number;
}

/** Where a newest-first list of the network's records stopped: the last record's answer time and id. */
export interface RecordPosition {
  readonly atMs: number;
  readonly id: string;
}
