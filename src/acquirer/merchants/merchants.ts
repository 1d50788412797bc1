import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import { formatVerificationHoldRelease, parseVerificationHoldRelease, RELEASE_IMMEDIATELY, type VerificationHoldRelease } from './verification-hold-release.ts';

/**
 * Merchants and their test-mode API keys. Keys look like Stripe's
 * (`sk_test_…`, `pk_test_…`, 32 base62 characters = 190 bits) so that
 * scripts and the SDK treat them the same way; only their SHA-256 is kept.
 */

export interface Merchant {
  readonly id: string;
  readonly name: string;
  /** What the cardholder sees on their statement. */
  readonly statementDescriptor: string;
  readonly mcc: string;
  readonly country: string;
  readonly defaultCurrency: string;
  /**
   * What a card verification (setup intent, attach) authorizes, in minor
   * units of `defaultCurrency`: 0 is a zero-amount account verification;
   * more is a verification hold, released at once (see card-verification.ts).
   */
  readonly cardVerificationAmountMinor: number;
  /** When that hold is released: at once, after some hours, or never (verification-hold-release.ts). */
  readonly verificationHoldRelease: VerificationHoldRelease;
  readonly createdAtMs: number;
}

export type ApiKeyKind = 'secret' | 'publishable';

export interface MerchantWithKeys {
  readonly merchant: Merchant;
  readonly secretKey: string;
  readonly publishableKey: string;
}

export interface NewMerchant {
  readonly name: string;
  readonly statementDescriptor?: string;
  readonly mcc: string;
  readonly country: string;
  readonly defaultCurrency?: string;
  /** Default 0: zero-amount verification, as Stripe does. */
  readonly cardVerificationAmountMinor?: number;
  /** Default: released at once. */
  readonly verificationHoldRelease?: VerificationHoldRelease;
  readonly isDemo?: boolean;
}

const KEY_PREFIX: Record<ApiKeyKind, string> = { secret: 'sk_test_', publishable: 'pk_test_' };
const KEY_BODY_CHARS = 32;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const API_KEY_PATTERN = /^(sk|pk)_test_[0-9A-Za-z]{32}$/;
/**
 * The largest verification hold a merchant may set, in minor units: real
 * holds are a few dollars, and a cap keeps a typo (500.00 for 5.00) from
 * holding a customer's rent for a week on every card added.
 */
export const CARD_VERIFICATION_AMOUNT_MAX_MINOR = 10_000;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function newApiKey(kind: ApiKeyKind, random: RandomSource): string {
  let body = '';
  // Rejection sampling keeps every character uniform (256 is not a multiple of 62).
  while (body.length < KEY_BODY_CHARS) {
    for (const byte of random(KEY_BODY_CHARS * 2)) {
      if (byte < 248 && body.length < KEY_BODY_CHARS) body += BASE62[byte % 62];
    }
  }
  return KEY_PREFIX[kind] + body;
}

export async function createMerchant(tx: Tx, deps: { ids: IdGenerator; random: RandomSource; nowMs: number }, input: NewMerchant): Promise<MerchantWithKeys> {
  const cardVerificationAmountMinor = input.cardVerificationAmountMinor ?? 0;
  assertCardVerificationAmount(cardVerificationAmountMinor);
  const merchant: Merchant = {
    id: deps.ids.next('acct'),
    name: input.name,
    statementDescriptor: (input.statementDescriptor ?? input.name).slice(0, 22).toUpperCase(),
    mcc: input.mcc,
    country: input.country.toUpperCase(),
    defaultCurrency: (input.defaultCurrency ?? 'usd').toLowerCase(),
    cardVerificationAmountMinor,
    verificationHoldRelease: input.verificationHoldRelease ?? RELEASE_IMMEDIATELY,
    createdAtMs: deps.nowMs,
  };
  await tx.run(
    `INSERT INTO acquirer_merchants (id, name, statement_descriptor, mcc, country, default_currency, card_verification_amount_minor, verification_hold_release, is_demo, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      merchant.id, merchant.name, merchant.statementDescriptor, merchant.mcc, merchant.country, merchant.defaultCurrency,
      merchant.cardVerificationAmountMinor, formatVerificationHoldRelease(merchant.verificationHoldRelease), input.isDemo ? 1 : 0, deps.nowMs,
    ],
  );
  const secretKey = await addApiKey(tx, deps, merchant.id, 'secret');
  const publishableKey = await addApiKey(tx, deps, merchant.id, 'publishable');
  return { merchant, secretKey, publishableKey };
}

export async function addApiKey(tx: Tx, deps: { ids: IdGenerator; random: RandomSource; nowMs: number }, merchantId: string, kind: ApiKeyKind): Promise<string> {
  const key = newApiKey(kind, deps.random);
  await tx.run(
    'INSERT INTO acquirer_api_keys (id, merchant_id, kind, key_hash, key_last4, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)',
    [deps.ids.next('key'), merchantId, kind, hashApiKey(key), key.slice(-4), deps.nowMs],
  );
  return key;
}

interface MerchantRow {
  id: string;
  name: string;
  statement_descriptor: string;
  mcc: string;
  country: string;
  default_currency: string;
  card_verification_amount_minor: number | string;
  verification_hold_release: string;
  created_at_ms: number | string;
}

const MERCHANT_COLUMNS = 'm.id, m.name, m.statement_descriptor, m.mcc, m.country, m.default_currency, m.card_verification_amount_minor, m.verification_hold_release, m.created_at_ms';

function fromRow(row: MerchantRow): Merchant {
  return {
    id: row.id,
    name: row.name,
    statementDescriptor: row.statement_descriptor,
    mcc: row.mcc,
    country: row.country,
    defaultCurrency: row.default_currency,
    cardVerificationAmountMinor: Number(row.card_verification_amount_minor),
    // The column is only ever written from a parsed setting; an unreadable one is released at once, the safe side for the cardholder.
    verificationHoldRelease: parseVerificationHoldRelease(row.verification_hold_release) ?? RELEASE_IMMEDIATELY,
    createdAtMs: Number(row.created_at_ms),
  };
}

export async function getMerchant(sql: Sql, id: string): Promise<Merchant | undefined> {
  const row = await sql.get<MerchantRow>(`SELECT ${MERCHANT_COLUMNS} FROM acquirer_merchants m WHERE m.id = ?`, [id]);
  return row === undefined ? undefined : fromRow(row);
}

/** Sets what the merchant's card verifications authorize (and release at once); 0 is a zero-amount verification. */
export async function setCardVerificationAmount(tx: Tx, merchantId: string, amountMinor: number): Promise<Merchant> {
  assertCardVerificationAmount(amountMinor);
  await tx.run('UPDATE acquirer_merchants SET card_verification_amount_minor = ? WHERE id = ?', [amountMinor, merchantId]);
  forgetAuthenticatedKeys();
  const merchant = await getMerchant(tx, merchantId);
  if (merchant === undefined) throw new Error(`setCardVerificationAmount: no merchant ${merchantId}`);
  return merchant;
}

/** Sets when the merchant's verification holds are released (holds already on cards keep the time they were given). */
export async function setVerificationHoldRelease(tx: Tx, merchantId: string, release: VerificationHoldRelease): Promise<Merchant> {
  await tx.run('UPDATE acquirer_merchants SET verification_hold_release = ? WHERE id = ?', [formatVerificationHoldRelease(release), merchantId]);
  forgetAuthenticatedKeys();
  const merchant = await getMerchant(tx, merchantId);
  if (merchant === undefined) throw new Error(`setVerificationHoldRelease: no merchant ${merchantId}`);
  return merchant;
}

/** Callers validate what people send; this guards the stored value against a programming error. */
function assertCardVerificationAmount(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0 || amountMinor > CARD_VERIFICATION_AMOUNT_MAX_MINOR) {
    throw new Error(`card verification amount must be an integer from 0 to ${CARD_VERIFICATION_AMOUNT_MAX_MINOR} minor units, got ${amountMinor}`);
  }
}

/** The demo merchant `cardlane up` creates, if it exists. */
export async function getDemoMerchant(sql: Sql): Promise<Merchant | undefined> {
  const row = await sql.get<MerchantRow>(`SELECT ${MERCHANT_COLUMNS} FROM acquirer_merchants m WHERE m.is_demo = 1 ORDER BY m.id LIMIT 1`);
  return row === undefined ? undefined : fromRow(row);
}

export async function listMerchants(sql: Sql, limit = 100): Promise<Merchant[]> {
  const rows = await sql.all<MerchantRow>(`SELECT ${MERCHANT_COLUMNS} FROM acquirer_merchants m ORDER BY m.id LIMIT ?`, [limit]);
  return rows.map(fromRow);
}

/** The merchant a live key belongs to, and the key's kind; undefined for an unknown or revoked key. */
export async function authenticateApiKey(sql: Sql, key: string): Promise<{ merchant: Merchant; kind: ApiKeyKind } | undefined> {
  if (!API_KEY_PATTERN.test(key)) return undefined;
  const row = await sql.get<MerchantRow & { kind: ApiKeyKind }>(
    `SELECT ${MERCHANT_COLUMNS}, k.kind FROM acquirer_api_keys k JOIN acquirer_merchants m ON m.id = k.merchant_id
     WHERE k.key_hash = ? AND k.revoked_at_ms IS NULL`,
    [hashApiKey(key)],
  );
  return row === undefined ? undefined : { merchant: fromRow(row), kind: row.kind };
}

/**
 * How long a process keeps a key it authenticated (with its merchant's
 * settings) before reading them again: every API request would otherwise
 * begin with the same read. This is the bound on staleness across
 * processes: a change made by another process (a merchant setting changed
 * from the CLI on a shared database; a key revoked in the database) is
 * seen within this time. Changes made through this process's own functions
 * (`setCardVerificationAmount`, `setVerificationHoldRelease`) empty the cache
 * at once. Unknown keys are never cached (each is a fresh read).
 */
export const AUTHENTICATED_KEY_TTL_MS = 1_000;
const AUTHENTICATED_KEYS_MAX = 1_000;

interface CachedKey {
  readonly found: { merchant: Merchant; kind: ApiKeyKind };
  readonly readAtMs: number;
  readonly generation: number;
}

/**
 * Per database handle (two databases in one process, as in tests, never
 * share an entry), by key hash (never the key itself: the map holds no
 * secret). An entry of an older generation was read before the last
 * `forgetAuthenticatedKeys`.
 */
const authenticatedKeys = new WeakMap<Sql, Map<string, CachedKey>>();
let generation = 0;

/** `authenticateApiKey` through the per-process cache above; `keyHash` is `hashApiKey(key)`. */
export async function authenticateApiKeyCached(sql: Sql, key: string, keyHash: string): Promise<{ merchant: Merchant; kind: ApiKeyKind } | undefined> {
  let cache = authenticatedKeys.get(sql);
  if (cache === undefined) {
    cache = new Map();
    authenticatedKeys.set(sql, cache);
  }
  // Monotonic: a wall clock set back must not keep an entry alive.
  const now = performance.now();
  const cached = cache.get(keyHash);
  if (cached !== undefined && cached.generation === generation && now - cached.readAtMs < AUTHENTICATED_KEY_TTL_MS) return cached.found;
  const readIn = generation;
  const found = await authenticateApiKey(sql, key);
  if (found === undefined) {
    cache.delete(keyHash);
    return undefined;
  }
  if (cache.size >= AUTHENTICATED_KEYS_MAX) cache.clear();
  cache.set(keyHash, { found, readAtMs: now, generation: readIn });
  return found;
}

/** Empties the cache of authenticated keys (a merchant's settings or keys changed in this process). */
export function forgetAuthenticatedKeys(): void {
  generation += 1;
}
