import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { isPostgresUrl } from './db/open.ts';
import { LOG_LEVELS, type LogLevel } from './logger.ts';

/**
 * Cardlane's configuration, validated once at start-up so a typo fails fast
 * with the field and where it came from, instead of surfacing as a strange
 * failure an hour later.
 *
 * Sources, lowest priority first:
 *   1. defaults (below);
 *   2. a JSON file: `--config PATH` (or `CARDLANE_CONFIG`), else
 *      `<dataDir>/cardlane.json` when it exists. Unknown keys are errors, so a
 *      misspelt setting is not silently ignored. Relative paths in the file
 *      are relative to the file, so a data directory can be moved whole;
 *   3. environment: CARDLANE_DATA_DIR, CARDLANE_DATABASE (or DATABASE_URL, the
 *      de-facto name hosting platforms set; CARDLANE_DATABASE wins when both
 *      are set), CARDLANE_HOST, CARDLANE_PORT, CARDLANE_LOG_LEVEL. An empty
 *      variable counts as unset, as `FOO= cardlane up` intends;
 *   4. command-line flags.
 * Relative paths from the environment and flags are relative to `cwd`.
 */
export interface Config {
  /** Absolute path of the data directory (the SQLite file, the default config file). */
  readonly dataDir: string;
  /** A postgres:// URL, an absolute SQLite file path, or `:memory:`. May hold a password: never print it; print `db.description`. */
  readonly database: string;
  readonly host: string;
  /** 0 asks the operating system for any free port (tests). */
  readonly port: number;
  readonly logLevel: LogLevel;
  readonly ledger: {
    /** How often the expiry sweeper finalizes pending transfers past their timeout. */
    readonly sweepIntervalMs: number;
    /** How often the journal sealer runs. */
    readonly sealIntervalMs: number;
  };
  readonly payments: {
    /** How long the card network waits for an issuer before it declines in its stead (91). */
    readonly issuerTimeoutMs: number;
    /** How long an approved authorization holds the cardholder's funds if it is never captured or reversed. */
    readonly authorizationHoldMs: number;
  };
  readonly billing: BillingConfig;
  readonly http: {
    /** Largest request body accepted; larger ones get 413 before they are read whole. */
    readonly bodyLimitBytes: number;
    /** Time a client has to send a whole request (slow clients hold sockets otherwise). */
    readonly requestTimeoutMs: number;
    /** Idle keep-alive sockets are closed after this; longer than the usual 60 s of load balancers so they close first. */
    readonly keepAliveTimeoutMs: number;
  };
  /** On SIGTERM, how long in-flight requests and background tasks get to finish. */
  readonly shutdownTimeoutMs: number;
  /** The config file that was read, if any. */
  readonly configFile: string | null;
}

/** Merchant billing (the API business selling prepaid credits). */
export interface BillingConfig {
  /**
   * Where billing's payment provider answers, for the official `stripe` SDK:
   * null means this Cardlane's own Stripe-compatible acquirer (`<url>/v1`);
   * `https://api.stripe.com` points the same code at Stripe.
   */
  readonly stripeBaseUrl: string | null;
  /** The provider's secret key; null means the demo merchant's key (only with stripeBaseUrl null). */
  readonly stripeSecretKey: string | null;
  /** The publishable key clients tokenize cards with; null means the demo merchant's. */
  readonly stripePublishableKey: string | null;
  /** Smallest manual credit purchase, in cents (OpenAI's is $5). */
  readonly purchaseMinimumMinor: number;
  /** Largest manual credit purchase, in cents. */
  readonly purchaseMaximumMinor: number;
  /** Smallest auto-recharge, in cents (the seed's $10). */
  readonly rechargeMinimumMinor: number;
}

export const DEFAULT_DATA_DIR = '.cardlane';
export const DEFAULT_PORT = 4400;
export const CONFIG_FILE_NAME = 'cardlane.json';
const DATABASE_FILE_NAME = 'cardlane.db';

/** HTTP limits when nothing overrides them; also what `createHttpServer` uses without a config. */
export const HTTP_DEFAULTS: Config['http'] = Object.freeze({
  bodyLimitBytes: 1_048_576,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 72_000,
});

const DEFAULTS = {
  host: '127.0.0.1',
  port: DEFAULT_PORT,
  logLevel: 'info',
  ledger: { sweepIntervalMs: 1_000, sealIntervalMs: 5_000 },
  // 2 s as Stripe Issuing gives an issuer; holds expire after 7 days, as card networks' usually do.
  payments: { issuerTimeoutMs: 2_000, authorizationHoldMs: 7 * 24 * 60 * 60 * 1000 },
  billing: {
    stripeBaseUrl: null,
    stripeSecretKey: null,
    stripePublishableKey: null,
    purchaseMinimumMinor: 500,
    purchaseMaximumMinor: 100_000,
    rechargeMinimumMinor: 1_000,
  } as BillingConfig,
  http: HTTP_DEFAULTS,
  shutdownTimeoutMs: 10_000,
} as const;

/** Flags as commander hands them over: strings, or absent. */
export interface ConfigFlags {
  readonly config?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly database?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: string | number | undefined;
  readonly logLevel?: string | undefined;
}

export interface LoadConfigInput {
  readonly flags?: ConfigFlags;
  /** The environment to read; passed in so tests do not touch process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths from flags and environment resolve against. */
  readonly cwd?: string;
}

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The setting at fault, e.g. `port` or `ledger.sweepIntervalMs`; null for the file as a whole. */
    readonly field: string | null,
    /** Where the value came from: `--port`, `CARDLANE_PORT`, `config file /…/cardlane.json`. */
    readonly source: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

// ---- schema -------------------------------------------------------------

const wholeNumber = (min: number, max: number, unit: string) => {
  const message = `must be a whole number of ${unit} from ${min} to ${max}`;
  return z.number({ invalid_type_error: message, required_error: message }).int(message).min(min, message).max(max, message);
};

const nonEmptyText = z.string({ invalid_type_error: 'must be a string' }).trim().min(1, 'must not be empty');

const databaseText = nonEmptyText.refine(
  (value) => !/^postgres(ql)?:/i.test(value) || isParsableUrl(value),
  'must be a valid postgres://user@host:port/database URL or a SQLite file path',
);

const hostText = nonEmptyText.refine(
  (value) => /^[A-Za-z0-9.\-:[\]%]{1,253}$/.test(value),
  'must be a host name or an IP address, such as 127.0.0.1 or 0.0.0.0',
);

const settingsSchema = z
  .object({
    dataDir: nonEmptyText,
    database: databaseText,
    host: hostText,
    port: z
      .number({ invalid_type_error: 'must be a whole number from 0 to 65535' })
      .int('must be a whole number from 0 to 65535')
      .min(0, 'must be a whole number from 0 to 65535')
      .max(65_535, 'must be a whole number from 0 to 65535'),
    logLevel: z.enum(LOG_LEVELS, {
      errorMap: () => ({ message: `must be one of ${LOG_LEVELS.join(', ')}` }),
    }),
    ledger: z
      .object({
        sweepIntervalMs: wholeNumber(10, 86_400_000, 'milliseconds'),
        sealIntervalMs: wholeNumber(10, 86_400_000, 'milliseconds'),
      })
      .partial()
      .strict(),
    payments: z
      .object({
        issuerTimeoutMs: wholeNumber(10, 60_000, 'milliseconds'),
        authorizationHoldMs: wholeNumber(60_000, 31 * 24 * 60 * 60 * 1000, 'milliseconds'),
      })
      .partial()
      .strict(),
    billing: z
      .object({
        stripeBaseUrl: nonEmptyText.refine(isHttpUrl, 'must be an http:// or https:// URL, such as https://api.stripe.com').nullable(),
        stripeSecretKey: nonEmptyText.refine((value) => /^(sk|rk)_(test|live)_\w+$/.test(value), 'must be a Stripe secret key (sk_test_… or sk_live_…)').nullable(),
        stripePublishableKey: nonEmptyText.refine((value) => /^pk_(test|live)_\w+$/.test(value), 'must be a Stripe publishable key (pk_test_…)').nullable(),
        purchaseMinimumMinor: wholeNumber(50, 10_000_000, 'cents'),
        purchaseMaximumMinor: wholeNumber(50, 10_000_000, 'cents'),
        rechargeMinimumMinor: wholeNumber(50, 10_000_000, 'cents'),
      })
      .partial()
      .strict(),
    http: z
      .object({
        bodyLimitBytes: wholeNumber(1_024, 64 * 1_048_576, 'bytes'),
        requestTimeoutMs: wholeNumber(1_000, 600_000, 'milliseconds'),
        keepAliveTimeoutMs: wholeNumber(1_000, 600_000, 'milliseconds'),
      })
      .partial()
      .strict(),
    shutdownTimeoutMs: wholeNumber(100, 300_000, 'milliseconds'),
  })
  .partial()
  .strict();

type Settings = z.infer<typeof settingsSchema>;

// ---- sources ------------------------------------------------------------

const ENV_NAMES = {
  dataDir: 'CARDLANE_DATA_DIR',
  database: 'CARDLANE_DATABASE',
  host: 'CARDLANE_HOST',
  port: 'CARDLANE_PORT',
  logLevel: 'CARDLANE_LOG_LEVEL',
} as const;

/** The payment provider's address and keys may come from the environment, where secrets usually live. */
const BILLING_ENV_NAMES = {
  stripeBaseUrl: 'CARDLANE_BILLING_STRIPE_URL',
  stripeSecretKey: 'CARDLANE_BILLING_STRIPE_SECRET_KEY',
  stripePublishableKey: 'CARDLANE_BILLING_STRIPE_PUBLISHABLE_KEY',
} as const;

const FLAG_NAMES: Record<string, string> = {
  dataDir: '--data-dir',
  database: '--database',
  host: '--host',
  port: '--port',
  logLevel: '--log-level',
};

interface Layer {
  readonly settings: Settings;
  /** Directory relative paths in this layer resolve against. */
  readonly baseDir: string;
}

/**
 * Reads and validates the configuration. Reads the config file from disk
 * (and nothing else); everything else comes in through the arguments.
 */
export function loadConfig(input: LoadConfigInput = {}): Config {
  const cwd = input.cwd ?? process.cwd();
  const env = input.env ?? {};
  const flags = input.flags ?? {};

  const fromFlags = flagLayer(flags, cwd);
  const fromEnv = envLayer(env, cwd);

  // The default config file lives in the data directory, so that directory
  // is decided first from the sources that outrank the file.
  const lookupDataDir = absolute(fromFlags.settings.dataDir ?? fromEnv.settings.dataDir ?? DEFAULT_DATA_DIR, cwd);
  const explicitFile = presentText(flags.config) ?? presentText(env.CARDLANE_CONFIG);
  const configFile = explicitFile
    ? absolute(explicitFile, cwd)
    : existsSync(join(lookupDataDir, CONFIG_FILE_NAME))
      ? join(lookupDataDir, CONFIG_FILE_NAME)
      : null;
  const fromFile = configFile ? fileLayer(configFile) : null;

  const layers = [fromFile, fromEnv, fromFlags].filter((layer): layer is Layer => layer !== null);
  const pick = <K extends keyof Settings>(key: K): { value: NonNullable<Settings[K]>; baseDir: string } | undefined => {
    for (const layer of [...layers].reverse()) {
      const value = layer.settings[key];
      if (value !== undefined) return { value: value as NonNullable<Settings[K]>, baseDir: layer.baseDir };
    }
    return undefined;
  };
  const pickNested = <S extends 'ledger' | 'payments' | 'billing' | 'http'>(section: S) =>
    Object.assign({}, ...layers.map((layer) => layer.settings[section] ?? {})) as NonNullable<Settings[S]>;

  const dataDirSetting = pick('dataDir');
  const dataDir = dataDirSetting ? absolute(dataDirSetting.value, dataDirSetting.baseDir) : absolute(DEFAULT_DATA_DIR, cwd);
  const databaseSetting = pick('database');
  const database = databaseSetting
    ? normalizeDatabase(databaseSetting.value, databaseSetting.baseDir)
    : join(dataDir, DATABASE_FILE_NAME);

  return Object.freeze({
    dataDir,
    database,
    host: pick('host')?.value ?? DEFAULTS.host,
    port: pick('port')?.value ?? DEFAULTS.port,
    logLevel: pick('logLevel')?.value ?? DEFAULTS.logLevel,
    ledger: Object.freeze({ ...DEFAULTS.ledger, ...pickNested('ledger') }),
    payments: Object.freeze({ ...DEFAULTS.payments, ...pickNested('payments') }),
    billing: billingConfig({ ...DEFAULTS.billing, ...pickNested('billing') }),
    http: Object.freeze({ ...DEFAULTS.http, ...pickNested('http') }),
    shutdownTimeoutMs: pick('shutdownTimeoutMs')?.value ?? DEFAULTS.shutdownTimeoutMs,
    configFile,
  });
}

function flagLayer(flags: ConfigFlags, cwd: string): Layer {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(FLAG_NAMES) as Array<keyof typeof FLAG_NAMES>) {
    const value = (flags as Record<string, unknown>)[key];
    if (value === undefined) continue;
    raw[key] = key === 'port' ? toPort(value) : value;
  }
  return { settings: validate(raw, (field) => FLAG_NAMES[field] ?? `--${field}`), baseDir: cwd };
}

function envLayer(env: Readonly<Record<string, string | undefined>>, cwd: string): Layer {
  const raw: Record<string, unknown> = {};
  const names: Record<string, string> = { ...ENV_NAMES };
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = presentText(env[name]);
    if (value !== undefined) raw[key] = key === 'port' ? toPort(value) : value;
  }
  const billing: Record<string, string> = {};
  for (const [key, name] of Object.entries(BILLING_ENV_NAMES)) {
    const value = presentText(env[name]);
    if (value === undefined) continue;
    billing[key] = value;
    names[`billing.${key}`] = name;
  }
  if (Object.keys(billing).length > 0) raw.billing = billing;
  if (raw.database === undefined) {
    const url = presentText(env.DATABASE_URL);
    if (url !== undefined) {
      raw.database = url;
      names.database = 'DATABASE_URL';
    }
  }
  return { settings: validate(raw, (field) => names[field] ?? field), baseDir: cwd };
}

function fileLayer(path: string): Layer {
  const source = `config file ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new ConfigError(`invalid configuration: cannot read ${source}: ${reason}`, null, source);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${source} is not valid JSON: ${(error as Error).message}`, null, source);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`invalid configuration: ${source} must hold a JSON object`, null, source);
  }
  return { settings: validate(parsed, () => source), baseDir: dirname(path) };
}

function validate(raw: unknown, sourceOf: (field: string) => string): Settings {
  const result = settingsSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    const field = `${prefix}${issue.keys[0]}`;
    const source = sourceOf(field);
    const known = knownSettings(issue.path.map(String));
    throw new ConfigError(
      `invalid configuration: unknown setting "${issue.keys.map((key) => prefix + key).join('", "')}" in ${source}` +
        ` (known: ${known.join(', ')})`,
      field,
      source,
    );
  }
  const field = issue.path.join('.');
  const source = sourceOf(field);
  const given = valueAt(raw, issue.path);
  throw new ConfigError(
    `invalid configuration: ${field} (from ${source}) ${issue.message}; got ${JSON.stringify(given)}`,
    field,
    source,
  );
}

function knownSettings(path: readonly string[]): string[] {
  let shape: z.ZodRawShape = settingsSchema.shape;
  for (const part of path) {
    const inner = unwrap(shape[part]);
    if (!(inner instanceof z.ZodObject)) return [];
    shape = inner.shape as z.ZodRawShape;
  }
  return Object.keys(shape);
}

function unwrap(type: z.ZodTypeAny | undefined): z.ZodTypeAny | undefined {
  let current = type;
  while (current instanceof z.ZodOptional) current = current.unwrap();
  return current;
}

function valueAt(raw: unknown, path: ReadonlyArray<string | number>): unknown {
  let value = raw;
  for (const part of path) value = (value as Record<string | number, unknown> | undefined)?.[part];
  return value;
}

/** Ports arrive as text from flags and the environment; only plain digits are a number. */
function toPort(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return value;
}

function presentText(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function absolute(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function normalizeDatabase(value: string, baseDir: string): string {
  if (isPostgresUrl(value) || value === ':memory:') return value;
  const path = value.replace(/^sqlite:(\/\/)?/, '');
  return path === ':memory:' ? path : absolute(path, baseDir);
}

/** Checks what one setting cannot: the purchase bounds are ordered, and a foreign provider comes with its keys. */
function billingConfig(billing: BillingConfig): BillingConfig {
  if (billing.purchaseMinimumMinor > billing.purchaseMaximumMinor) {
    throw new ConfigError('invalid configuration: billing.purchaseMinimumMinor must not exceed billing.purchaseMaximumMinor', 'billing.purchaseMinimumMinor', 'billing');
  }
  if (billing.stripeBaseUrl !== null && (billing.stripeSecretKey === null || billing.stripePublishableKey === null)) {
    throw new ConfigError(
      'invalid configuration: billing.stripeBaseUrl points billing at another provider, so billing.stripeSecretKey and billing.stripePublishableKey must be set too',
      'billing.stripeSecretKey',
      'billing',
    );
  }
  return Object.freeze(billing);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function isParsableUrl(value: string): boolean {
  try {
    return isPostgresUrl(value) && new URL(value).hostname !== '';
  } catch {
    return false;
  }
}
