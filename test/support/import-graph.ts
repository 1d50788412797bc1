import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The imports of `src/`, read from the source text, and the house's rules
 * held against them (DESIGN.md, "The house's rooms and doors"). Kept apart
 * from the test so that the test can also prove, on a made-up import, that
 * each rule does fire.
 */

export interface Import {
  /** The importing file, relative to src/, e.g. `doctor/doctor.ts`. */
  readonly from: string;
  /** The imported file, relative to src/, e.g. `issuer/index.ts`. */
  readonly to: string;
  /** The names it takes (empty for `import * as` and side-effect imports). */
  readonly names: readonly string[];
  readonly typeOnly: boolean;
}

/** Every relative import (static, re-export or dynamic) of every .ts and .tsx file under `srcDir`. */
export function readImports(srcDir: string): Import[] {
  const imports: Import[] = [];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const from = relative(srcDir, file);
    // Either quote style; the clause never crosses a `;`, so one statement's
    // names are never read as another's.
    const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
    for (const match of text.matchAll(pattern)) {
      const specifier = match[4] ?? match[5]!;
      const clause = match[3] ?? '';
      const names = [...clause.matchAll(/(?:type\s+)?([A-Za-z_$][\w$]*)(?:\s+as\s+[\w$]+)?\s*[,}]/g)].map((m) => m[1]!);
      imports.push({ from, to: relative(srcDir, resolve(dirname(file), specifier)), names, typeOnly: match[2] !== undefined });
    }
  }
  return imports;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The module a file belongs to: its first folder under src/ (`(root)` for files directly in src/). */
export function moduleOf(path: string): string {
  const parts = path.split('/');
  return parts.length === 1 ? '(root)' : parts[0]!;
}

const DOMAIN = ['ledger', 'issuer', 'network', 'acquirer', 'billing', 'doctor'];
const PROGRAM = ['app', 'cli', 'demo'];

/** Edges that must never exist, with the reason a reader is given when one appears. */
export const FORBIDDEN: ReadonlyArray<{ readonly from: string; readonly to: readonly string[]; readonly why: string }> = [
  { from: 'platform', to: [...DOMAIN, ...PROGRAM], why: 'the platform knows no domain' },
  { from: 'ledger', to: ['issuer', 'network', 'acquirer', 'billing', 'doctor', ...PROGRAM], why: 'the ledger knows no party' },
  { from: 'billing', to: ['issuer', 'network', 'acquirer'], why: "billing reaches cards only through Stripe's HTTP API" },
  { from: 'acquirer', to: ['issuer'], why: 'an acquirer reaches an issuer only through the network' },
  { from: 'issuer', to: ['acquirer', 'billing'], why: "an issuer never sees a merchant's internals" },
  { from: 'network', to: ['acquirer', 'issuer', 'billing'], why: 'the network knows issuers only by its interface and serves acquirers without importing them' },
  { from: 'doctor', to: ['ledger'], why: 'the doctor reads parties, not raw books' },
  { from: 'demo', to: ['ledger'], why: "the story acts only through the parties' APIs" },
  ...DOMAIN.map((from) => ({ from, to: PROGRAM, why: 'a module never reaches into the program that assembles it' })),
  { from: 'web', to: [...DOMAIN, ...PROGRAM], why: 'a browser app and the routes that serve it reach the parties only over their HTTP APIs' },
];

/** Names that hold or make a clear card number: the doctor must import none of them. */
export const CLEAR_CARD_DATA = ['decryptPan', 'openPan', 'sealPan', 'Keyring', 'loadOrCreateKeyring', 'parseKeyring', 'loadOrCreateVaultKey', 'cardFingerprint'];

/** A module's public surface; other modules import only this. */
export const PUBLIC_SURFACE = 'index.ts';
/** Shared by all, as DESIGN.md says: the platform (a toolbox of separate pieces) and the network's message contract. */
const SHARED = (to: string) => moduleOf(to) === 'platform' || to === 'network/messages.ts' || moduleOf(to) === '(root)';

export interface Violation {
  readonly rule: 'deep-import' | 'forbidden-edge' | 'clear-card-data' | 'database-in-demo';
  readonly edge: string;
  readonly why: string;
}

export function violations(imports: readonly Import[]): Violation[] {
  const found: Violation[] = [];
  for (const imp of imports) {
    const from = moduleOf(imp.from);
    const to = moduleOf(imp.to);
    const edge = `${imp.from} -> ${imp.to}`;
    if (from === to) continue;
    if (!SHARED(imp.to) && imp.to !== `${to}/${PUBLIC_SURFACE}`) {
      found.push({ rule: 'deep-import', edge, why: `import ${to}'s public surface (${to}/${PUBLIC_SURFACE}), not one of its files` });
    }
    const rule = FORBIDDEN.find((r) => r.from === from && r.to.includes(to));
    if (rule) found.push({ rule: 'forbidden-edge', edge, why: rule.why });
    if (from === 'doctor') {
      const clear = imp.names.filter((name) => CLEAR_CARD_DATA.includes(name));
      if (clear.length > 0) found.push({ rule: 'clear-card-data', edge, why: `the doctor never holds a clear card number (${clear.join(', ')})` });
    }
    if (from === 'demo' && imp.to.startsWith('platform/db/')) {
      found.push({ rule: 'database-in-demo', edge, why: "the story acts only through the parties' APIs, never on the database" });
    }
  }
  return found;
}
