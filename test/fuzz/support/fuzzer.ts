import fc from 'fast-check';
import type { Credentials, FuzzTarget } from './fuzz-target.ts';
import { describeRequest, RequestTimedOut, send, type AuthRole, type FuzzRequest, type FuzzResponse } from './fuzz-request.ts';
import { requestsFor, type GeneratorContext } from './generators.ts';
import { operationsOf, type Operation } from './operations.ts';
import { answerProblem, idsIn, mayWrite } from './properties.ts';
import { listTables, sameSnapshot, snapshotDiff, takeSnapshot, type Snapshot } from './snapshot.ts';

/**
 * Drives one running Cardlane: requests go one at a time, and the database
 * is fingerprinted after each, so a refused request's "before" is the
 * previous request's "after" and any change it made is seen.
 *
 * Knobs (environment):
 * - CARDLANE_FUZZ_RUNS: requests per operation (default 20; a long run: 500);
 * - CARDLANE_FUZZ_SEED: the base seed (default 19), printed with every failure;
 * - CARDLANE_FUZZ_ONLY: run only operations whose id contains this text
 *   (`POST /v1/payment_intents`), to replay one failure.
 */
export const FUZZ_RUNS = Number(process.env.CARDLANE_FUZZ_RUNS ?? 20);
export const FUZZ_SEED = Number(process.env.CARDLANE_FUZZ_SEED ?? 19);
const ONLY = process.env.CARDLANE_FUZZ_ONLY;
/** Cardlane's own request time-out is longer; an answer this late is a hang for a fuzzer's purposes. */
export const REQUEST_TIMEOUT_MS = Number(process.env.CARDLANE_FUZZ_TIMEOUT_MS ?? 10_000);

export class Fuzzer {
  readonly #target: FuzzTarget;
  readonly #tables: string[];
  #snapshot: Snapshot;
  readonly #byCollection = new Map<string, string[]>();
  #all: string[] = [];
  readonly context: GeneratorContext;
  /** Requests sent, by outcome, for the run's summary. */
  readonly counts = { requests: 0, refused: 0, ok: 0, skipped: 0 };

  private constructor(target: FuzzTarget, tables: string[], snapshot: Snapshot, private readonly doc: any) {
    this.#target = target;
    this.#tables = tables;
    this.#snapshot = snapshot;
    this.context = {
      resolve: (ref) => this.doc.components?.schemas?.[ref.replace('#/components/schemas/', '')] ?? {},
      knownIds: () => this.#all,
      idsIn: (collection) => this.#byCollection.get(collection) ?? [],
    };
  }

  static async start(target: FuzzTarget): Promise<Fuzzer> {
    const doc = await (await fetch(`${target.url}/openapi.json`)).json();
    const tables = await listTables(target.cardlane.db);
    const fuzzer = new Fuzzer(target, tables, await takeSnapshot(target.cardlane.db, tables), doc);
    fuzzer.#remember('/issuer/v1/cards', [target.credentials.demoCardId]);
    return fuzzer;
  }

  operations(filter: (operation: Operation) => boolean): Operation[] {
    return operationsOf(this.doc).filter((op) => filter(op) && (ONLY === undefined || op.id.includes(ONLY)));
  }

  /** Ids for an operation's collection, as a valid request for it would have made them. */
  #remember(collection: string, ids: readonly string[]): void {
    const list = this.#byCollection.get(collection) ?? [];
    for (const id of ids) if (!list.includes(id)) list.push(id);
    this.#byCollection.set(collection, list.slice(-30));
  }

  /**
   * Sends valid requests to make objects the fuzzer can then name (a
   * customer, a saved card, payment intents in each state), with the keys
   * they belong to — and one of the other merchant's, so a request can
   * reach for someone else's object.
   */
  async seedObjects(): Promise<void> {
    const c = this.#target.credentials;
    const form = async (key: string, path: string, body: string) => {
      const res = await fetch(`${this.#target.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' }, body });
      const text = await res.text();
      this.#harvest(path.replace(/\/(pi|cus|pm|seti)_[^/]*.*$/, ''), text);
      return JSON.parse(text) as { id: string };
    };
    const customer = await form(c.merchantSecret, '/v1/customers', 'email=a%40example.com');
    const pm = await form(c.merchantSecret, '/v1/payment_methods', 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034&card[cvc]=123');
    await form(c.merchantSecret, `/v1/payment_methods/${pm.id}/attach`, `customer=${customer.id}`);
    const pm2 = await form(c.merchantSecret, '/v1/payment_methods', 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034');
    await form(c.merchantSecret, '/v1/payment_intents', `amount=2000&currency=usd&payment_method=${pm2.id}&confirm=true`);
    const pm3 = await form(c.merchantSecret, '/v1/payment_methods', 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034');
    await form(c.merchantSecret, '/v1/payment_intents', `amount=3000&currency=usd&payment_method=${pm3.id}&confirm=true&capture_method=manual`);
    await form(c.merchantSecret, '/v1/payment_intents', 'amount=1500&currency=usd');
    await form(c.merchantSecret, '/v1/setup_intents', `customer=${customer.id}`);
    await form(c.otherMerchantSecret, '/v1/customers', 'email=b%40example.com');
    this.#snapshot = await takeSnapshot(this.#target.cardlane.db, this.#tables);
  }

  #harvest(collection: string, text: string): void {
    const { top, all } = idsIn(text);
    this.#remember(collection, top);
    this.#all = [...new Set([...this.#all, ...all])].slice(-200);
  }

  #authorization(request: FuzzRequest): string | undefined {
    if (request.rawAuthorization !== undefined) return request.rawAuthorization;
    const key = credentialOf(this.#target.credentials, request.auth);
    return key === undefined ? undefined : `Bearer ${key}`;
  }

  /** One request, checked; throws what is wrong with the request that showed it. */
  async exercise(operation: Operation, request: FuzzRequest): Promise<void> {
    let response: FuzzResponse | null;
    try {
      response = await send(this.#target.url, request, this.#authorization(request), REQUEST_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof RequestTimedOut) throw new Error(`${error.message}\n${describeRequest(request)}`);
      // The server closed the connection without an answer: as bad as a 5xx.
      throw new Error(`no answer: ${(error as Error).message}\n${describeRequest(request)}`);
    }
    if (response === null) {
      this.counts.skipped++;
      return;
    }
    this.counts.requests++;
    // A fuzzed sign-out ended the cardholder's session: sign in again (which
    // writes a session and an SMS) before the snapshot the next request is compared with.
    if (operation.id === 'DELETE /issuer/v1/sessions' && response.status < 300) await this.#target.refreshSessions();
    const problem = answerProblem(response, operation.errorStyle);
    const after = await this.#settledSnapshot(response, request);
    const changed = mayWrite(response) ? [] : snapshotDiff(this.#snapshot, after);
    this.#snapshot = after;
    if (response.status >= 400) this.counts.refused++;
    else this.counts.ok++;
    if (response.status >= 200 && response.status < 300) this.#harvest(operation.collection, response.text);
    if (problem !== null || changed.length > 0) {
      const what = [problem, changed.length > 0 ? `a ${response.status} changed the database: ${changed.join(', ')}` : null].filter(Boolean).join('; ');
      throw new Error(`${what}\n${describeRequest(request)}\n→ ${response.status} ${response.contentType} ${response.text.slice(0, 600)}`);
    }

  }

  /**
   * The database after a request. A request that succeeded may leave work
   * running after its answer (usage nudges the auto-recharge), so its
   * snapshot is taken again until two agree; a refusal must not leave work
   * behind, so its snapshot is taken at once.
   */
  async #settledSnapshot(response: FuzzResponse, request: FuzzRequest): Promise<Snapshot> {
    const db = this.#target.cardlane.db;
    let snapshot = await takeSnapshot(db, this.#tables);
    if (response.status >= 400 || request.method === 'GET') return snapshot;
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 15));
      const again = await takeSnapshot(db, this.#tables);
      if (sameSnapshot(snapshot, again)) return again;
      snapshot = again;
    }
    return snapshot;
  }

  /** fast-check over one operation: FUZZ_RUNS requests from `requestsFor`, each checked. */
  async fuzz(operation: Operation): Promise<void> {
    await fc.assert(
      fc.asyncProperty(requestsFor(operation, this.context), (request) => this.exercise(operation, request)),
      // A seed per operation (from its id), so one operation's failure replays with CARDLANE_FUZZ_ONLY.
      // No shrinking: the server's state moves on with every request, so a "smaller" request
      // would be tried against another state; the first failing request is the reproduction.
      { seed: seedOf(operation.id), numRuns: FUZZ_RUNS, endOnFailure: true },
    );
  }
}

export function seedOf(operationId: string): number {
  let hash = FUZZ_SEED | 0;
  for (const char of operationId) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

function credentialOf(c: Credentials, role: AuthRole): string | undefined {
  switch (role) {
    case 'none':
      return undefined;
    case 'operator':
      return c.operatorKey;
    case 'cardholder':
      return c.cardholderSession;
    case 'other-cardholder':
      return c.otherCardholderSession;
    case 'merchant-secret':
      return c.merchantSecret;
    case 'merchant-publishable':
      return c.merchantPublishable;
    case 'other-merchant-secret':
      return c.otherMerchantSecret;
    case 'other-merchant-publishable':
      return c.otherMerchantPublishable;
    case 'org-key':
      return c.orgKey;
    case 'other-org-key':
      return c.otherOrgKey;
  }
}
