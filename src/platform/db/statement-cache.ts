/**
 * A bounded map for prepared statements, cached by their SQL text; the bound
 * keeps a stream of one-off statements (multi-row inserts of many sizes) from
 * growing memory without limit.
 *
 * Eviction is "second chance" (CLOCK) rather than strict least-recently-used:
 * a hit only marks its entry as used, where an LRU deletes and re-inserts it.
 * The hit is the hot path — about forty a payment, on keys that are long SQL
 * strings, often freshly built by a template literal — and the re-insertion
 * hashed the key a second time and churned the map's table. Only a full cache
 * reorders: the oldest entries that were used since they last came up go to
 * the back with their mark cleared, and the first one that was not is
 * evicted. So a statement in use is never the one evicted while unused ones
 * remain, which is all the statement caches ask of the policy.
 */
export class StatementCache<K, V> {
  readonly #entries = new Map<K, { readonly value: V; used: boolean }>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.capacity) this.#evictOne();
    this.#entries.set(key, { value, used: false });
  }

  /** Evicts the oldest entry not used since it was last given a second chance. */
  #evictOne(): void {
    for (const [key, entry] of this.#entries) {
      this.#entries.delete(key);
      if (!entry.used) return;
      // Used since it last came up: a second chance, at the back.
      entry.used = false;
      this.#entries.set(key, entry);
    }
  }
}
