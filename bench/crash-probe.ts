/**
 * The crash probe of issue 19 ("Done when"), as a client of a real payment API behaves:
 *
 *   1. `cardlane up` as a child process (its own process group) on a fresh data directory —
 *      SQLite, or a fresh schema on PostgreSQL (`--database postgres://…`);
 *   2. a Cardlane card with money on it (a new cardholder through the issuer's API and the
 *      sandbox operator; its number through a one-time code, hence a minute's wait), and the
 *      network's test bank cards (4242…, 5555…);
 *   3. N concurrent loops (16) of payment methods, payment intents (automatic and manual
 *      capture, confirm=true), partial and full captures, cancels and refunds, each POST with a
 *      logged Idempotency-Key and its exact parameters, `metadata[probe_key]` on what it creates;
 *   4. after a random 5–11 s, `kill -9` of the process group; restart on the same data;
 *   5. a wait for the sweeps (95 s: acquirer.resume-stuck-payments runs every 30 s and takes
 *      payments processing for 60 s; the idempotency lease is 30 s — none has a config knob);
 *   6. every unanswered request retried with the same key and parameters until answered
 *      (409 idempotency_key_in_use, 429, 5xx or Stripe-Should-Retry → wait and retry), then
 *      every answered key replayed once;
 *   7. checks: one payment intent / refund / payment method per key; each key's answers agree
 *      (a replay equals the first answer); answers agree with what the database holds; the
 *      acquirer's captured/refunded/held amounts per charge equal the issuer's (Cardlane's
 *      issuer_authorizations or the test bank's test_bank_authorizations by request_id =
 *      the charge's network_id); nothing left `processing` or `pending`; `cardlane audit` passes.
 *
 *   node --import tsx bench/crash-probe.ts [--database postgres://postgres@127.0.0.1:5432/test]
 *     [--runs 3] [--loops 16] [--kill-after 5-11] [--sweep-wait 95] [--cli src|dist]
 *     [--no-cardlane-card] [--keep] [--log-dir DIR] [--retry-deadline 300] [--tree DIR]
 *
 * Prints one JSON line per run and a summary line; exit 1 if a run found a duplicate or a mismatch.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The Cardlane tree whose CLI is run (`--tree DIR`, e.g. an exported commit with node_modules linked): this one by default. */
let ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------- options

interface Options {
  database: string | null; // null: SQLite in the data directory
  runs: number;
  loops: number;
  killMinS: number;
  killMaxS: number;
  sweepWaitS: number;
  cli: 'src' | 'dist';
  cardlaneCard: boolean;
  keep: boolean;
  logDir: string | null;
  retryDeadlineS: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { database: null, runs: 1, loops: 16, killMinS: 5, killMaxS: 11, sweepWaitS: 95, cli: 'src', cardlaneCard: true, keep: false, logDir: null, retryDeadlineS: 300 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--database') o.database = next();
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--loops') o.loops = Number(next());
    else if (a === '--kill-after') {
      const [min, max] = next().split('-').map(Number);
      o.killMinS = min!;
      o.killMaxS = max ?? min!;
    } else if (a === '--sweep-wait') o.sweepWaitS = Number(next());
    else if (a === '--cli') o.cli = next() === 'dist' ? 'dist' : 'src';
    else if (a === '--no-cardlane-card') o.cardlaneCard = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--log-dir') o.logDir = next();
    else if (a === '--retry-deadline') o.retryDeadlineS = Number(next());
    else if (a === '--tree') ROOT = next();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]! + '*/\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------- the process

interface Up {
  child: ChildProcess;
  url: string;
  info: any;
  exited: Promise<number | null>;
}

function cliCommand(o: Options): string[] {
  return o.cli === 'dist' ? [join(ROOT, 'bin/cardlane.js')] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
}

function dbArgs(dataDir: string, database: string | null): string[] {
  return ['--data-dir', dataDir, ...(database === null ? [] : ['--database', database])];
}

async function startUp(o: Options, dataDir: string, database: string | null, logFile: string): Promise<Up> {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...cliCommand(o), 'up', '--json', '--port', '0', ...dbArgs(dataDir, database)], {
    cwd: ROOT,
    detached: true, // its own process group: kill -9 of the group takes tsx's child too
    stdio: ['ignore', 'pipe', out],
    env: { ...process.env, CARDLANE_LOG_LEVEL: process.env.CARDLANE_LOG_LEVEL ?? 'warn' },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let buffer = '';
  const info = await new Promise<any>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cardlane up did not report within 120 s (log: ${logFile})`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      writeFileSync(logFile, chunk, { flag: 'a' });
      buffer += chunk.toString('utf8');
      for (const line of buffer.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line);
          if (parsed.status === 'up') {
            clearTimeout(timer);
            resolve(parsed);
          }
        } catch {
          /* a partial line */
        }
      }
    });
    void exited.then((code) => reject(new Error(`cardlane up exited with ${code} before it was up (log: ${logFile})`)));
  });
  return { child, url: info.url, info, exited };
}

async function killGroup(up: Up, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(-up.child.pid!, signal);
  } catch {
    /* gone already */
  }
  await up.exited;
}

// ---------------------------------------------------------------- HTTP

interface Answer {
  status: number;
  body: any;
  text: string;
  replayed: boolean;
  shouldRetry: boolean;
  atMs: number;
  phase: Phase;
}

type Phase = 'run' | 'retry' | 'replay';

/** One keyed POST: everything the client knows about it. */
interface Req {
  key: string;
  loop: number;
  kind: 'pm' | 'pi_auto' | 'pi_manual' | 'capture' | 'cancel' | 'refund';
  path: string;
  params: Record<string, string>;
  sends: number;
  transportErrors: number;
  answers: Answer[];
  /** The first answer that is an answer (not "in use", not 5xx/429, not should-retry). */
  final: Answer | null;
  /** Had no final answer when the process was killed. */
  cutByKill: boolean;
  /** Subject of the request (the intent it acts on). */
  subject?: string;
}

function isFinal(a: Answer): boolean {
  if (a.shouldRetry) return false;
  if (a.status >= 500 || a.status === 429) return false;
  if (a.status === 409) return false; // idempotency_key_in_use (and lock timeouts): retry
  return true;
}

class Client {
  constructor(
    public base: string,
    readonly secretKey: string,
  ) {}

  async post(req: Req, phase: Phase): Promise<Answer> {
    req.sends++;
    const response = await fetch(new URL(`/v1${req.path}`, this.base), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': req.key,
      },
      body: new URLSearchParams(req.params).toString(),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = { unparsed: text };
    }
    const answer: Answer = {
      status: response.status,
      body,
      text,
      replayed: response.headers.get('idempotent-replayed') === 'true',
      shouldRetry: response.headers.get('stripe-should-retry') === 'true',
      atMs: Date.now(),
      phase,
    };
    req.answers.push(answer);
    if (req.final === null && isFinal(answer) && phase !== 'replay') req.final = answer;
    return answer;
  }

  async get(path: string): Promise<any> {
    const response = await fetch(new URL(`/v1${path}`, this.base), { headers: { authorization: `Bearer ${this.secretKey}` } });
    return response.json();
  }
}

async function jsonCall(base: string, method: string, path: string, options: { token?: string; json?: unknown; form?: Record<string, string>; query?: Record<string, string> } = {}): Promise<any> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (method === 'POST') headers['idempotency-key'] = `setup-${randomBytes(8).toString('hex')}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const parsed = text === '' ? {} : JSON.parse(text);
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 400)}`);
  return parsed;
}

// ---------------------------------------------------------------- set-up

interface Card {
  number: string;
  cvc: string;
  exp_month: number;
  exp_year: number;
  issuer: 'cardlane' | 'test_bank';
}

const TEST_BANK_CARDS: Card[] = [
  { number: '4242424242424242', cvc: '123', exp_month: 12, exp_year: 2034, issuer: 'test_bank' },
  { number: '5555555555554444', cvc: '123', exp_month: 12, exp_year: 2034, issuer: 'test_bank' },
];

/** A new cardholder with ¥50,000 topped up and about $6,800 on a new card, and its full number (a minute's wait for the reveal code). */
async function cardlaneCard(base: string, operatorKey: string, log: (s: string) => void): Promise<Card> {
  const I = '/issuer/v1';
  const phone = `+86138${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
  const latestCode = async () => {
    const inbox = await jsonCall(base, 'GET', `${I}/operator/sms`, { token: operatorKey, query: { phone, limit: '1' } });
    const code = /\b(\d{6})\b/.exec(inbox.data[0]?.body ?? '')?.[1];
    if (!code) throw new Error(`no code for ${phone}`);
    return code;
  };
  await jsonCall(base, 'POST', `${I}/sessions/code`, { json: { phone } });
  const codeSentAt = Date.now();
  const session = await jsonCall(base, 'POST', `${I}/sessions`, { json: { phone, code: await latestCode() } });
  const token = session.token as string;
  const kyc = await jsonCall(base, 'POST', `${I}/kyc`, { token });
  await jsonCall(base, 'POST', `${I}/operator/kyc/${kyc.id}/approve`, { token: operatorKey });
  const quote = await jsonCall(base, 'POST', `${I}/wallet/top-up-quotes`, { token, json: { cny_amount: 5_000_000 } });
  const order = await jsonCall(base, 'POST', `${I}/wallet/top-ups`, { token, json: { quote_id: quote.id } });
  await jsonCall(base, 'POST', `${I}/operator/sandbox/alipay/${order.id}/pay`, { token: operatorKey });
  const card = await jsonCall(base, 'POST', `${I}/cards`, { token, json: {} });
  const wallet = await jsonCall(base, 'GET', `${I}/wallet`, { token });
  const load = wallet.available.amount_minor - 100;
  await jsonCall(base, 'POST', `${I}/cards/${card.id}/load`, { token, json: { amount: load } });
  const wait = codeSentAt + 61_000 - Date.now();
  log(`cardlane card ${card.id} (•••• ${card.last4}) loaded with ${load}¢; waiting ${Math.ceil(wait / 1000)} s for the SMS cooldown to reveal it`);
  if (wait > 0) await sleep(wait);
  await jsonCall(base, 'POST', `${I}/cards/${card.id}/reveal-code`, { token });
  const revealed = await jsonCall(base, 'POST', `${I}/cards/${card.id}/reveal`, { token, json: { code: await latestCode() } });
  return { number: revealed.number, cvc: revealed.cvc, exp_month: revealed.exp_month, exp_year: revealed.exp_year, issuer: 'cardlane' };
}

/** The demo merchant refuses prepaid cards on customer-initiated payments (Cardlane's are prepaid) and has velocity rules: all off for the probe. */
async function disableRiskRules(client: Client): Promise<number> {
  const list = await client.get('/risk_rules?limit=100');
  let n = 0;
  for (const rule of list.data ?? []) {
    if (!rule.enabled) continue;
    const response = await fetch(new URL(`/v1/risk_rules/${rule.id}`, client.base), {
      method: 'POST',
      headers: { authorization: `Bearer ${client.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'enabled=false',
    });
    if (!response.ok) throw new Error(`disabling risk rule ${rule.id}: ${response.status} ${await response.text()}`);
    n++;
  }
  return n;
}

// ---------------------------------------------------------------- the workload

class Killed extends Error {}

interface RunState {
  runId: string;
  client: Client;
  killed: boolean;
  requests: Req[];
  cards: Card[];
}

/** Sends until a final answer; on the process's death the request stays without one. */
async function send(state: RunState, req: Req): Promise<Answer> {
  for (;;) {
    if (state.killed) {
      req.cutByKill = true;
      throw new Killed();
    }
    try {
      const answer = await state.client.post(req, 'run');
      if (isFinal(answer)) return answer;
    } catch (error) {
      req.transportErrors++;
      if (state.killed) {
        req.cutByKill = true;
        throw new Killed();
      }
      await sleep(100);
      continue;
    }
    await sleep(150 + randomInt(0, 250));
  }
}

function newReq(state: RunState, loop: number, seq: number, kind: Req['kind'], path: string, params: Record<string, string>, subject?: string): Req {
  const key = `${state.runId}-w${loop}-${seq}-${kind}`;
  const withKey = kind === 'capture' || kind === 'cancel' ? params : { ...params, 'metadata[probe_key]': key };
  const req: Req = { key, loop, kind, path, params: withKey, sends: 0, transportErrors: 0, answers: [], final: null, cutByKill: false, ...(subject ? { subject } : {}) };
  state.requests.push(req);
  return req;
}

async function loop(state: RunState, loopNo: number): Promise<void> {
  let seq = 0;
  try {
    while (!state.killed) {
      seq++;
      const card = state.cards[randomInt(0, state.cards.length)]!;
      const pmReq = newReq(state, loopNo, seq, 'pm', '/payment_methods', {
        type: 'card',
        'card[number]': card.number,
        'card[exp_month]': String(card.exp_month),
        'card[exp_year]': String(card.exp_year),
        'card[cvc]': card.cvc,
      });
      const pm = await send(state, pmReq);
      if (pm.status !== 200) continue;
      const manual = randomInt(0, 2) === 0;
      const amount = randomInt(500, 3001);
      const piReq = newReq(state, loopNo, seq, manual ? 'pi_manual' : 'pi_auto', '/payment_intents', {
        amount: String(amount),
        currency: 'usd',
        payment_method: pm.body.id,
        confirm: 'true',
        capture_method: manual ? 'manual' : 'automatic',
      });
      const pi = await send(state, piReq);
      if (pi.status !== 200) continue;
      let intent = pi.body;
      if (intent.status === 'requires_capture') {
        const choice = randomInt(0, 100);
        if (choice < 30) {
          await send(state, newReq(state, loopNo, seq, 'cancel', `/payment_intents/${intent.id}/cancel`, {}, intent.id));
          continue;
        }
        const partial = choice < 75;
        const capture = await send(
          state,
          newReq(state, loopNo, seq, 'capture', `/payment_intents/${intent.id}/capture`, partial ? { amount_to_capture: String(randomInt(100, amount)) } : {}, intent.id),
        );
        if (capture.status !== 200) continue;
        intent = capture.body;
      }
      if (intent.status !== 'succeeded') continue;
      if (randomInt(0, 100) < 60) {
        const received = Number(intent.amount_received);
        const full = randomInt(0, 3) === 0;
        const first = full ? received : randomInt(1, Math.max(2, Math.floor(received / 2)));
        const refund = await send(state, newReq(state, loopNo, seq, 'refund', '/refunds', { payment_intent: intent.id, ...(full ? {} : { amount: String(first) }) }, intent.id));
        if (!full && refund.status === 200 && randomInt(0, 2) === 0) {
          // A second refund of the rest, or of part of it; its own key.
          await send(state, newReq(state, loopNo, seq * 1000 + 1, 'refund', '/refunds', { payment_intent: intent.id }, intent.id));
        }
      }
    }
  } catch (error) {
    if (!(error instanceof Killed)) throw error;
  }
}

// ---------------------------------------------------------------- after the restart

async function retryUnanswered(state: RunState, deadlineMs: number): Promise<{ retried: number; stillUnanswered: number; sends: number; inUse: number }> {
  const pending = state.requests.filter((r) => r.final === null);
  let sends = 0;
  let inUse = 0;
  await Promise.all(
    pending.map(async (req) => {
      while (req.final === null && Date.now() < deadlineMs) {
        try {
          const a = await state.client.post(req, 'retry');
          sends++;
          if (a.status === 409) inUse++;
          if (isFinal(a)) break;
          await sleep(a.status === 409 ? 2_000 : 500);
        } catch {
          await sleep(1_000);
        }
      }
    }),
  );
  return { retried: pending.length, stillUnanswered: pending.filter((r) => r.final === null).length, sends, inUse };
}

/** Every answered key once more: the answer must be the first one. */
async function replayAll(state: RunState): Promise<void> {
  const answered = state.requests.filter((r) => r.final !== null);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < answered.length) {
        const req = answered[next++]!;
        for (let tries = 0; tries < 20; tries++) {
          try {
            const a = await state.client.post(req, 'replay');
            if (isFinal(a)) break;
          } catch {
            /* retry */
          }
          await sleep(500);
        }
      }
    }),
  );
}

// ---------------------------------------------------------------- checks

interface Db {
  all(sql: string, params?: unknown[]): Promise<any[]>;
  close(): Promise<void>;
}

async function openDb(dataDir: string, database: string | null): Promise<Db> {
  if (database === null) {
    const { default: Sqlite } = await import('better-sqlite3');
    const db = new Sqlite(join(dataDir, 'cardlane.db'), { readonly: true });
    return { all: async (sql, params = []) => db.prepare(sql).all(...(params as any[])), close: async () => void db.close() };
  }
  const url = new URL(database);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  return {
    all: async (sql, params = []) => {
      let i = 0;
      return (await pool.query(sql.replace(/\?/g, () => `$${++i}`), params as any[])).rows;
    },
    close: () => pool.end(),
  };
}

interface Finding {
  kind: string;
  key?: string;
  detail: unknown;
}

function metaKey(row: { metadata: string }): string | null {
  try {
    return JSON.parse(row.metadata)?.probe_key ?? null;
  } catch {
    return null;
  }
}

function brief(a: Answer | null | undefined): unknown {
  if (!a) return null;
  const b = a.body;
  if (b?.error) return { status: a.status, code: b.error.code, decline_code: b.error.decline_code, message: b.error.message, payment_intent: b.error.payment_intent?.id, phase: a.phase, replayed: a.replayed };
  return { status: a.status, id: b?.id, object: b?.object, state: b?.status, amount: b?.amount, amount_received: b?.amount_received, amount_capturable: b?.amount_capturable, phase: a.phase, replayed: a.replayed };
}

/** Two final answers agree: a stored answer is replayed byte for byte; a released (non-card) error only by its status and code. */
function agree(first: Answer, later: Answer): boolean {
  if (first.text === later.text) return true;
  const storable = first.status < 300 || first.body?.error?.type === 'card_error';
  if (storable) return false;
  return later.status === first.status && later.body?.error?.code === first.body?.error?.code;
}

async function check(state: RunState, db: Db, merchantId: string, sinceMs: number): Promise<{ duplicates: Finding[]; paymentMethodDuplicates: Finding[]; mismatches: Finding[]; stats: Record<string, unknown> }> {
  const duplicates: Finding[] = [];
  const paymentMethodDuplicates: Finding[] = [];
  const mismatches: Finding[] = [];
  const byKey = new Map(state.requests.map((r) => [r.key, r]));

  // One object per key.
  const intents = await db.all(
    `SELECT id, status, amount_minor, amount_received_minor, amount_capturable_minor, capture_method, latest_charge_id, metadata, created_at_ms FROM acquirer_payment_intents WHERE merchant_id = ?`,
    [merchantId],
  );
  const refunds = await db.all(`SELECT id, charge_id, payment_intent_id, amount_minor, status, network_id, metadata FROM acquirer_refunds WHERE merchant_id = ?`, [merchantId]);
  const pms = await db.all(`SELECT id, metadata FROM acquirer_payment_methods WHERE merchant_id = ?`, [merchantId]);
  const group = <T extends { metadata: string }>(rows: T[]) => {
    const m = new Map<string, T[]>();
    for (const row of rows) {
      const k = metaKey(row);
      if (k === null || !k.startsWith(state.runId)) continue;
      m.set(k, [...(m.get(k) ?? []), row]);
    }
    return m;
  };
  const intentsByKey = group(intents);
  const refundsByKey = group(refunds);
  const pmsByKey = group(pms);
  for (const [label, m] of [
    ['payment_intent', intentsByKey],
    ['refund', refundsByKey],
    ['payment_method', pmsByKey],
  ] as const) {
    for (const [key, rows] of m) {
      if (rows.length > 1) {
        const finding = { kind: `two_${label}s_for_one_key`, key, detail: { rows, answers: byKey.get(key)?.answers.map(brief) } };
        // Money is made of intents and refunds; a second payment method for one key is clutter, reported on its own.
        (label === 'payment_method' ? paymentMethodDuplicates : duplicates).push(finding);
      }
    }
  }

  // Answers agree with each other.
  for (const req of state.requests) {
    if (req.final === null) {
      mismatches.push({ kind: 'never_answered', key: req.key, detail: { answers: req.answers.map(brief) } });
      continue;
    }
    const finals = req.answers.filter(isFinal);
    for (const later of finals) {
      if (later === req.final) continue;
      if (!agree(req.final, later)) mismatches.push({ kind: 'answers_disagree', key: req.key, detail: { first: brief(req.final), later: brief(later), first_text: req.final.text.slice(0, 600), later_text: later.text.slice(0, 600) } });
    }
  }

  // Answers agree with the database.
  const intentById = new Map(intents.map((i) => [i.id, i]));
  for (const req of state.requests) {
    const a = req.final;
    if (a === null) continue;
    const rowsFor = (m: Map<string, any[]>) => m.get(req.key) ?? [];
    if (req.kind === 'pi_auto' || req.kind === 'pi_manual') {
      const rows = rowsFor(intentsByKey);
      const answeredId = a.status === 200 ? a.body.id : a.body?.error?.payment_intent?.id;
      if (answeredId !== undefined && rows.length >= 1 && !rows.some((r) => r.id === answeredId)) {
        mismatches.push({ kind: 'answered_intent_not_the_keys', key: req.key, detail: { answer: brief(a), rows } });
      }
      if (a.status !== 200 && rows.some((r) => ['succeeded', 'requires_capture', 'processing'].includes(r.status))) {
        mismatches.push({ kind: 'error_answered_but_intent_took_money', key: req.key, detail: { answer: brief(a), rows } });
      }
      if (a.status === 200 && rows.length === 0) mismatches.push({ kind: 'answered_intent_missing', key: req.key, detail: { answer: brief(a) } });
    } else if (req.kind === 'refund') {
      const rows = rowsFor(refundsByKey);
      if (a.status === 200 && !rows.some((r) => r.id === a.body.id)) mismatches.push({ kind: 'answered_refund_not_the_keys', key: req.key, detail: { answer: brief(a), rows } });
      if (a.status !== 200 && rows.some((r) => r.status === 'succeeded' || r.status === 'pending')) {
        mismatches.push({ kind: 'error_answered_but_refund_exists', key: req.key, detail: { answer: brief(a), rows } });
      }
    } else if (req.kind === 'capture' || req.kind === 'cancel') {
      const row = intentById.get(req.subject!);
      const others = state.requests.filter((r) => r.subject === req.subject && (r.kind === 'capture' || r.kind === 'cancel') && r !== req);
      if (row && others.length === 0) {
        if (req.kind === 'capture') {
          if (a.status === 200 && Number(row.amount_received_minor) !== Number(a.body.amount_received)) {
            mismatches.push({ kind: 'capture_answer_vs_intent', key: req.key, detail: { answer: brief(a), row } });
          }
          if (a.status !== 200 && Number(row.amount_received_minor) > 0) mismatches.push({ kind: 'capture_error_answered_but_captured', key: req.key, detail: { answer: brief(a), row } });
        } else {
          if (a.status === 200 && row.status !== 'canceled') mismatches.push({ kind: 'cancel_answered_but_not_canceled', key: req.key, detail: { answer: brief(a), row } });
          if (a.status !== 200 && row.status === 'canceled') mismatches.push({ kind: 'cancel_error_answered_but_canceled', key: req.key, detail: { answer: brief(a), row } });
        }
      }
    }
  }

  // Nothing left in flight.
  const processing = intents.filter((i) => i.status === 'processing');
  for (const i of processing) mismatches.push({ kind: 'intent_left_processing', key: metaKey(i) ?? undefined, detail: i });
  const pendingRefunds = refunds.filter((r) => r.status === 'pending');
  for (const r of pendingRefunds) mismatches.push({ kind: 'refund_left_pending', key: metaKey(r) ?? undefined, detail: r });

  // Money: the acquirer's view of each charge against the issuer's.
  const charges = await db.all(
    `SELECT c.id, c.payment_intent_id, c.purpose, c.network_id, c.status, c.authorized, c.amount_authorized_minor, c.amount_captured_minor, c.amount_refunded_minor, c.authorization_open,
            c.network_response_code, c.created_at_ms, pi.status AS intent_status, pi.amount_capturable_minor, pi.metadata
       FROM acquirer_charges c LEFT JOIN acquirer_payment_intents pi ON pi.id = c.payment_intent_id
      WHERE c.merchant_id = ? AND c.created_at_ms >= ?`,
    [merchantId, sinceMs],
  );
  const issuerRows = await db.all(
    `SELECT request_id, id, status, approved, approved_usd_minor AS authorized, held_usd_minor AS held, cleared_usd_minor AS cleared, refunded_usd_minor AS refunded, released_usd_minor AS released, created_at_ms
       FROM issuer_authorizations WHERE created_at_ms >= ?`,
    [sinceMs],
  );
  const bankRows = await db.all(
    `SELECT request_id, id, response_code, authorized_minor AS authorized, cleared_minor AS cleared, refunded_minor AS refunded, released_minor AS released, closed_at_ms, created_at_ms
       FROM test_bank_authorizations WHERE created_at_ms >= ?`,
    [sinceMs],
  );
  const issuer = new Map<string, any>();
  for (const r of issuerRows) issuer.set(r.request_id, { side: 'cardlane_issuer', ...r, held: Number(r.held) });
  for (const r of bankRows) issuer.set(r.request_id, { side: 'test_bank', ...r, held: Number(r.authorized) - Number(r.cleared) - Number(r.released) });
  const refundSums = new Map<string, number>();
  for (const r of refunds) if (r.status === 'succeeded') refundSums.set(r.charge_id, (refundSums.get(r.charge_id) ?? 0) + Number(r.amount_minor));
  const seenNetworkIds = new Set<string>();
  let moneyCaptured = 0;
  let moneyRefunded = 0;
  for (const c of charges) {
    seenNetworkIds.add(c.network_id);
    const at = issuer.get(c.network_id);
    const captured = Number(c.amount_captured_minor);
    const refunded = Number(c.amount_refunded_minor);
    moneyCaptured += captured;
    moneyRefunded += refunded;
    const key = metaKey(c);
    if (at === undefined) {
      if (captured > 0 || Number(c.authorized) === 1) mismatches.push({ kind: 'charge_without_issuer_record', key: key ?? undefined, detail: c });
      continue;
    }
    const problems: string[] = [];
    if (captured !== Number(at.cleared)) problems.push(`captured ${captured} ≠ issuer cleared ${at.cleared}`);
    if (refunded !== Number(at.refunded)) problems.push(`refunded ${refunded} ≠ issuer refunded ${at.refunded}`);
    if ((refundSums.get(c.id) ?? 0) !== refunded) problems.push(`succeeded refunds sum ${refundSums.get(c.id) ?? 0} ≠ charge refunded ${refunded}`);
    const openAtAcquirer = c.intent_status === 'requires_capture' ? Number(c.amount_capturable_minor) : 0;
    if (c.purpose === 'payment' || c.payment_intent_id) {
      if (openAtAcquirer !== at.held) problems.push(`acquirer holds ${openAtAcquirer} (intent ${c.intent_status}) ≠ issuer held ${at.held}`);
    }
    if (problems.length > 0) mismatches.push({ kind: 'acquirer_vs_issuer', key: key ?? undefined, detail: { problems, charge: c, issuer: at } });
  }
  // The issuer's side with no charge at this acquirer holding or taking money.
  for (const [requestId, at] of issuer) {
    if (seenNetworkIds.has(requestId)) continue;
    if (Number(at.cleared) > 0 || at.held > 0) mismatches.push({ kind: 'issuer_money_without_charge', detail: at });
  }

  const statusCounts: Record<string, number> = {};
  for (const i of intents) {
    const k = metaKey(i);
    if (k === null || !k.startsWith(state.runId)) continue;
    statusCounts[i.status] = (statusCounts[i.status] ?? 0) + 1;
  }
  return {
    duplicates,
    paymentMethodDuplicates,
    mismatches,
    stats: {
      payment_intents: statusCounts,
      refunds: refunds.filter((r) => (metaKey(r) ?? '').startsWith(state.runId)).length,
      charges: charges.length,
      charges_on_cardlane_issuer: charges.filter((c) => issuer.get(c.network_id)?.side === 'cardlane_issuer').length,
      charges_on_test_bank: charges.filter((c) => issuer.get(c.network_id)?.side === 'test_bank').length,
      captured_minor: moneyCaptured,
      refunded_minor: moneyRefunded,
    },
  };
}

function audit(o: Options, dataDir: string, database: string | null): { ok: boolean; output: string } {
  const result = spawnSync(process.execPath, [...cliCommand(o), 'audit', ...dbArgs(dataDir, database)], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

// ---------------------------------------------------------------- one run

async function run(o: Options, runNo: number): Promise<any> {
  const started = Date.now();
  const runId = `p${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-crash-probe-'));
  let database: string | null = null;
  let schema: string | null = null;
  if (o.database !== null) {
    const url = new URL(o.database);
    schema = `crash_probe_${runId}_${randomBytes(3).toString('hex')}`;
    url.searchParams.set('schema', schema);
    database = url.toString();
  }
  const logDir = o.logDir ?? dataDir;
  mkdirSync(logDir, { recursive: true });
  const serverLog = join(logDir, `${runId}-server.log`);
  const log = (s: string) => process.stderr.write(`[${runId} ${((Date.now() - started) / 1000).toFixed(1)}s] ${s}\n`);
  log(`run ${runNo}: data dir ${dataDir}${schema ? `, PostgreSQL schema ${schema}` : ', SQLite'}`);

  let up = await startUp(o, dataDir, database, serverLog);
  const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'));
  const secretKey: string = creds.acquirer?.secret_key ?? up.info.acquirer.secret_key;
  const merchantId: string = creds.acquirer?.merchant_id ?? up.info.acquirer.merchant_id;
  const client = new Client(up.url, secretKey);
  const rulesOff = await disableRiskRules(client);
  const cards = [...TEST_BANK_CARDS];
  if (o.cardlaneCard) {
    const operatorKey = readFileSync(up.info.operator_key_file ?? join(dataDir, 'operator-key'), 'utf8').trim();
    const card = await cardlaneCard(up.url, operatorKey, log);
    // Half the payments on Cardlane's issuer, half on the test bank.
    cards.push(card, card);
  }
  const state: RunState = { runId, client, killed: false, requests: [], cards };

  // The workload, and the kill.
  const workloadStart = Date.now() - 1_000;
  const killAfterMs = randomInt(o.killMinS * 1000, o.killMaxS * 1000 + 1);
  log(`workload: ${o.loops} loops, kill -9 after ${(killAfterMs / 1000).toFixed(1)} s (${rulesOff} risk rules disabled)`);
  const loops = Array.from({ length: o.loops }, (_, i) => loop(state, i + 1));
  await sleep(killAfterMs);
  state.killed = true;
  await killGroup(up, 'SIGKILL');
  await Promise.all(loops);
  const sentBeforeKill = state.requests.reduce((n, r) => n + r.sends, 0);
  const cut = state.requests.filter((r) => r.final === null);
  log(`killed: ${state.requests.length} keyed requests (${sentBeforeKill} sends), ${cut.length} without an answer`);

  // Restart, the sweeps, the retries.
  up = await startUp(o, dataDir, database, serverLog);
  client.base = up.url;
  log(`restarted at ${up.url}; waiting ${o.sweepWaitS} s for the sweeps`);
  await sleep(o.sweepWaitS * 1000);
  const retry = await retryUnanswered(state, Date.now() + o.retryDeadlineS * 1000);
  log(`retried ${retry.retried} unanswered keys (${retry.sends} sends, ${retry.inUse} × 409 in use); ${retry.stillUnanswered} still unanswered`);
  await replayAll(state);
  log(`replayed every answered key`);

  // Anything still in flight gets one more sweep before the books are read.
  const db0 = await openDb(dataDir, database);
  let inFlight = 0;
  for (let waited = 0; waited < 100; waited += 5) {
    const rows = await db0.all(
      `SELECT (SELECT COUNT(*) FROM acquirer_payment_intents WHERE status = 'processing') AS p, (SELECT COUNT(*) FROM acquirer_refunds WHERE status = 'pending') AS r`,
    );
    inFlight = Number(rows[0].p) + Number(rows[0].r);
    if (inFlight === 0) break;
    if (waited === 0) log(`${inFlight} intents/refunds still in flight after the retries; waiting for a sweep`);
    await sleep(5_000);
  }
  await db0.close();
  await killGroup(up, 'SIGTERM');

  const db = await openDb(dataDir, database);
  let checked;
  try {
    checked = await check(state, db, merchantId, workloadStart);
  } finally {
    await db.close();
  }
  const audited = audit(o, dataDir, database);

  const kinds: Record<string, number> = {};
  for (const r of state.requests) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
  const answers: Record<string, number> = {};
  for (const r of state.requests) {
    const k = r.final === null ? 'none' : `${r.final.status}${r.final.body?.error ? `:${r.final.body.error.code}` : ''}`;
    answers[k] = (answers[k] ?? 0) + 1;
  }
  const result = {
    run: runNo,
    run_id: runId,
    database: schema ? `postgres (schema ${schema})` : 'sqlite',
    requests: state.requests.length,
    sends: state.requests.reduce((n, r) => n + r.sends, 0),
    requests_by_kind: kinds,
    final_answers: answers,
    kills: 1,
    kill_after_s: killAfterMs / 1000,
    unanswered_at_kill: cut.length,
    unanswered_then_retried: retry.retried,
    retried_by_kind: cut.reduce<Record<string, number>>((m, r) => ((m[r.kind] = (m[r.kind] ?? 0) + 1), m), {}),
    retry_sends: retry.sends,
    retry_in_use_409: retry.inUse,
    retried_answers: cut.map((r) => ({ key: r.key, answer: brief(r.final) })),
    still_unanswered: retry.stillUnanswered,
    replayed: state.requests.filter((r) => r.answers.some((a) => a.phase === 'replay')).length,
    in_flight_after_retries: inFlight,
    ...checked.stats,
    duplicates_found: checked.duplicates.length,
    payment_method_duplicates_found: checked.paymentMethodDuplicates.length,
    // Cut by the kill and declined on retry: consistent with the books, but worth reading (the reason given).
    retried_then_declined: cut.filter((r) => r.final !== null && r.final.status === 402).map((r) => ({ key: r.key, answer: brief(r.final) })),
    mismatches_found: checked.mismatches.length,
    audit_passed: audited.ok,
    duration_s: Math.round((Date.now() - started) / 100) / 10,
    data_dir: o.keep ? dataDir : null,
    duplicates: checked.duplicates,
    payment_method_duplicates: checked.paymentMethodDuplicates,
    mismatches: checked.mismatches,
    ...(audited.ok ? {} : { audit_output: audited.output }),
  };
  writeFileSync(join(logDir, `${runId}-requests.json`), JSON.stringify(state.requests.map((r) => ({ ...r, answers: r.answers.map((a) => ({ ...a, body: undefined })) })), null, 1));
  if (!o.keep && checked.duplicates.length + checked.paymentMethodDuplicates.length + checked.mismatches.length === 0 && audited.ok) {
    rmSync(dataDir, { recursive: true, force: true });
    if (database !== null) {
      const db2 = await openDb(dataDir, o.database);
      await db2.all(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db2.close();
    }
  } else if (!o.keep) {
    log(`kept ${dataDir}${schema ? ` and schema ${schema}` : ''} for inspection`);
  }
  return result;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const results = [];
  for (let i = 1; i <= o.runs; i++) {
    const r = await run(o, i);
    results.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
  const summary = {
    summary: true,
    database: o.database === null ? 'sqlite' : 'postgres',
    runs: results.length,
    loops: o.loops,
    requests: results.reduce((n, r) => n + r.requests, 0),
    kills: results.length,
    unanswered_then_retried: results.reduce((n, r) => n + r.unanswered_then_retried, 0),
    duplicates_found: results.reduce((n, r) => n + r.duplicates_found, 0),
    payment_method_duplicates_found: results.reduce((n, r) => n + r.payment_method_duplicates_found, 0),
    mismatches_found: results.reduce((n, r) => n + r.mismatches_found, 0),
    audits_passed: results.filter((r) => r.audit_passed).length,
    duration_s: results.reduce((n, r) => n + r.duration_s, 0),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.duplicates_found + summary.mismatches_found > 0 || summary.audits_passed < results.length ? 1 : 0;
}

await main();
