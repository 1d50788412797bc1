import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { moduleOf, readImports, violations, type Import } from './support/import-graph.ts';

const SRC = new URL('../src', import.meta.url).pathname;
const MODULES = ['platform', 'ledger', 'issuer', 'network', 'acquirer', 'billing', 'doctor'];

/**
 * Edges the house still breaks, each to be removed: the list may only
 * shrink. (Empty: every rule holds.)
 */
const ALLOWED: readonly string[] = [];

test('src/ keeps the house drawn in DESIGN.md: no deep imports across modules and no forbidden edges', () => {
  const found = violations(readImports(SRC)).filter((v) => !ALLOWED.includes(v.edge));
  assert.deepEqual(
    found.map((v) => `${v.rule}: ${v.edge} (${v.why})`),
    [],
  );
});

test('the allow-list names only edges that still exist (it can only shrink)', () => {
  const edges = new Set(violations(readImports(SRC)).map((v) => v.edge));
  assert.deepEqual(ALLOWED.filter((edge) => !edges.has(edge)), []);
});

test('every domain module has a public surface and describes itself', () => {
  for (const name of MODULES.filter((m) => m !== 'platform')) {
    assert.ok(existsSync(join(SRC, name, 'index.ts')), `${name}/index.ts`);
    assert.ok(existsSync(join(SRC, name, 'module.ts')), `${name}/module.ts`);
  }
});

test('the platform imports no domain module at all, not even a type', () => {
  const reaching = readImports(SRC).filter((imp) => moduleOf(imp.from) === 'platform' && moduleOf(imp.to) !== 'platform');
  assert.deepEqual(reaching.map((imp) => `${imp.from} -> ${imp.to}`), []);
});

test('each rule fires on an import that breaks it', () => {
  const imp = (from: string, to: string, names: string[] = []): Import => ({ from, to, names, typeOnly: false });
  const rules = (i: Import) => violations([i]).map((v) => v.rule);
  assert.deepEqual(rules(imp('doctor/doctor.ts', 'issuer/cards/cards.ts')), ['deep-import']);
  assert.deepEqual(rules(imp('platform/http/server.ts', 'billing/index.ts')), ['forbidden-edge']);
  assert.deepEqual(rules(imp('acquirer/payments/card-attempt.ts', 'issuer/index.ts')), ['forbidden-edge']);
  assert.deepEqual(rules(imp('billing/payments/provider.ts', 'acquirer/index.ts')), ['forbidden-edge']);
  assert.deepEqual(rules(imp('network/card-network.ts', 'issuer/index.ts')), ['forbidden-edge']);
  assert.deepEqual(rules(imp('ledger/ledger.ts', 'issuer/index.ts')), ['forbidden-edge']);
  assert.deepEqual(rules(imp('demo/story/story.ts', 'ledger/index.ts')), ['forbidden-edge']);
  assert.deepEqual(rules(imp('demo/story/story.ts', 'platform/db/database.ts')), ['database-in-demo']);
  assert.deepEqual(rules(imp('doctor/doctor.ts', 'issuer/index.ts', ['decryptPan'])), ['clear-card-data']);
  assert.deepEqual(rules(imp('issuer/module.ts', 'app/start.ts')), ['deep-import', 'forbidden-edge']);
  // What is allowed: a public surface, the platform, the network's message contract.
  assert.deepEqual(rules(imp('doctor/doctor.ts', 'issuer/index.ts', ['ISSUER_NAME'])), []);
  assert.deepEqual(rules(imp('issuer/authorization/decide.ts', 'network/messages.ts')), []);
  assert.deepEqual(rules(imp('billing/module.ts', 'platform/db/database.ts')), []);
});
