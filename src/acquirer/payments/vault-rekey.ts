import type { Database, Tx } from '../../platform/db/database.ts';
import type { RandomSource } from '../../platform/ids.ts';
import { cardFingerprint, isLegacySeal, openPan, sealPan } from '../cards/vault.ts';

/**
 * Moves payment methods vaulted before the vault had subkeys (cards/vault.ts)
 * onto them: the card number is sealed again under the sealing subkey and
 * the fingerprint keyed again under the fingerprint subkey, in one row
 * update, so a row's seal version says which keys both values use.
 *
 * A merchant compares fingerprints across its payment methods (risk rules'
 * block and allow lists, velocity per card, the doctor's history of a card),
 * so wherever the old fingerprint was copied it is replaced in the same
 * transaction: the merchant's risk attempts and its card-fingerprint rules.
 * Run at every start before the server takes requests, so no request sees a
 * mix; bounded batches walked in id order; idempotent (a row another process
 * re-keyed meanwhile no longer matches its old seal and is left alone). A
 * row whose number does not open under this vault key is skipped, as the
 * PAR backfill skips it: such a card cannot be charged either.
 *
 * Merchants see the new fingerprint on their payment methods from then on;
 * a copy a merchant kept elsewhere (billing keeps one for display) is stale.
 */

export const VAULT_REKEY_BATCH_SIZE = 200;

export interface VaultRekeyResult {
  readonly rekeyed: number;
  /** Legacy rows whose number did not open under this vault key. */
  readonly skipped: number;
}

interface LegacyRow {
  readonly id: string;
  readonly merchant_id: string;
  readonly pan_sealed: string;
  readonly fingerprint: string;
}

// `substr(…) = 'v1:'` is the partial index's own predicate (payments/migrations.ts), so the walk reads only legacy rows.
const SELECT_LEGACY = `SELECT id, merchant_id, pan_sealed, fingerprint FROM acquirer_payment_methods
  WHERE substr(pan_sealed, 1, 3) = 'v1:' AND id > ? ORDER BY id LIMIT ?`;

export async function rekeyLegacyVault(
  db: Database,
  vaultKey: Buffer,
  random: RandomSource,
  batchSize = VAULT_REKEY_BATCH_SIZE,
): Promise<VaultRekeyResult> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  let rekeyed = 0;
  let skipped = 0;
  let afterId = '';
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await tx.all<LegacyRow>(SELECT_LEGACY, [afterId, batchSize]);
      let moved = 0;
      let left = 0;
      for (const row of rows) {
        if (!isLegacySeal(row.pan_sealed)) continue;
        let pan: string;
        try {
          pan = openPan(vaultKey, row.pan_sealed);
        } catch {
          left++;
          continue;
        }
        const fingerprint = cardFingerprint(vaultKey, pan);
        const changed = await tx.run('UPDATE acquirer_payment_methods SET pan_sealed = ?, fingerprint = ? WHERE id = ? AND pan_sealed = ?', [
          sealPan(vaultKey, pan, random),
          fingerprint,
          row.id,
          row.pan_sealed,
        ]);
        if (changed === 0) continue;
        moved++;
        if (row.fingerprint !== fingerprint) await replaceFingerprint(tx, row.merchant_id, row.fingerprint, fingerprint);
      }
      // Counted here and added after the commit, so a transaction that rolls back counts nothing.
      return { size: rows.length, lastId: rows.at(-1)?.id ?? afterId, moved, left };
    });
    rekeyed += batch.moved;
    skipped += batch.left;
    if (batch.size < batchSize) return { rekeyed, skipped };
    afterId = batch.lastId;
  }
}

/** The merchant's copies of a card's fingerprint: risk attempts (velocity per card) and fingerprint lists in its rules. */
async function replaceFingerprint(tx: Tx, merchantId: string, from: string, to: string): Promise<void> {
  await tx.run('UPDATE acquirer_risk_attempts SET card_fingerprint = ? WHERE merchant_id = ? AND card_fingerprint = ?', [to, merchantId, from]);
  const rules = await tx.all<{ id: string; condition_json: string }>(
    // Locked: two processes starting at once may each swap a different card in the same list.
    `SELECT id, condition_json FROM acquirer_risk_rules WHERE merchant_id = ? AND condition_kind = 'card_fingerprint' ORDER BY id ${tx.forUpdate}`,
    [merchantId],
  );
  for (const rule of rules) {
    const condition = JSON.parse(rule.condition_json) as { kind: string; in: string[] };
    if (!condition.in.includes(from)) continue;
    // A list never holds one fingerprint twice (rule-validation.ts), and must not after the swap either.
    const list = condition.in.includes(to) ? condition.in.filter((item) => item !== from) : condition.in.map((item) => (item === from ? to : item));
    await tx.run('UPDATE acquirer_risk_rules SET condition_json = ? WHERE id = ?', [JSON.stringify({ ...condition, in: list }), rule.id]);
  }
}
