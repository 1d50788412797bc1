import type { Rng } from './rng.ts';
import type { World } from './world.ts';

/** How often each fault is drawn per step; the seed decides which steps get which. */
export interface FaultRates {
  /** Arm a crash a few database operations ahead (lands in this step or a later one, or in a sweep). */
  readonly crash: number;
  /** The issuers answer slower than the network waits for this step (time-out, late answer). */
  readonly slowIssuer: number;
  /** The virtual clock jumps: across hold expiries (7 days) or to the next month end. */
  readonly clockJump: number;
}

export const DEFAULT_FAULTS: FaultRates = { crash: 0.08, slowIssuer: 0.05, clockJump: 0.02 };
export const NO_FAULTS: FaultRates = { crash: 0, slowIssuer: 0, clockJump: 0 };
export const ALL_FAULT_KINDS = 'crash,slow,clock';

/**
 * The rates for a list of fault kinds (`crash,slow,clock`, or `none`). A
 * kind alone is drawn more often, so a run aimed at one bug reaches it sooner.
 */
export function faultRates(kinds: string): FaultRates {
  const on = new Set(kinds.split(',').map((k) => k.trim()).filter((k) => k !== '' && k !== 'none'));
  for (const kind of on) if (!['crash', 'slow', 'clock'].includes(kind)) throw new Error(`unknown fault kind ${kind} (crash, slow, clock, none)`);
  const alone = on.size === 1 ? 2 : 1;
  return {
    crash: on.has('crash') ? DEFAULT_FAULTS.crash * alone : 0,
    slowIssuer: on.has('slow') ? DEFAULT_FAULTS.slowIssuer * alone : 0,
    clockJump: on.has('clock') ? DEFAULT_FAULTS.clockJump * alone : 0,
  };
}

/** Real milliseconds each issuer statement takes while an issuer is slow: above the simulated network's time-out (instance.ts). */
const SLOW_ISSUER_MS = 90;

/**
 * Draws the faults for one step and applies them around it. Crashes are
 * armed as "after the Nth database operation from now", so they land at an
 * arbitrary await, inside requests, between them, or in a sweep.
 */
export class Faults {
  crashes = 0;
  slowSteps = 0;
  clockJumps = 0;

  constructor(
    readonly rng: Rng,
    readonly rates: FaultRates,
  ) {}

  async before(world: World): Promise<{ slow: boolean }> {
    const db = world.instance.db;
    if (this.rng.chance(this.rates.crash)) {
      this.crashes += 1;
      db.armCrashAt(db.operations + this.rng.int(1, 80));
    }
    if (this.rng.chance(this.rates.clockJump)) {
      this.clockJumps += 1;
      const now = world.clock.nowMs();
      const date = new Date(now);
      const monthEnd = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - 1_000;
      const jump = this.rng.chance(0.5) ? 7 * 24 * 3_600_000 + 60_000 : Math.max(1, monthEnd - now + 2_000);
      world.note(`-- clock jump ${jump}`);
      await world.advance(jump);
    }
    const slow = this.rng.chance(this.rates.slowIssuer);
    if (slow) {
      this.slowSteps += 1;
      world.instance.db.slowIssuerMs = SLOW_ISSUER_MS;
      world.note('-- issuers slow');
    }
    return { slow };
  }

  /** Ends a slow step: the issuers are fast again and their late answers are let finish before the next step. */
  async after(world: World, slow: boolean): Promise<void> {
    if (!slow) return;
    world.instance.db.slowIssuerMs = 0;
    await world.settle(150);
  }
}
