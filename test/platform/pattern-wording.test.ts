import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startCardlane } from '../../src/app/start.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// A JSON schema's `pattern` refused is said for people ("must be 4 digits"), never as the regular expression.

// Every pattern the API's schemas use (src/acquirer/merchants/merchant-operator-routes.ts, src/issuer/http/dispute-routes.ts),
// plus shapes of the same kinds and one the wording does not know.
const PATTERNS: ReadonlyArray<readonly [string, string]> = [
  ['^[0-9]{4}$', 'must be 4 digits'],
  ['^idsp_[A-Za-z0-9]{1,60}$', 'must be an id starting with idsp_'],
  ['^iauth_[A-Za-z0-9]{1,60}$', 'must be an id starting with iauth_'],
  ['^[0-9]{4,6}$', 'must be 4 to 6 digits'],
  ['^[A-Z]{3}$', 'must be 3 capital letters'],
  ['^(red|green)+[#]?$', 'is not in the expected format'],
];

let app: FastifyInstance;
before(async () => {
  app = await createHttpServer({
    db: { ping: async () => undefined },
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      async (server) => {
        PATTERNS.forEach(([pattern], i) => {
          server.post(`/p${i}`, { schema: { body: { type: 'object', properties: { value: { type: 'string', pattern } } } } }, async () => ({ ok: true }));
        });
      },
    ],
  });
});
after(async () => {
  await app.close();
});

test('each pattern the schemas use is worded for people; an unknown one says the format is wrong, without the regex', async () => {
  for (const [i, [pattern, wording]] of PATTERNS.entries()) {
    const response = await app.inject({ method: 'POST', url: `/p${i}`, payload: { value: '57a4!' } });
    const body = response.json() as { error: { code: string; message: string; param: string } };
    assert.equal(response.statusCode, 400, pattern);
    assert.deepEqual([body.error.code, body.error.param], ['parameter_invalid', 'value'], pattern);
    assert.equal(body.error.message, `Invalid value: ${wording}.`, pattern);
    assert.ok(!body.error.message.includes(pattern) && !body.error.message.includes('pattern'), body.error.message);
  }
});

test('POST /acquirer/v1/merchants with mcc 57a4 says the MCC must be 4 digits', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-pattern-'));
  const location = newTestLocation();
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, logger: createLogger({ level: 'silent' }) });
  try {
    const operatorKey = readFileSync(join(dataDir, 'operator-key'), 'utf8').trim();
    const response = await fetch(`${cardlane.url}/acquirer/v1/merchants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
      body: JSON.stringify({ name: 'Claude', country: 'GB', mcc: '57a4', currency: 'gbp' }),
    });
    const body = (await response.json()) as { error: { code: string; message: string; param: string } };
    assert.equal(response.status, 400);
    assert.deepEqual(body.error, { ...body.error, code: 'parameter_invalid', param: 'mcc', message: 'Invalid mcc: must be 4 digits.' });
  } finally {
    await cardlane.close();
    const db = openDatabase(location.url);
    if (db instanceof PostgresDatabase) await db.dropSchema();
    await db.close();
    location.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
