#!/usr/bin/env node
// The `cardlane` executable: runs the compiled JavaScript in dist/ with plain
// Node.js (`npm ci` builds it through the prepare script; `npm run build`
// rebuilds it). The path is resolved from this file, not the working
// directory, so it works through `npx cardlane`, an npm bin symlink, or an
// absolute path from anywhere.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('cardlane: not built yet (no dist/cli/main.js) — run `npm run build` in the Cardlane directory first');
  process.exit(1);
}
await import(main.href);
