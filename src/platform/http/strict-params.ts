import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/**
 * Every route takes exactly the parameters its schema names, with the JSON
 * types it names. Fastify's validator (ajv with Fastify's defaults) silently
 * drops properties a schema does not list, even under
 * `additionalProperties: false`, and coerces types — `{"amount": 1000,
 * "amout": 5}` was a purchase of $10, `{"threshold": null}` a threshold of
 * 0, `{"amount": "1000"}` a purchase, `{"amount_cny_minor": "20000"}` a
 * top-up. For a money API a misspelt or mistyped field must be a 400 that
 * changes nothing, as at the acquirer (`parameter_unknown`,
 * `parameter_invalid`). Installed once for the whole server (server.ts).
 *
 * Runs before validation, on the body as the client sent it; range and
 * format checks stay the schema's. Query strings are text by nature, so
 * only their names are checked.
 */
export function refuseUnknownParameters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema as { body?: ObjectSchema; querystring?: ObjectSchema } | undefined;
    if (schema?.body !== undefined) {
      checkBody(schema.body, request.body ?? {});
      refuseNonFinite(request.body, '', 0);
    }
    if (schema?.querystring !== undefined) {
      const query = (request.query ?? {}) as Record<string, unknown>;
      checkNames(schema.querystring, query);
      checkQueryNumbers(schema.querystring, query);
    }
  });
}

/**
 * ajv takes Infinity for an integer and lets it past `maximum`, and it gets
 * one from `?limit=1e400` (or `limit=Infinity`) by coercion, and from a
 * JSON body's `1e999` by JSON.parse: `limit + 1` then reached SQL as a
 * 500. No parameter of ours is infinite, so refuse it before validation.
 */
const MAX_WALK_DEPTH = 32;

function refuseNonFinite(value: unknown, path: string, depth: number): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AppError('parameter_invalid', `Invalid ${path || 'body'}: must be a finite number.`, path === '' ? {} : { param: path });
    return;
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_WALK_DEPTH) return;
  for (const [key, item] of Object.entries(value)) refuseNonFinite(item, path === '' ? key : `${path}[${key}]`, depth + 1);
}

function checkQueryNumbers(schema: ObjectSchema, query: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(query)) {
    const type = schema.properties?.[name]?.type;
    const numeric = type === 'integer' || type === 'number' || (Array.isArray(type) && (type.includes('integer') || type.includes('number')));
    if (!numeric) continue;
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text === 'string' && text.trim() !== '' && Number.isNaN(Number(text)) === false && !Number.isFinite(Number(text))) {
        throw new AppError('parameter_invalid', `Invalid ${name}: must be a finite number.`, { param: name });
      }
    }
  }
}

interface ObjectSchema {
  readonly type?: string;
  readonly additionalProperties?: boolean;
  readonly properties?: Readonly<Record<string, { readonly type?: string | readonly string[] }>>;
}

function checkBody(schema: ObjectSchema, body: FastifyRequest['body']): void {
  // Not an object at all: the schema's own `type: object` answers that.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const fields = body as Record<string, unknown>;
  checkNames(schema, fields);
  for (const [name, value] of Object.entries(fields)) {
    const expected = schema.properties?.[name]?.type;
    if (expected === undefined) continue;
    const allowed = typeof expected === 'string' ? [expected] : expected;
    if (!allowed.some((type) => isJsonType(value, type))) {
      throw new AppError('parameter_invalid', `Invalid ${name}: must be ${allowed.join(' or ')}.`, { param: name });
    }
  }
}

function checkNames(schema: ObjectSchema, fields: Record<string, unknown>): void {
  if (schema.additionalProperties !== false) return;
  for (const name of Object.keys(fields)) {
    if (!Object.hasOwn(schema.properties ?? {}, name)) throw new AppError('parameter_unknown', `Received unknown parameter: ${name}.`, { param: name });
  }
}

function isJsonType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
    case 'number':
      // Whether it is whole, and in range, is the schema's check.
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    default:
      return true;
  }
}
