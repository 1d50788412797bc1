#!/usr/bin/env node
// Builds what ships: compiles src/ to dist/ (tsconfig.build.json), then the
// browser pages of src/web/ — the cardholder app, the billing page and the
// operator console, which share src/web/shared/ — (type-checked by tsc, bundled by esbuild into
// dist/web/<page>/assets/), then copies
// every other file src/ reads at run time (the pages' HTML documents, any
// .json or .md) to the same place under dist/, so the compiled
// code finds them next to itself as the sources do. Run by `npm run build`,
// by `npm ci` (the prepare script) and first thing by `npm test`.
// Exits non-zero if a compilation fails (tsc still writes its output then).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
/** Browser apps bundled by esbuild: their sources are bundled, not copied (but for the HTML, which the server reads). */
const WEB_APPS = [
  { name: 'app', dir: join(src, 'web', 'app'), entry: 'main.tsx', copied: ['icon.svg'] },
  { name: 'billing', dir: join(src, 'web', 'billing'), entry: 'main.tsx', copied: ['icon.svg'] },
  { name: 'console', dir: join(src, 'web', 'console'), entry: 'main.tsx', copied: ['icon.svg'] },
];
/** Browser code the pages share: bundled into each, never copied. */
const WEB_SHARED = join(src, 'web', 'shared');

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('cardlane build: TypeScript is not installed — run `npm ci` (with dev dependencies) first');
  process.exit(1);
}

/** Runs tsc on one project; returns the files it wrote. */
function compile(project) {
  const result = spawnSync(process.execPath, [tsc, '-p', project, '--listEmittedFiles'], { cwd: root, encoding: 'utf8' });
  const emitted = [];
  for (const line of (result.stdout ?? '').split('\n')) {
    if (line.startsWith('TSFILE: ')) emitted.push(resolve(line.slice('TSFILE: '.length).trim()));
    else if (line.trim() !== '') console.log(line);
  }
  if (result.stderr) process.stderr.write(result.stderr);
  if (result.status !== 0) {
    console.error(`cardlane build: tsc -p ${relative(root, project)} failed`);
    failed = true;
  }
  return emitted;
}

let failed = false;
compile(join(root, 'tsconfig.build.json'));

for (const webApp of WEB_APPS) {
  // tsc checks the types (noEmit); esbuild bundles and minifies (it does not check them).
  compile(join(webApp.dir, 'tsconfig.json'));
  await bundle(webApp);
}

/** One app's bundle: app.js (ES module) and app.css, minified, with no source maps shipped. */
async function bundle(webApp) {
  const outdir = join(dist, 'web', webApp.name, 'assets');
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.error('cardlane build: esbuild is not installed — run `npm ci` (with dev dependencies) first');
    failed = true;
    return;
  }
  try {
    const result = await esbuild.build({
      entryPoints: { app: join(webApp.dir, webApp.entry) },
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2020',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      outdir,
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
    });
    for (const file of webApp.copied) {
      mkdirSync(outdir, { recursive: true });
      copyFileSync(join(webApp.dir, file), join(outdir, file));
    }
    const sizes = Object.entries(result.metafile.outputs).map(([file, out]) => `${relative(outdir, file)} ${(out.bytes / 1024).toFixed(1)} kB`);
    console.log(`cardlane build: web/${webApp.name} bundled (${sizes.join(', ')})`);
  } catch (error) {
    console.error(`cardlane build: bundling web/${webApp.name} failed: ${error.message}`);
    failed = true;
  }
}

const COMPILED = /\.(c|m)?tsx?$/;
const BUNDLED = [...WEB_APPS.map((webApp) => webApp.dir), WEB_SHARED];
let copied = 0;
function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const from = join(dir, entry.name);
    if (entry.isDirectory()) {
      copyAssets(from);
      continue;
    }
    if (!entry.isFile() || COMPILED.test(entry.name) || /^tsconfig.*\.json$/.test(entry.name)) continue;
    if (BUNDLED.some((d) => dir === d || dir.startsWith(`${d}/`)) && !entry.name.endsWith('.html')) continue;
    const to = join(dist, relative(src, from));
    // An asset that has not changed is left alone (not rewritten under a process running from dist/).
    if (existsSync(to) && readFileSync(to).equals(readFileSync(from))) continue;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied += 1;
  }
}
copyAssets(src);

console.log(`cardlane build: dist/ ${failed ? 'written with errors' : 'ready'}${copied > 0 ? ` (${copied} asset${copied === 1 ? '' : 's'} copied)` : ''}`);
process.exit(failed ? 1 : 0);
