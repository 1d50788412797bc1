import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCardlaneConfig } from '../../src/app/config.ts';
import { ConfigError } from '../../src/platform/config.ts';

// An auto-recharge is a purchase: a recharge minimum above the purchase maximum would make every recharge fail at
// run time, long after start-up. Refused at start, naming the setting.

function withConfig(billing: Record<string, unknown>, check: (load: () => ReturnType<typeof loadCardlaneConfig>) => void): void {
  const cwd = mkdtempSync(join(tmpdir(), 'cardlane-billing-bounds-'));
  try {
    mkdirSync(join(cwd, '.cardlane'));
    writeFileSync(join(cwd, '.cardlane', 'cardlane.json'), JSON.stringify({ billing }));
    check(() => loadCardlaneConfig({ cwd, env: {} }));
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

test('a recharge minimum above the purchase maximum is refused at start, naming the setting', () => {
  withConfig({ purchaseMaximumMinor: 5_000, rechargeMinimumMinor: 6_000 }, (load) => {
    assert.throws(load, (error: unknown) => error instanceof ConfigError && error.field === 'billing.rechargeMinimumMinor' && /purchaseMaximumMinor/.test(error.message));
  });
});

test('a recharge minimum equal to the purchase maximum is allowed', () => {
  withConfig({ purchaseMaximumMinor: 5_000, rechargeMinimumMinor: 5_000 }, (load) => {
    assert.equal(load().billing.rechargeMinimumMinor, 5_000);
  });
});
