import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Doctor } from '../../src/doctor/doctor.ts';
import { CATALOGUE_RATE_LIMIT, doctorRoutes } from '../../src/doctor/http/doctor-routes.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';

// The doctor's one route that needs no credential, the decline catalogue,
// has a per-client-address limit: 429 rate_limited with Retry-After.

test(`GET /doctor/v1/catalogue: ${CATALOGUE_RATE_LIMIT.burst} at once from one address, then 429 rate_limited with Retry-After; other addresses unaffected`, async () => {
  const clock = new ManualClock();
  // The catalogue is static: it never asks the doctor anything.
  const doctor = {} as Doctor;
  const app = await createHttpServer({
    db: { ping: async () => undefined },
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: doctorRoutes({ clock, doctor }), prefix: '/doctor/v1' }],
  });
  try {
    const get = (ip: string) => app.inject({ method: 'GET', url: '/doctor/v1/catalogue', remoteAddress: ip });
    for (let i = 0; i < CATALOGUE_RATE_LIMIT.burst; i++) assert.equal((await get('203.0.113.9')).statusCode, 200, `request ${i + 1}`);
    const refused = await get('203.0.113.9');
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().error.code, 'rate_limited');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal((await get('198.51.100.4')).statusCode, 200);
    clock.advanceMs(Number(refused.headers['retry-after']) * 1000);
    assert.equal((await get('203.0.113.9')).statusCode, 200);
  } finally {
    await app.close();
  }
});
