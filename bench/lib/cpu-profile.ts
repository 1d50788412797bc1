/**
 * Where a V8 CPU profile's time went: self time summed per function and per
 * module, so a benchmark note can say what remains of a path's cost.
 *
 * A module is a source file of this tree (`src/acquirer/risk/evaluate.ts`),
 * a package (`fastify`, `better-sqlite3`), Node's own code (`node:internal/…`
 * by file), or V8's and native code: a native function without a script
 * (better-sqlite3's `all`/`run`, `JSON.stringify`'s builtins…) is listed as
 * `native` with its name, and V8's own pseudo-frames as `(garbage collector)`,
 * `(program)`, `(idle)`.
 *
 * Also runnable on its own: `node --import tsx bench/lib/cpu-profile.ts
 * <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileShare {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy time (idle excluded), 0–1. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly window_ms: number;
  /** Sampled time not idle. */
  readonly busy_ms: number;
  readonly modules: ProfileShare[];
  readonly functions: ProfileShare[];
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the gap to the next one (the last sample gets none).
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? 0));
  }
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busyUs += us;
    const module = moduleOf(frame);
    modules.set(module, (modules.get(module) ?? 0) + us);
    // No line number: tsx's transpiled code does not keep the source's lines.
    const fn = frame.url ? `${frame.functionName || '(anonymous)'} ${module}` : module;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: Math.round((1000 * us) / Math.max(1, busyUs)) / 1000 }));
  return {
    window_ms: Math.round((profile.endTime - profile.startTime) / 1000),
    busy_ms: Math.round(busyUs / 1000),
    modules: rank(modules),
    functions: rank(functions),
  };
}

function moduleOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName || '(anonymous)'}`;
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (packaged) return packaged[1]!;
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: cpu-profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top ?? 20));
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}
