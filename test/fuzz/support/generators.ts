import fc from 'fast-check';
import { printable, type AuthRole, type FuzzRequest } from './fuzz-request.ts';
import type { Operation, Parameter } from './operations.ts';
import { deeplyNestedJson, deref, hugeString, oddNumber, oddString, ODD_STRINGS, validValue, wrongTypeValue, type Schema, type SchemaContext } from './schema-values.ts';

/**
 * The requests generated for one operation: valid ones from its schema, and
 * invalid ones, each made by one kind of damage to a valid request so a
 * failure points at one cause — the body (wrong type, out of range, huge,
 * odd Unicode, missing or unknown field, malformed, deeply nested), the
 * form encoding (duplicated keys, broken escapes and brackets), the query,
 * the path parameters (odd ids), the credentials (none, someone else's,
 * the wrong kind, malformed) or the content type.
 */
export interface GeneratorContext extends SchemaContext {
  /** Ids seen under a collection (`/v1/customers`), for path parameters that name a real object. */
  readonly idsIn: (collection: string) => readonly string[];
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

// Names whose valid values random strings would almost never hit; with
// these, valid requests get past "invalid currency" to the code behind it.
const HINTS: Record<string, readonly unknown[]> = {
  currency: ['usd', 'eur', 'cny'],
  number: ['4242424242424242', '5105105105105100', '4000000000009995', '4000000000000341', '4000000000000069'],
  exp_month: [12, 1],
  exp_year: [2030, 2034],
  cvc: ['123'],
  amount: [500, 1000, 2000, 50],
  amount_to_capture: [100, 500],
  cny_amount: [10_000, 100_000],
  phone: ['+8613800000001', '+8613800000099'],
  email: ['owner@demo.cardlane.test', 'reader@example.com'],
  url: ['https://example.com/hook'],
  model: ['cardlane-echo-1'],
  messages: [[{ role: 'user', content: 'hi' }]],
  max_tokens: [16],
  code: ['123456'],
  plan: ['plus'],
  lang: ['en', 'zh-CN'],
  view: ['merchant', 'cardholder', 'operator'],
};

function withHints(name: string, arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const hints = HINTS[name];
  return hints ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...hints) }, { weight: 1, arbitrary: arbitrary }) : arbitrary;
}

/** A valid object for an object schema, taking hinted values for well-known names. */
function validBody(schema: Schema, context: SchemaContext): fc.Arbitrary<Record<string, unknown>> {
  const s = deref(schema, context);
  const properties: Record<string, Schema> = s.properties ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) {
    // No declared fields (an untyped body): send some of the well-known ones.
    return fc.dictionary(fc.constantFrom(...Object.keys(HINTS)), fc.constant(null), { maxKeys: 3 }).chain((picked) =>
      fc.record(Object.fromEntries(Object.keys(picked).map((name) => [name, fc.constantFrom(...HINTS[name]!)]))),
    ) as fc.Arbitrary<Record<string, unknown>>;
  }
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) {
    const child = deref(properties[name]!, context);
    record[name] = child.type === 'object' && child.properties ? validBody(child, context) : withHints(name, validValue(child, context));
  }
  return fc.record(record, { requiredKeys: (s.required ?? []).filter((name: string) => names.includes(name)) });
}

/**
 * encodeURIComponent, except that a lone surrogate (which UTF-8 cannot
 * carry, and encodeURIComponent refuses) is written as the three bytes a
 * careless encoder would send (`%ED%A0%80`): invalid UTF-8 the server must refuse.
 */
export function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((char) => {
        const unit = char.charCodeAt(0);
        if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
          return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        }
        return encodeURIComponent(char);
      })
      .join('');
  }
}

/** Stripe's form encoding, as the official SDKs write it: `card[number]=…`, `expand[0]=…`. */
export function encodeForm(value: unknown, prefix = ''): string[] {
  if (value === null || value === undefined) return prefix === '' ? [] : [`${percentEncode(prefix)}=`];
  if (Array.isArray(value)) return value.flatMap((item, i) => encodeForm(item, `${prefix}[${i}]`));
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => encodeForm(item, prefix === '' ? key : `${prefix}[${key}]`));
  }
  return [`${percentEncode(prefix)}=${percentEncode(String(value))}`];
}

function encodeBody(operation: Operation, value: unknown): string {
  return operation.body?.mediaType === FORM || operation.template.startsWith('/v1/') ? encodeForm(value).join('&') : JSON.stringify(value);
}

function queryString(operation: Operation, values: Record<string, unknown>): string {
  const pairs = encodeForm(values);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

function fillPath(template: string, values: Record<string, string>, encode = true): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => (encode ? percentEncode(values[name] ?? '') : (values[name] ?? '')));
}

function validPathValues(operation: Operation, context: GeneratorContext): fc.Arbitrary<Record<string, string>> {
  const record: Record<string, fc.Arbitrary<string>> = {};
  for (const param of operation.pathParams) {
    const known = fc.constant(null).chain(() => {
      const ids = context.idsIn(operation.collection);
      return ids.length > 0 ? fc.constantFrom(...ids) : fc.constantFrom(...(context.knownIds().length > 0 ? context.knownIds() : ['x']));
    });
    const fromSchema = validValue(param.schema, context).map(String);
    record[param.name] = param.name === 'model' ? fc.constantFrom('cardlane-echo-1') : fc.oneof({ weight: 5, arbitrary: known }, { weight: 1, arbitrary: fromSchema });
  }
  return fc.record(record);
}

function validParams(params: readonly Parameter[], context: SchemaContext): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const param of params) record[param.name] = withHints(param.name, validValue(param.schema, context));
  return fc.record(record, { requiredKeys: params.filter((p) => p.required).map((p) => p.name) });
}

interface Parts {
  readonly pathValues: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown> | undefined;
}

function validParts(operation: Operation, context: GeneratorContext): fc.Arbitrary<Parts> {
  const hasBody = operation.body !== null || (operation.method !== 'GET' && operation.method !== 'DELETE' && !operation.template.startsWith('/v1/'));
  return fc.record({
    pathValues: validPathValues(operation, context),
    query: validParams(operation.query, context),
    headers: validParams(operation.headers, context).map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v).replace(/[^\x21-\x7e]/g, 'x')]))),
    body: hasBody ? validBody(operation.body?.schema ?? {}, context).map((b) => b as Record<string, unknown> | undefined) : fc.constant(undefined),
  });
}

function build(operation: Operation, variant: string, parts: Parts, overrides: Partial<FuzzRequest> = {}): FuzzRequest {
  const headers: Record<string, string> = { ...parts.headers };
  if (parts.body !== undefined) headers['content-type'] = operation.body?.mediaType ?? (operation.template.startsWith('/v1/') ? FORM : JSON_TYPE);
  return printable({
    operation: operation.id,
    variant,
    method: operation.method,
    path: fillPath(operation.template, parts.pathValues) + queryString(operation, parts.query),
    auth: operation.auth[0]!,
    headers,
    ...(parts.body === undefined ? {} : { body: encodeBody(operation, parts.body) }),
    ...overrides,
  });
}

// ---- invalid bodies --------------------------------------------------------

function propertiesOf(operation: Operation, context: SchemaContext): Record<string, Schema> {
  return (operation.body ? deref(operation.body.schema, context).properties : undefined) ?? {};
}

function damagedBody(operation: Operation, context: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const properties = propertiesOf(operation, context);
  const names = Object.keys(properties);
  const required: string[] = operation.body ? (deref(operation.body.schema, context).required ?? []) : [];
  const target = names.length > 0 ? fc.constantFrom(...names) : fc.constantFrom('amount', 'id', 'x');
  const schemaOf = (name: string) => properties[name] ?? {};
  const damages: Array<fc.Arbitrary<[string, (body: Record<string, unknown>) => Record<string, unknown>]>> = [
    target.chain((name) => wrongTypeValue(schemaOf(name), context).map((value) => [`wrong type at ${name}`, (b) => ({ ...b, [name]: value })])),
    target.chain((name) => oddNumber.map((value) => [`number ${value} at ${name}`, (b) => ({ ...b, [name]: value })])),
    target.chain((name) => hugeString.map((value) => [`huge string (${value.length}) at ${name}`, (b) => ({ ...b, [name]: value })])),
    target.chain((name) => oddString.map((value) => [`odd string at ${name}`, (b) => ({ ...b, [name]: value })])),
    target.map((name) => {
      const max = deref(schemaOf(name), context).maxLength;
      return [`${name} one past maxLength`, (b) => ({ ...b, [name]: 'a'.repeat(typeof max === 'number' ? max + 1 : 70_000) })];
    }),
    fc.constantFrom('fuzz_unknown', ...ODD_STRINGS.slice(0, 12)).map((name) => [`unknown field ${JSON.stringify(name)}`, (b) => ({ ...b, [name]: 'x' })]),
    fc.constantFrom(3, 40, 200).map((depth) => {
      let nested: unknown = 'x';
      for (let i = 0; i < depth; i++) nested = { a: nested };
      return [`nested ${depth} deep`, (b) => ({ ...b, [names[0] ?? 'a']: nested })];
    }),
  ];
  if (required.length > 0) {
    damages.push(fc.constantFrom(...required).map((name) => [`missing required ${name}`, (b) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== name))]));
  }
  return fc.tuple(validParts(operation, context), fc.oneof(...damages)).map(([parts, [what, damage]]) =>
    build(operation, `body: ${what}`, { ...parts, body: damage(parts.body ?? {}) }),
  );
}

/** Body text no parser should accept (or should accept only to refuse). */
function malformedBodyText(operation: Operation): fc.Arbitrary<string> {
  if (operation.template.startsWith('/v1/') || operation.body?.mediaType === FORM) {
    return fc.constantFrom(
      'amount=1&amount=2',
      'amount=1&amount[x]=2',
      'metadata[a]=1&metadata=2',
      'card[number=4242',
      'card]number[=1',
      'a[b][c][d][e][f][g][h]=1',
      '__proto__[admin]=true',
      'constructor[prototype][x]=1',
      'expand[100000]=customer',
      'expand[]=a&expand[x]=b',
      'amount=%ZZ',
      'amount=%',
      '%E0%A4%A=1',
      '=1',
      '&&&=&=',
      '[]=1',
      'amount=1%00',
      'description=%F0%9F%98%80%ED%A0%80',
      `${'x=1&'.repeat(2_000)}x=1`,
      `${'k'.repeat(70_000)}=1`,
      'metadata[' + 'a'.repeat(100) + ']=1',
      '{"amount":1000}',
    );
  }
  return fc.constantFrom(
    '{',
    '{"amount":',
    '{"amount":1000,}',
    "{'amount':1000}",
    '{"amount":1000,"amount":"x"}',
    '[]',
    '[{}]',
    'null',
    '0',
    '"x"',
    'true',
    '\u0000',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"admin":true}}}',
    '{"amount":1e999}',
    '{"amount":-0}',
    '{"amount":123456789012345678901234567890}',
    deeplyNestedJson(5_000, 'object'),
    deeplyNestedJson(5_000, 'array'),
    `{"a":"${'a'.repeat(2_000_000)}"}`,
    '\uFEFF{}',
    'amount=1000',
  );
}

function malformedBody(operation: Operation, context: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(validParts(operation, context), malformedBodyText(operation)).map(([parts, text]) =>
    build(operation, 'body: malformed text', { ...parts, body: undefined }, {
      body: text,
      headers: { ...parts.headers, 'content-type': operation.template.startsWith('/v1/') || operation.body?.mediaType === FORM ? FORM : JSON_TYPE },
    }),
  );
}

function wrongContentType(operation: Operation, context: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const types = fc.constantFrom(
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'application/x-www-form-urlencoded; charset=ebcdic',
    'application/octet-stream',
    '*/*',
    '',
    'application/json, text/plain',
    operation.template.startsWith('/v1/') ? JSON_TYPE : FORM,
  );
  return fc.tuple(validParts(operation, context), types, fc.boolean()).map(([parts, type, keepBody]) => {
    const req = build(operation, `content-type ${JSON.stringify(type)}`, parts);
    const headers = { ...req.headers };
    if (type === '') delete headers['content-type'];
    else headers['content-type'] = type;
    return printable({ ...req, headers, body: keepBody || req.body === undefined ? (req.body ?? '{"amount":1000}') : '' });
  });
}

// ---- query, path, headers --------------------------------------------------

function damagedQuery(operation: Operation, context: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const names = operation.query.map((p) => p.name);
  const name = names.length > 0 ? fc.constantFrom(...names) : fc.constantFrom('limit', 'fuzz_unknown');
  const raw = fc.oneof(
    fc.tuple(name, fc.constantFrom('-1', '0', '1.5', '1e99', 'abc', '', '99999999999999999999', 'NaN', 'true', '%00', '%ZZ', '%E0%A4%A')).map(([n, v]) => `${n}=${v}`),
    fc.tuple(name, oddString).map(([n, v]) => `${n}=${percentEncode(v)}`),
    name.map((n) => `${n}=1&${n}=2`),
    name.map((n) => `${n}[]=1&${n}[a]=2`),
    name.map((n) => `${n}[a][b][c][d][e][f][g]=1`),
    name.map((n) => `${n}=${'9'.repeat(5_000)}`),
    fc.constant('fuzz_unknown=1'),
    fc.constant('__proto__[x]=1'),
    fc.constant('&&=&'),
  );
  return fc.tuple(validParts(operation, context), raw).map(([parts, query]) => {
    const req = build(operation, `query ${query.length > 60 ? `${query.slice(0, 60)}…` : query}`, { ...parts, query: {} });
    return printable({ ...req, path: `${req.path}?${query}` });
  });
}

const ODD_PATH_SEGMENTS = ['..', '.', '%', '%ZZ', '%00', '%2F', '%2e%2e', '%E0%A4%A', 'a%20b', '%F0%9F%98%80', '%ED%A0%80', ';', '*', '~', "'", 'null', 'undefined', '0', '-1'];

function oddPath(operation: Operation, context: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const param = fc.constantFrom(...operation.pathParams.map((p) => p.name));
  const value = fc.oneof(
    fc.constantFrom(...ODD_PATH_SEGMENTS).map((raw) => ({ raw, encoded: false })),
    oddString.map((text) => ({ raw: text, encoded: true })),
    fc.constantFrom(100, 2_000, 20_000).map((n) => ({ raw: `pi_${'A'.repeat(n)}`, encoded: true })),
    // An id of another kind or another tenant, well formed.
    fc.constant(null).chain(() => fc.constantFrom(...(context.knownIds().length > 0 ? context.knownIds() : ['cus_0000000000'])).map((raw) => ({ raw, encoded: true }))),
    fc.constantFrom('cus_', 'pi_0000000000', 'card_ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'acct_01M95S6EY6AJ1PPF7JBDS1ABFJ').map((raw) => ({ raw, encoded: true })),
  );
  return fc.tuple(validParts(operation, context), param, value).map(([parts, name, { raw, encoded }]) => {
    const values = { ...parts.pathValues, [name]: encoded ? percentEncode(raw) : raw };
    const req = build(operation, `path ${name}=${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…(${raw.length})` : raw)}`, parts);
    const query = req.path.includes('?') ? req.path.slice(req.path.indexOf('?')) : '';
    return printable({ ...req, path: fillPath(operation.template, values, false) + query });
  });
}

function damagedHeaders(operation: Operation, context: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const idempotency = fc.constantFrom('', ' ', 'k'.repeat(256), 'k'.repeat(10_000), '\t', 'a\u00ffb', 'key with spaces', '%00');
  return fc.tuple(validParts(operation, context), idempotency).map(([parts, key]) => build(operation, `idempotency-key ${JSON.stringify(key.slice(0, 30))}(${key.length})`, { ...parts, headers: { ...parts.headers, 'idempotency-key': key } }));
}

// ---- credentials -------------------------------------------------------------

const OTHER_TENANT: Partial<Record<AuthRole, AuthRole>> = {
  cardholder: 'other-cardholder',
  'merchant-secret': 'other-merchant-secret',
  'merchant-publishable': 'other-merchant-publishable',
  'org-key': 'other-org-key',
};

const MALFORMED_AUTHORIZATION = [
  'Bearer',
  'Bearer ',
  'Bearer a b',
  'bearer    ',
  'Basic !!!',
  'Basic Og==',
  'Basic ' + Buffer.from('\u00ff\u00fe:').toString('base64'),
  'Token abc',
  'Bearer sk_test_',
  'Bearer sk_live_0000000000000000000000000000',
  'Bearer op_' + 'x'.repeat(40),
  'Bearer sk-cl-' + '0'.repeat(48),
  'Bearer ' + 'x'.repeat(8_000),
  // Past Node's 16 KiB header limit: refused before any route runs.
  'Bearer ' + 'x'.repeat(20_000),
  'Bearer \u00ff\u00fe',
  'Bearer %00',
  'Bearer null',
];

function wrongAuth(operation: Operation, context: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const roles: AuthRole[] = ['none', 'operator', 'cardholder', 'merchant-secret', 'merchant-publishable', 'org-key'];
  const others = roles.filter((role) => !operation.auth.includes(role));
  const tenant = OTHER_TENANT[operation.auth[0]!];
  const choice = fc.oneof(
    fc.constantFrom(...(tenant ? [tenant, ...others] : others)).map((role) => ({ role, raw: undefined as string | undefined })),
    fc.constantFrom(...MALFORMED_AUTHORIZATION).map((raw) => ({ role: 'none' as AuthRole, raw })),
  );
  return fc.tuple(validParts(operation, context), choice).map(([parts, { role, raw }]) =>
    build(operation, raw === undefined ? `auth as ${role}` : 'malformed authorization', parts, { auth: role, ...(raw === undefined ? {} : { rawAuthorization: raw }) }),
  );
}

/** Every kind of request for `operation`, valid ones weighted highest so the program's state moves on and later requests reach deeper. */
export function requestsFor(operation: Operation, context: GeneratorContext): fc.Arbitrary<FuzzRequest> {
  const valid = validParts(operation, context).map((parts) => build(operation, 'valid', parts));
  const kinds: Array<fc.WeightedArbitrary<FuzzRequest>> = [
    { weight: 5, arbitrary: valid },
    { weight: 1, arbitrary: damagedQuery(operation, context) },
    { weight: 1, arbitrary: damagedHeaders(operation, context) },
  ];
  const takesBody = operation.method !== 'GET' && operation.method !== 'DELETE';
  if (takesBody) {
    kinds.push({ weight: 4, arbitrary: damagedBody(operation, context) }, { weight: 2, arbitrary: malformedBody(operation, context) }, { weight: 1, arbitrary: wrongContentType(operation, context) });
  }
  if (operation.pathParams.length > 0) kinds.push({ weight: 2, arbitrary: oddPath(operation, context) });
  if (operation.auth[0] !== 'none') kinds.push({ weight: 2, arbitrary: wrongAuth(operation, context) });
  return fc.oneof(...kinds);
}
