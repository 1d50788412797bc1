/**
 * `npm run sim -- --seed N --steps K [--db sqlite|postgres] [--seeds M] [--json] [--trace] [--faults crash,slow,clock|none]`
 *
 * Runs the deterministic simulator (sim/run.ts) for one seed, or for M
 * seeds starting at --seed (default 1). Exit code 1 when an invariant broke;
 * each failure prints the invariant, the step and the command that replays it.
 */
import { faultRates } from './faults.ts';
import { runSeed, type RunResult, type SimDatabase } from './run.ts';

interface Args {
  seed: number;
  steps: number;
  seeds: number;
  db: SimDatabase;
  json: boolean;
  trace: boolean;
  /** Fault kinds on: crash, slow, clock (default all; `none` for none). */
  faults: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seed: 1, steps: 200, seeds: 1, db: 'sqlite', json: false, trace: false, faults: 'crash,slow,clock' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const whole = (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got ${v}`);
      return n;
    };
    if (flag === '--seed') args.seed = whole(value());
    else if (flag === '--steps') args.steps = whole(value());
    else if (flag === '--seeds') args.seeds = Math.max(1, whole(value()));
    else if (flag === '--db') {
      const db = value();
      if (db !== 'sqlite' && db !== 'postgres') throw new Error('--db is sqlite or postgres');
      args.db = db;
    } else if (flag === '--json') args.json = true;
    else if (flag === '--trace') args.trace = true;
    else if (flag === '--no-faults') args.faults = 'none';
    else if (flag === '--faults') args.faults = value();
    else throw new Error(`unknown option ${flag}`);
  }
  return args;
}

function printFailure(result: RunResult): void {
  console.log(`FAIL seed ${result.seed} (${result.db}) at step ${result.failedAtStep}:`);
  for (const v of result.violations.slice(0, 10)) console.log(`  ${v.invariant}${v.bug ? ` [looks like bug ${v.bug}]` : ''}: ${v.detail}`);
  if (result.violations.length > 10) console.log(`  … and ${result.violations.length - 10} more`);
  if (result.trace.length > 0) {
    console.log('  last trace lines:');
    for (const line of result.trace.slice(-25)) console.log(`    ${line}`);
  }
  console.log(`  trace ${result.traceHash}; replay: ${result.replay}`);
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const results: RunResult[] = [];
  const started = performance.now();
  let totalSteps = 0;
  for (let seed = args.seed; seed < args.seed + args.seeds; seed++) {
    const result = await runSeed({ seed, steps: args.steps, db: args.db, keepTrace: args.trace || !args.json, faults: faultRates(args.faults), faultKinds: args.faults });
    results.push(result);
    totalSteps += result.failedAtStep ?? result.steps;
    if (!args.json) {
      if (result.ok) console.log(`ok   seed ${seed} (${args.db}): ${result.steps} steps, ${result.requests} requests, ${result.restarts} restarts, trace ${result.traceHash}, ${result.elapsedMs} ms`);
      else printFailure(result);
      if (args.trace && result.ok) for (const line of result.trace) console.log(`    ${line}`);
    }
  }
  const seconds = (performance.now() - started) / 1_000;
  const failed = results.filter((r) => !r.ok);
  const stepsPerSecond = Math.round((totalSteps / seconds) * 10) / 10;
  if (args.json) {
    console.log(
      JSON.stringify({
        db: args.db,
        seeds: results.length,
        failed: failed.length,
        steps_per_s: stepsPerSecond,
        results: results.map(({ trace: _trace, ...rest }) => rest),
      }),
    );
  } else {
    console.log(`${results.length - failed.length}/${results.length} seeds passed on ${args.db}; ${totalSteps} steps in ${seconds.toFixed(1)} s (${stepsPerSecond} steps/s)`);
    for (const r of failed) console.log(`  failed: ${r.replay}  — ${r.violations[0]!.invariant}`);
  }
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
