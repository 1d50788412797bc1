/**
 * One spelling for one value, so that a hash of it means something: the
 * idempotency store compares request hashes with it and the ledger chains its
 * journal with it. Two requests that differ only in key order must hash the
 * same; two that differ in any value must not.
 *
 * The output is JSON with object keys sorted by UTF-16 code units and no
 * whitespace; numbers and strings are spelled as `JSON.stringify` spells them.
 * For the values we accept (no floats outside what ECMAScript prints, no
 * lone surrogates) that is the same text as RFC 8785 (JCS) produces.
 *
 * Anything whose JSON spelling is ambiguous or lossy is refused with a
 * TypeError instead of being silently coerced: NaN and ±Infinity (JSON has
 * none), bigint, functions, symbols, `undefined` inside arrays, class
 * instances such as Date or Map (their JSON depends on methods we do not
 * control). An object property whose value is `undefined` is left out, as
 * `JSON.stringify` does, so `{ a: undefined }` and `{}` are the same request:
 * optional fields in TypeScript are often present-but-undefined.
 */

/** Deeper than any request or journal entry we build; stops runaway or cyclic input. */
export const CANONICAL_JSON_MAX_DEPTH = 64;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  return write(value, 0, '$');
}

function write(value: unknown, depth: number, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${path} is ${value}, which JSON cannot express`);
      // -0 prints as 0, which is what JSON.stringify and JCS do.
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonical JSON: ${path} is a ${typeof value}, which JSON cannot express`);
  }
  if (depth >= CANONICAL_JSON_MAX_DEPTH) {
    throw new TypeError(`canonical JSON: ${path} is nested deeper than ${CANONICAL_JSON_MAX_DEPTH} levels`);
  }
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw new TypeError(`canonical JSON: ${path}[${i}] is undefined`);
      parts.push(write(item, depth + 1, `${path}[${i}]`));
    }
    return `[${parts.join(',')}]`;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new TypeError(`canonical JSON: ${path} is not a plain object`);
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is what RFC 8785 asks for.
  const keys = Object.keys(record).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${write(item, depth + 1, `${path}.${key}`)}`);
  }
  return `{${parts.join(',')}}`;
}
