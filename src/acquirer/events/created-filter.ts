import { AppError } from '../../platform/errors.ts';
import type { Params } from '../stripe/params.ts';

/**
 * Stripe's `created` list filter: either an exact Unix second
 * (`created=1700000000`) or a range hash (`created[gte]=…&created[lt]=…`).
 * Objects keep their creation time in milliseconds, so each bound becomes a
 * half-open millisecond range that covers whole seconds exactly as Stripe's
 * second-resolution `created` compares.
 */
export interface CreatedRange {
  /** Inclusive lower bound on created_at_ms. */
  readonly fromMs: number | undefined;
  /** Exclusive upper bound on created_at_ms. */
  readonly untilMs: number | undefined;
}

// Far beyond any real timestamp; keeps `seconds * 1000` a safe integer.
const MAX_SECONDS = 100_000_000_000;

export function parseCreatedFilter(params: Params, name = 'created'): CreatedRange | undefined {
  if (!params.has(name)) return undefined;
  let range: Params | undefined;
  let isHash = true;
  try {
    range = params.object(name);
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'parameter_invalid')) throw error;
    isHash = false;
  }
  if (!isHash) {
    const exact = params.integer(name, { min: 0, max: MAX_SECONDS })!;
    return { fromMs: exact * 1000, untilMs: (exact + 1) * 1000 };
  }
  const gt = range!.integer('gt', { min: 0, max: MAX_SECONDS });
  const gte = range!.integer('gte', { min: 0, max: MAX_SECONDS });
  const lt = range!.integer('lt', { min: 0, max: MAX_SECONDS });
  const lte = range!.integer('lte', { min: 0, max: MAX_SECONDS });
  const lower = [gt === undefined ? undefined : (gt + 1) * 1000, gte === undefined ? undefined : gte * 1000].filter((v) => v !== undefined);
  const upper = [lt === undefined ? undefined : lt * 1000, lte === undefined ? undefined : (lte + 1) * 1000].filter((v) => v !== undefined);
  return {
    fromMs: lower.length === 0 ? undefined : Math.max(...lower),
    untilMs: upper.length === 0 ? undefined : Math.min(...upper),
  };
}

/** The SQL condition and parameters for a range on `column` (an `*_at_ms` column); empty when unbounded. */
export function createdCondition(range: CreatedRange | undefined, column = 'created_at_ms'): { sql: string; params: number[] } {
  let sql = '';
  const params: number[] = [];
  if (range?.fromMs !== undefined) {
    sql += ` AND ${column} >= ?`;
    params.push(range.fromMs);
  }
  if (range?.untilMs !== undefined) {
    sql += ` AND ${column} < ?`;
    params.push(range.untilMs);
  }
  return { sql, params };
}
