import type { Database } from '../platform/db/database.ts';
import { randomKeySecret } from '../platform/secret-file.ts';
import { openSecret, sealSecret } from '../platform/secrets/envelope.ts';
import type { AuthorizationAdvice } from './messages.ts';

/**
 * The advices (0120) the network owes issuers after stand-ins: a store and
 * forward queue, as card networks keep for an issuer that was not there.
 * An advice carries the authorization it advises — the card number too,
 * which is how an issuer that never saw the request finds the card to put
 * the attempt on — and the network's records keep no card number. So the
 * advice itself waits here, sealed (AES-256-GCM under the network's advice
 * key, bound to the advice's id), from the moment the stand-in's
 * follow-through starts until the issuer has it: a long outage or a process
 * that died no longer leaves the issuer unadvised. Never its CVV2: an
 * advice never carries one. Delivered or given up, the row is deleted, so a
 * card number is held only while it is owed.
 */

/** The network's key for owed advices (32 random bytes), one per deployment in the secret store. */
export const ADVICE_KEY_SECRET = randomKeySecret('network.advice-key', 32);

export interface OwedAdvice {
  readonly advice: AuthorizationAdvice;
  readonly issuer: string;
  readonly owedSinceMs: number;
}

/** The seal binds this name and the advice's id: a sealed advice moved onto another row does not open. */
const SEAL_NAME = 'network.owed-advice';

export class OwedAdvices {
  readonly #db: Database;
  readonly #key: Buffer;

  constructor(db: Database, key: Buffer) {
    if (key.length !== 32) throw new RangeError(`the network's advice key is 32 bytes, got ${key.length}`);
    this.#db = db;
    this.#key = key;
  }

  /** Records `advice` as owed to `issuer` (a second call for the same advice changes nothing). */
  async owe(advice: AuthorizationAdvice, issuer: string, nowMs: number): Promise<void> {
    const kept: AuthorizationAdvice = { ...advice, request: { ...advice.request, card: { ...advice.request.card, cvv2: null } } };
    const sealed = sealSecret(this.#key, SEAL_NAME, advice.id, Buffer.from(JSON.stringify(kept), 'utf8'));
    await this.#db.run(
      'INSERT INTO network_owed_advices (advice_id, original_id, issuer, sealed, owed_since_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (advice_id) DO NOTHING',
      [advice.id, advice.request.id, issuer, sealed, nowMs],
    );
  }

  /** Advices owed since `beforeMs` or earlier, oldest first. One that does not open (not sealed by this deployment) is left to expire. */
  async owedSince(beforeMs: number, limit: number): Promise<{ readonly owed: OwedAdvice[]; readonly unreadable: string[] }> {
    const rows = await this.#db.all<{ advice_id: string; issuer: string; sealed: string; owed_since_ms: number | string }>(
      'SELECT advice_id, issuer, sealed, owed_since_ms FROM network_owed_advices WHERE owed_since_ms <= ? ORDER BY owed_since_ms, advice_id LIMIT ?',
      [beforeMs, limit],
    );
    const owed: OwedAdvice[] = [];
    const unreadable: string[] = [];
    for (const row of rows) {
      try {
        const advice = JSON.parse(openSecret(this.#key, SEAL_NAME, row.advice_id, row.sealed).toString('utf8')) as AuthorizationAdvice;
        owed.push({ advice, issuer: row.issuer, owedSinceMs: Number(row.owed_since_ms) });
      } catch {
        unreadable.push(row.advice_id);
      }
    }
    return { owed, unreadable };
  }

  /** How many advices are owed to `issuer` now (every process's: they share the table). */
  async count(issuer: string): Promise<number> {
    const row = await this.#db.get<{ owed: number | string }>('SELECT COUNT(*) AS owed FROM network_owed_advices WHERE issuer = ?', [issuer]);
    return Number(row?.owed ?? 0);
  }

  /** The advice is delivered, or no longer worth keeping: its sealed copy goes. */
  async forget(adviceId: string): Promise<void> {
    await this.#db.run('DELETE FROM network_owed_advices WHERE advice_id = ?', [adviceId]);
  }
}
