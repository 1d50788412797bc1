import type { Metadata } from './types.ts';

const MAX_KEYS = 32;
const MAX_KEY_LENGTH = 64;
const MAX_STRING_LENGTH = 500;

/**
 * Metadata as canonical JSON (keys sorted), or null when it is not a flat
 * object of bounded scalars. Canonical text makes "same request?" exact and
 * keeps the journal's hashes stable.
 */
export function canonicalMetadata(metadata: Metadata | undefined): string | null {
  if (metadata === undefined) return '{}';
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return null;
  const keys = Object.keys(metadata).sort();
  if (keys.length > MAX_KEYS) return null;
  const sorted: Record<string, unknown> = {};
  for (const key of keys) {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) return null;
    const value = metadata[key];
    const ok =
      value === null ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= MAX_STRING_LENGTH);
    if (!ok) return null;
    sorted[key] = value;
  }
  return JSON.stringify(sorted);
}
