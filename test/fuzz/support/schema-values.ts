import fc from 'fast-check';

/**
 * Values from a JSON schema (the subset the OpenAPI document uses: type,
 * enum, const, properties/required/additionalProperties, items, anyOf/oneOf,
 * nullable, min/max, minLength/maxLength, pattern, format, $ref), as
 * fast-check arbitraries: `validValue` for what the schema accepts, and
 * the odd values (`oddStrings`, `wrongTypeValues`) the invalid requests are
 * built from.
 */
export type Schema = Record<string, any>;

export interface SchemaContext {
  /** `#/components/schemas/X` → schema. */
  resolve(ref: string): Schema;
  /** Ids seen in earlier answers: a string field sometimes takes one, so valid requests reach past "no such object". */
  readonly knownIds: () => readonly string[];
}

// Valid strings stay short: long ones are the invalid generator's job, and
// short ones keep a run fast.
const VALID_STRING_MAX = 24;

export function deref(schema: Schema, context: SchemaContext): Schema {
  let current = schema;
  for (let i = 0; i < 10 && current && typeof current.$ref === 'string'; i++) current = context.resolve(current.$ref);
  return current ?? {};
}

export function validValue(schema: Schema | undefined, context: SchemaContext, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(schema ?? {}, context);
  const plain = validNonNull(s, context, depth);
  return s.nullable ? fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: fc.constant(null) }) : plain;
}

function validNonNull(s: Schema, context: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) return fc.oneof(...alternatives.map((alt: Schema) => validValue(alt, context, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return validString(s, context);
    case 'integer':
      return fc.integer({ min: bound(s.minimum, -1_000_000), max: bound(s.maximum, 1_000_000) });
    case 'number':
      return fc.double({ min: bound(s.minimum, -1e6), max: bound(s.maximum, 1e6), noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 4 ? fc.constant([]) : fc.array(validValue(s.items, context, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object':
      return validObject(s, context, depth);
    default:
      // An untyped schema (`{}` or `{type: object}` with no properties): anything JSON.
      return depth > 2 ? fc.constant({}) : fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }));
  }
}

function bound(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function validString(s: Schema, context: SchemaContext): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.max(min, Math.min(s.maxLength ?? VALID_STRING_MAX, VALID_STRING_MAX));
  let base: fc.Arbitrary<string>;
  if (typeof s.pattern === 'string') {
    base = fc.stringMatching(new RegExp(s.pattern)).filter((text) => text.length >= min && text.length <= (s.maxLength ?? Infinity));
  } else if (s.format === 'date-time') {
    base = fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  } else if (s.format === 'email') {
    base = fc.emailAddress();
  } else {
    base = fc.string({ minLength: min, maxLength: max });
  }
  const fits = (id: string) => id.length >= min && id.length <= (s.maxLength ?? Infinity) && (typeof s.pattern !== 'string' || new RegExp(s.pattern).test(id));
  const known = fc.constant(null).chain(() => {
    const ids = context.knownIds().filter(fits);
    return ids.length === 0 ? base : fc.constantFrom(...ids);
  });
  return fc.oneof({ weight: 3, arbitrary: base }, { weight: 1, arbitrary: known });
}

function validObject(s: Schema, context: SchemaContext, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, Schema> = s.properties ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) return validNonNull({}, context, depth) as fc.Arbitrary<Record<string, unknown>>;
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) record[name] = validValue(properties[name], context, depth + 1);
  const required = (s.required ?? []).filter((name: string) => names.includes(name));
  return fc.record(record, { requiredKeys: required });
}

/** Strings that break naive code: lone surrogates, direction overrides, NUL, emoji and combining marks, look-alike digits, SQL and path tricks. */
export const ODD_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDC00y',
  '\u202Eevil\u202C',
  '\u200F\u05D0\u05D1',
  '\uFEFF',
  '😀👍🏽👨‍👩‍👧',
  'e\u0301\u0301\u0301',
  '٠١٢٣',
  '１２３',
  "' OR 1=1 --",
  '"; DROP TABLE x; --',
  '../../etc/passwd',
  '%00',
  '%',
  '\\',
  '<script>alert(1)</script>',
  '${7*7}',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '-0',
  '1e309',
  '\r\n\r\nX-Injected: 1',
  'ſ',
  'İ',
];

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);

/** A string far beyond any limit: the server must refuse it by length, not choke on it. */
export const hugeString: fc.Arbitrary<string> = fc.constantFrom(10_000, 100_000, 1_000_000).chain((n) => fc.constantFrom('a', '9', '😀', '\u0000').map((c) => c.repeat(n)));

/** Numbers at and past every edge JSON can carry. */
export const oddNumber: fc.Arbitrary<number> = fc.constantFrom(
  -1, 0, -0, 0.5, -0.000001, 1.5, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, 1e21, 1e300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, 99_999_999, 100_000_000,
);

/** A value of some other JSON type than `schema` wants. */
export function wrongTypeValue(schema: Schema, context: SchemaContext): fc.Arbitrary<unknown> {
  const type = deref(schema, context).type;
  const all: Array<[string, fc.Arbitrary<unknown>]> = [
    ['string', oddString],
    ['integer', oddNumber],
    ['number', oddNumber],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 3 })],
    ['object', fc.constantFrom<unknown>({}, { a: 1 }, JSON.parse('{"__proto__":{"admin":true}}'), { $gt: '' })],
  ];
  const others = all.filter(([name]) => name !== type && !(type === 'number' && name === 'integer') && !(type === 'integer' && name === 'number'));
  return fc.oneof(...others.map(([, arbitrary]) => arbitrary));
}

/** `{"a":{"a":…}}` or `[[[…]]]` nested `depth` deep, as text (building the object would be the slow part). */
export function deeplyNestedJson(depth: number, kind: 'object' | 'array'): string {
  return kind === 'object' ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
