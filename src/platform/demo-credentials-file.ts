import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE } from './data-dir.ts';

/**
 * `<dataDir>/demo-credentials.json`: the demo parties' keys, one section per
 * party (`acquirer`, `billing`, …), mode 0600. Keys are stored hashed in the
 * database, so this file is the only place their clear text lives; each
 * party rewrites only its own section.
 */
export const DEMO_CREDENTIALS_FILE_NAME = 'demo-credentials.json';
const SECRET_FILE_MODE = PRIVATE_FILE_MODE;

export function readDemoCredentialsSection<T>(dataDir: string, section: string): T | null {
  return (readAll(dataDir)[section] as T | undefined) ?? null;
}

export function writeDemoCredentialsSection(dataDir: string, section: string, value: unknown): void {
  const path = join(dataDir, DEMO_CREDENTIALS_FILE_NAME);
  makePrivateDir(dataDir);
  writeFileSync(path, `${JSON.stringify({ ...readAll(dataDir), [section]: value }, null, 2)}\n`, { mode: SECRET_FILE_MODE });
  chmodSync(path, SECRET_FILE_MODE);
}

function readAll(dataDir: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, DEMO_CREDENTIALS_FILE_NAME), 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
