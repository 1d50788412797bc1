import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Stripe from 'stripe';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { migratedTestLocation } from './databases.ts';

export interface InProcessCardlane {
  readonly cardlane: Cardlane;
  /** The deployment's first operator key, as `cardlane up` writes it. */
  readonly operatorKey: string;
  /** Stops it, drops its database (PostgreSQL) or file, and removes its data directory. */
  close(): Promise<void>;
}

/**
 * The whole program in this process on the suite's database, on a clock the
 * test holds, with no background tasks (a test runs the one it means to),
 * silent: what a test of the HTTP faces starts in `before` and closes in `after`.
 */
export async function startInProcessCardlane(name: string, clock: Clock): Promise<InProcessCardlane> {
  const dataDir = mkdtempSync(join(tmpdir(), `cardlane-${name}-`));
  const location = await migratedTestLocation();
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  return {
    cardlane,
    operatorKey: readFileSync(cardlane.operatorKeyFile!, 'utf8').trim(),
    async close() {
      await cardlane.close();
      await location.remove();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The official `stripe` SDK as the demo merchant uses it against `cardlane`: its secret key, and its publishable key (the page that tokenizes cards). */
export function demoMerchantStripe(cardlane: Cardlane): { readonly merchant: Stripe; readonly tokenizer: Stripe } {
  const port = Number(new URL(cardlane.url).port);
  const sdk = (key: string) => new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  return { merchant: sdk(cardlane.demoMerchant.secret_key), tokenizer: sdk(cardlane.demoMerchant.publishable_key) };
}
