import { test } from 'node:test';
import { fuzzOperations } from './support/run-fuzz.ts';

// Every other operation in /openapi.json: the issuer, merchant billing, the
// merchant's OpenAI-compatible API, the doctor and the platform's own routes.
test('fuzz every /openapi.json operation outside /v1: no 5xx, no hang, every 4xx a stable JSON error that changes nothing', { timeout: 600_000 }, async (t) => {
  await fuzzOperations(t, (operation) => !operation.template.startsWith('/v1/'));
});
