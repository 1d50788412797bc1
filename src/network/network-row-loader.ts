import type { Sql } from '../platform/db/database.ts';
import { loadNetworkRows, type NetworkMessageRow } from './network-records.ts';

/** Ids per query: an IN list this long is still one cheap index probe per id. */
const MAX_IDS_PER_QUERY = 256;

/**
 * Looks up the records of many concurrent messages with one query: the ids
 * asked for during one turn of the event loop are read together. Every
 * authorization asks whether its id was seen before (a repeat), and every
 * follow-up reads its own record and its authorization's, so under load this
 * turns one read per message into one read per turn.
 */
export class NetworkRowLoader {
  #waiting: Array<{ id: string; resolve: (row: NetworkMessageRow | undefined) => void; reject: (error: unknown) => void }> = [];
  #scheduled = false;

  constructor(private readonly sql: Sql) {}

  load(id: string): Promise<NetworkMessageRow | undefined> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting;
    this.#waiting = [];
    this.#scheduled = false;
    for (let start = 0; start < batch.length; start += MAX_IDS_PER_QUERY) {
      const chunk = batch.slice(start, start + MAX_IDS_PER_QUERY);
      try {
        const rows = await loadNetworkRows(this.sql, chunk.map((entry) => entry.id));
        for (const entry of chunk) entry.resolve(rows.get(entry.id));
      } catch (error) {
        for (const entry of chunk) entry.reject(error);
      }
    }
  }
}
