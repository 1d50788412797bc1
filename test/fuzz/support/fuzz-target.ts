import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMerchant } from '../../../src/acquirer/merchants/merchants.ts';
import { startCardlane, type Cardlane } from '../../../src/app/start.ts';
import { openDatabase } from '../../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../../src/platform/db/postgres.ts';
import { cryptoRandom, IdGenerator } from '../../../src/platform/ids.ts';
import { systemClock, type Clock } from '../../../src/platform/clock.ts';
import { createLogger, LOG_LEVELS, type LogLevel } from '../../../src/platform/logger.ts';
import { newTestLocation } from '../../support/databases.ts';

/**
 * The Cardlane the fuzzer talks to: the real program started in this
 * process on a temporary data directory and database, listening on a free
 * port, with the demo merchant, organization and cardholder its first start
 * seeds — plus a second tenant of each kind, so "someone else's key" and
 * "someone else's object" are real credentials and real ids.
 *
 * Background tasks are off (`tasks: () => []`): sweeps, recharges and
 * webhook deliveries would change the database between two snapshots and
 * make "a refused request changes nothing" unobservable.
 */
export interface Credentials {
  readonly operatorKey: string;
  readonly merchantSecret: string;
  readonly merchantPublishable: string;
  readonly merchantId: string;
  readonly otherMerchantSecret: string;
  readonly otherMerchantPublishable: string;
  readonly orgKey: string;
  readonly organizationId: string;
  readonly otherOrgKey: string;
  /** The demo cardholder's session token; refreshed by `FuzzTarget.refreshSessions` when a fuzzed sign-out ends it. */
  cardholderSession: string;
  readonly otherCardholderSession: string;
  readonly demoCardId: string;
  readonly demoCardholderId: string;
  readonly demoPhone: string;
}

export interface FuzzTarget {
  readonly cardlane: Cardlane;
  readonly url: string;
  readonly credentials: Credentials;
  /** Signs the demo cardholder in again when a fuzzed request ended its session. */
  refreshSessions(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The wall clock, plus an offset the fuzzer may move forward: signing the
 * cardholder in again after a fuzzed sign-out needs a new code, and codes
 * for one phone are limited per minute and per hour (rightly), so the
 * fuzzer lets an hour pass instead of waiting for it.
 */
class JumpingClock implements Clock {
  offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const clock = new JumpingClock();
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-fuzz-'));
  const location = newTestLocation();
  const cardlane = await startCardlane({
    flags: { port: '0', database: location.url, dataDir },
    env: {},
    clock,
    logger: createLogger({ level: fuzzLogLevel() }),
    tasks: () => [],
  });
  const url = cardlane.url;
  try {
    const demo = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'));
    const operatorKey = readFileSync(join(dataDir, 'operator-key'), 'utf8').trim();
    const other = await cardlane.db.transaction((tx) =>
      createMerchant(tx, { ids: new IdGenerator(systemClock, cryptoRandom), random: cryptoRandom, nowMs: Date.now() }, { name: 'Other Shop', mcc: '5734', country: 'US' }),
    );
    const otherOrg = await cardlane.billing.createOrganization('Other Org');
    const credentials: Credentials = {
      operatorKey,
      merchantSecret: demo.acquirer.secret_key,
      merchantPublishable: demo.acquirer.publishable_key,
      merchantId: demo.acquirer.merchant_id,
      otherMerchantSecret: other.secretKey,
      otherMerchantPublishable: other.publishableKey,
      orgKey: demo.billing.api_key,
      organizationId: demo.billing.organization_id,
      otherOrgKey: otherOrg.apiKey,
      cardholderSession: await signIn(url, operatorKey, demo.issuer.phone),
      otherCardholderSession: await signIn(url, operatorKey, '+8613800000077'),
      demoCardId: demo.issuer.card_id,
      demoCardholderId: demo.issuer.cardholder_id,
      demoPhone: demo.issuer.phone,
    };
    return {
      cardlane,
      url,
      credentials,
      async refreshSessions() {
        const me = await fetch(`${url}/issuer/v1/me`, { headers: { authorization: `Bearer ${credentials.cardholderSession}` } });
        await me.arrayBuffer();
        if (me.status !== 401) return;
        clock.offsetMs += 61 * 60_000;
        credentials.cardholderSession = await signIn(url, operatorKey, credentials.demoPhone);
      },
      async close() {
        await cardlane.close();
        const db = openDatabase(location.url);
        if (db instanceof PostgresDatabase) await db.dropSchema();
        await db.close();
        location.remove();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await cardlane.close();
    throw error;
  }
}

/** The issuer's phone sign-in, as a person does it: ask for a code, read it from the sandbox SMS inbox, send it back. */
async function signIn(url: string, operatorKey: string, phone: string): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const asked = await fetch(`${url}/issuer/v1/sessions/code`, { method: 'POST', headers: json, body: JSON.stringify({ phone }) });
  if (!asked.ok) throw new Error(`sign-in of ${phone}: asking for a code answered ${asked.status} ${await asked.text()}`);
  const inbox = await fetch(`${url}/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, { headers: { authorization: `Bearer ${operatorKey}` } });
  const messages = (await inbox.json()) as { data: Array<{ body: string }> };
  const code = /\d{6}/.exec(messages.data[0]?.body ?? '')?.[0];
  if (code === undefined) throw new Error(`sign-in of ${phone}: no code in the SMS inbox`);
  const session = await fetch(`${url}/issuer/v1/sessions`, { method: 'POST', headers: json, body: JSON.stringify({ phone, code }) });
  const body = (await session.json()) as { token?: string };
  if (!session.ok || typeof body.token !== 'string') throw new Error(`sign-in of ${phone}: ${session.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** CARDLANE_FUZZ_LOG=error shows the server's stack traces while replaying a failure; silent otherwise. */
function fuzzLogLevel(): LogLevel {
  const level = process.env.CARDLANE_FUZZ_LOG;
  return (LOG_LEVELS as readonly string[]).includes(level ?? '') ? (level as LogLevel) : 'silent';
}
