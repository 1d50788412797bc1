#!/usr/bin/env node
// The `cardlane` executable. Cardlane runs from its TypeScript sources through
// tsx (no build step, so what runs is what is in the repository). The paths
// are resolved from this file, not the working directory, so it works through
// `npx cardlane`, an npm bin symlink, or an absolute path from anywhere; and
// tsx is pointed at Cardlane's own tsconfig, not one that happens to be in
// the caller's directory.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli/main.ts');
