import { placeholders, type Tx } from '../../platform/db/database.ts';
import type { Ledger } from '../../ledger/index.ts';
import { cardAccountId } from '../cards/card-accounts.ts';
import { CARD_COLUMNS, cardFromRow, type Card, type CardRow } from '../cards/cards.ts';
import { padded } from './records.ts';
import { loadSpend, NO_SPEND, tracksSpend, type SpendCounters } from './spend.ts';

/**
 * What one batch knows about the cards it decides on, read once and then
 * kept up to date in memory as the batch decides: each later decision sees
 * the holds, spend and merchant accounts of the earlier ones.
 *
 * Cards are read with their rows locked (PostgreSQL; SQLite has one writer
 * anyway) in id order, the same lock order as the card services (card row,
 * then ledger accounts), so loads, unloads, freezes and closes wait for the
 * batch and the batch for them. Reading the cardholder's KYC status here is
 * a read of the issuer's own identity table, in the same transaction.
 */
export interface CardEntry {
  readonly card: Card;
  readonly kycStatus: string;
  spend: SpendCounters;
  spendDirty: boolean;
  /** Available USD cents as this batch has left it; undefined = read it from the ledger. */
  available: number | undefined;
  /** Customer refs per merchant (`acquirer\0merchant`) already approved, as loaded plus this batch's. */
  readonly merchantRefs: Map<string, Set<string>>;
}

const IN_CHUNK = 256;

export function merchantKey(acquirerId: string, merchantId: string): string {
  return `${acquirerId}\u0000${merchantId}`;
}

export class CardBook {
  readonly #byFingerprint = new Map<string, CardEntry | null>();
  readonly #byId = new Map<string, CardEntry>();

  constructor(
    private readonly tx: Tx,
    private readonly ledger: Ledger,
  ) {}

  /** Loads (and locks) the cards of these fingerprints not known yet; few statements whatever the count. */
  async prefetch(fingerprints: Iterable<string>): Promise<void> {
    const wanted = [...new Set(fingerprints)].filter((fp) => !this.#byFingerprint.has(fp)).sort();
    for (let i = 0; i < wanted.length; i += IN_CHUNK) {
      const chunk = wanted.slice(i, i + IN_CHUNK);
      const list = padded(chunk);
      const rows = await this.tx.all<CardRow>(
        `SELECT ${CARD_COLUMNS} FROM issuer_cards WHERE pan_fingerprint IN ${placeholders(list.length)} ORDER BY id ${this.tx.forUpdate}`,
        list,
      );
      for (const fp of chunk) this.#byFingerprint.set(fp, null);
      await this.#add(rows.map(cardFromRow));
    }
  }

  async byFingerprint(fingerprint: string): Promise<CardEntry | undefined> {
    if (!this.#byFingerprint.has(fingerprint)) await this.prefetch([fingerprint]);
    return this.#byFingerprint.get(fingerprint) ?? undefined;
  }

  /** The card, locked; undefined if there is no such card. */
  async byId(cardId: string): Promise<CardEntry | undefined> {
    const known = this.#byId.get(cardId);
    if (known) return known;
    const row = await this.tx.get<CardRow>(`SELECT ${CARD_COLUMNS} FROM issuer_cards WHERE id = ? ${this.tx.forUpdate}`, [cardId]);
    if (row === undefined) return undefined;
    await this.#add([cardFromRow(row)]);
    return this.#byId.get(cardId);
  }

  async #add(cards: readonly Card[]): Promise<void> {
    if (cards.length === 0) return;
    const ids = cards.map((c) => c.id);
    const holders = padded([...new Set(cards.map((c) => c.cardholderId))]);
    const kyc = new Map(
      (
        await this.tx.all<{ id: string; kyc_status: string }>(
          `SELECT id, kyc_status FROM issuer_cardholders WHERE id IN ${placeholders(holders.length)}`,
          holders,
        )
      ).map((r) => [r.id, r.kyc_status]),
    );
    const tracked = cards.filter((c) => tracksSpend(c.controls.limits)).map((c) => c.id);
    const spend = tracked.length === 0 ? new Map<string, SpendCounters>() : await loadSpend(this.tx, padded(tracked));
    const balances = new Map((await this.ledger.getBalances(this.tx, padded(ids.map(cardAccountId)))).map((b) => [b.account_id, b.available]));
    for (const card of cards) {
      const entry: CardEntry = {
        card,
        kycStatus: kyc.get(card.cardholderId) ?? 'not_started',
        spend: spend.get(card.id) ?? NO_SPEND,
        spendDirty: false,
        available: balances.get(cardAccountId(card.id)) ?? 0,
        merchantRefs: new Map(),
      };
      this.#byFingerprint.set(card.panFingerprint, entry);
      this.#byId.set(card.id, entry);
    }
  }

  async available(entry: CardEntry): Promise<number> {
    if (entry.available === undefined) {
      entry.available = (await this.ledger.getBalance(this.tx, cardAccountId(entry.card.id)))?.available ?? 0;
    }
    return entry.available;
  }

  async merchantRefs(entry: CardEntry, acquirerId: string, merchantId: string): Promise<Set<string>> {
    const key = merchantKey(acquirerId, merchantId);
    let refs = entry.merchantRefs.get(key);
    if (refs === undefined) {
      const rows = await this.tx.all<{ customer_ref: string }>(
        'SELECT customer_ref FROM issuer_card_merchant_accounts WHERE card_id = ? AND acquirer_id = ? AND merchant_id = ?',
        [entry.card.id, acquirerId, merchantId],
      );
      refs = new Set(rows.map((r) => r.customer_ref));
      entry.merchantRefs.set(key, refs);
    }
    return refs;
  }

  /** Loads, in one query, the known customer refs of these (card, merchant) pairs not loaded yet. */
  async prefetchMerchantRefs(wanted: ReadonlyArray<{ readonly entry: CardEntry; readonly acquirerId: string; readonly merchantId: string }>): Promise<void> {
    const missing = new Map<string, { entry: CardEntry; key: string }>();
    for (const w of wanted) {
      const key = merchantKey(w.acquirerId, w.merchantId);
      if (!w.entry.merchantRefs.has(key)) missing.set(`${w.entry.card.id}\u0000${key}`, { entry: w.entry, key });
    }
    if (missing.size === 0) return;
    const cardIds = padded([...new Set([...missing.values()].map((m) => m.entry.card.id))].slice(0, IN_CHUNK));
    const merchantIds = padded([...new Set(wanted.map((w) => w.merchantId))].slice(0, IN_CHUNK));
    const rows = await this.tx.all<{ card_id: string; acquirer_id: string; merchant_id: string; customer_ref: string }>(
      `SELECT card_id, acquirer_id, merchant_id, customer_ref FROM issuer_card_merchant_accounts
        WHERE card_id IN ${placeholders(cardIds.length)} AND merchant_id IN ${placeholders(merchantIds.length)}`,
      [...cardIds, ...merchantIds],
    );
    const found = new Map<string, Set<string>>();
    for (const row of rows) {
      const id = `${row.card_id}\u0000${merchantKey(row.acquirer_id, row.merchant_id)}`;
      let refs = found.get(id);
      if (refs === undefined) found.set(id, (refs = new Set()));
      refs.add(row.customer_ref);
    }
    // Pairs beyond the IN bound are left unloaded; merchantRefs() reads them one by one.
    const loadedCards = new Set(cardIds);
    const loadedMerchants = new Set(merchantIds);
    for (const [id, { entry, key }] of missing) {
      const merchantId = key.slice(key.indexOf('\u0000') + 1);
      if (!loadedCards.has(entry.card.id) || !loadedMerchants.has(merchantId)) continue;
      entry.merchantRefs.set(key, found.get(id) ?? new Set());
    }
  }

  entries(): IterableIterator<CardEntry> {
    return this.#byId.values();
  }
}
