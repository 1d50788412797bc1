import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

/**
 * No parameter of Cardlane's — an id, a name, a phone number, a cursor —
 * may hold U+0000. PostgreSQL cannot store or even compare it in text
 * (`invalid byte sequence for encoding "UTF8": 0x00`, a 500), while
 * SQLite can, so the same request would answer differently per database.
 * Refused once for every route, before validation: path parameters, the
 * query string and the parsed body (JSON or Stripe's form encoding).
 */
const MAX_DEPTH = 32;

export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    check(request.params, '', 0);
    check(request.query, '', 0);
    check(request.body, '', 0);
  });
}

function check(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      throw new AppError('parameter_invalid', `Invalid ${path || 'request'}: must not contain a NUL character (U+0000).`, path === '' ? {} : { param: path });
    }
    return;
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return;
  for (const [key, item] of Object.entries(value)) {
    const name = path === '' ? key : `${path}[${key}]`;
    if (key.includes('\u0000')) throw new AppError('parameter_invalid', 'A parameter name must not contain a NUL character (U+0000).');
    check(item, name, depth + 1);
  }
}
