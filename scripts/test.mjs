#!/usr/bin/env node
// Runs every test file under test/ with Node's built-in runner (TypeScript via tsx).
// Which database the suite uses is chosen by CARDLANE_TEST_DATABASE:
// unset or "sqlite" → a temporary SQLite file per test; a postgres:// URL → that
// server, each test in a schema of its own that it drops afterwards.
// CARDLANE_TEST_EXCLUDE=fuzz,sim leaves out files whose path has any of the
// given parts (CI runs the fuzzer and the simulator once per database, on
// Node 20, not again on Node 24: they test the program's logic, not the runtime).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2);
const excluded = (process.env.CARDLANE_TEST_EXCLUDE ?? '').split(',').filter((part) => part !== '');

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const files = findTests(join(root, 'test'))
  .map((path) => relative(root, path))
  .filter((path) => filter.length === 0 || filter.some((part) => path.includes(part)))
  .filter((path) => !excluded.some((part) => path.includes(`test/${part}/`)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const database = process.env.CARDLANE_TEST_DATABASE || 'sqlite';
console.log(`# cardlane tests on ${database.replace(/\/\/[^@/]*@/, '//')} — ${files.length} files`);
const result = spawnSync(
  process.execPath,
  // A test that hangs fails after ten minutes instead of holding CI until its limit.
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=600000', ...files],
  { cwd: root, stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
