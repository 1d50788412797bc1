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
 *      are set), CARDLANE_HOST, CARDLANE_PORT, CARDLANE_LOG_LEVEL,
 *      CARDLANE_MASTER_KEY, CARDLANE_MASTER_KEY_FILE. An empty
 *      variable counts as unset, as `FOO= cardlane up` intends;
 *   4. command-line flags (the platform's, and those a module's section
 *      names in `flagNames`, e.g. `cardlane up --issuer-link iso8583`).
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
  /** The deployment's master key as given in CARDLANE_MASTER_KEY (never from a file of settings); null when not given. Never print it. */
  readonly masterKey: string | null;
  /** Absolute path of a file holding the master key (`--master-key-file`, CARDLANE_MASTER_KEY_FILE, `masterKeyFile`); null when not given. */
  readonly masterKeyFile: string | null;
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
  readonly masterKeyFile?: string | undefined;
  /** Flags for modules' settings, by flag (`--issuer-link`), as the sections name them in `flagNames`. */
  readonly sectionFlags?: Readonly<Record<string, string | undefined>> | undefined;
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

/** A whole number in a range, with a message that says the range and the unit; for every section's schema. */
export const wholeNumber = (min: number, max: number, unit: string) => {
  const message = `must be a whole number of ${unit} from ${min} to ${max}`;
  return z.number({ invalid_type_error: message, required_error: message }).int(message).min(min, message).max(max, message);
};

export const nonEmptyText = z.string({ invalid_type_error: 'must be a string' }).trim().min(1, 'must not be empty');

const databaseText = nonEmptyText.refine(
  (value) => !/^postgres(ql)?:/i.test(value) || isParsableUrl(value),
  'must be a valid postgres://user@host:port/database URL or a SQLite file path',
);

const hostText = nonEmptyText.refine(
  (value) => /^[A-Za-z0-9.\-:[\]%]{1,253}$/.test(value),
  'must be a host name or an IP address, such as 127.0.0.1 or 0.0.0.0',
);

const platformSettings = {
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
    http: z
      .object({
        bodyLimitBytes: wholeNumber(1_024, 64 * 1_048_576, 'bytes'),
        requestTimeoutMs: wholeNumber(1_000, 600_000, 'milliseconds'),
        keepAliveTimeoutMs: wholeNumber(1_000, 600_000, 'milliseconds'),
      })
      .partial()
      .strict(),
    shutdownTimeoutMs: wholeNumber(100, 300_000, 'milliseconds'),
    masterKey: nonEmptyText,
    masterKeyFile: nonEmptyText,
};

/**
 * A module's own part of the configuration (`ledger`, `billing`, …): the
 * module declares its settings, their defaults and checks, and the
 * composition root hands every section to `loadConfig`, so the platform
 * reads and validates a section without knowing what it is for. Each field
 * may come from the config file (`{ "<name>": { … } }`); those in `envNames`
 * also from the environment.
 */
export interface ConfigSection<Name extends string = string, Value extends object = object> {
  readonly name: Name;
  /** One schema per field, without `.optional()`: every field of a layer is optional, unknown fields are errors. */
  readonly fields: z.ZodRawShape;
  readonly defaults: Value;
  /** Environment variables for some fields, e.g. secrets: `{ stripeSecretKey: 'CARDLANE_BILLING_STRIPE_SECRET_KEY' }`. */
  readonly envNames?: Readonly<Record<string, string>>;
  /** Command-line flags for some fields, e.g. `{ issuerLink: '--issuer-link' }`; a command passes their values in `ConfigFlags.sectionFlags`. */
  readonly flagNames?: Readonly<Record<string, string>>;
  /** Checks what one field cannot (an order between two, a field that needs another); throws a ConfigError. */
  check?(value: Value): void;
}

/** The loaded sections, by name. */
export type SectionValues<Sections extends readonly ConfigSection[]> = {
  readonly [S in Sections[number] as S['name']]: S extends ConfigSection<string, infer Value> ? Readonly<Value> : never;
};

type Settings = Record<string, unknown> & { [K in keyof typeof platformSettings]?: z.infer<(typeof platformSettings)[K]> };

function settingsSchema(sections: readonly ConfigSection[]) {
  const shape: z.ZodRawShape = { ...platformSettings };
  for (const section of sections) shape[section.name] = z.object(section.fields).partial().strict();
  return z.object(shape).partial().strict();
}

// ---- sources ------------------------------------------------------------

const ENV_NAMES = {
  dataDir: 'CARDLANE_DATA_DIR',
  database: 'CARDLANE_DATABASE',
  host: 'CARDLANE_HOST',
  port: 'CARDLANE_PORT',
  logLevel: 'CARDLANE_LOG_LEVEL',
  masterKey: 'CARDLANE_MASTER_KEY',
  masterKeyFile: 'CARDLANE_MASTER_KEY_FILE',
} as const;

const FLAG_NAMES: Record<string, string> = {
  dataDir: '--data-dir',
  database: '--database',
  host: '--host',
  port: '--port',
  logLevel: '--log-level',
  masterKeyFile: '--master-key-file',
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
export function loadConfig<const Sections extends readonly ConfigSection[] = []>(
  input: LoadConfigInput = {},
  sections: Sections = [] as unknown as Sections,
): Config & SectionValues<Sections> {
  const cwd = input.cwd ?? process.cwd();
  const env = input.env ?? {};
  const flags = input.flags ?? {};
  const schema = settingsSchema(sections);

  const fromFlags = flagLayer(flags, cwd, schema, sections);
  const fromEnv = envLayer(env, cwd, schema, sections);

  // The default config file lives in the data directory, so that directory
  // is decided first from the sources that outrank the file.
  const lookupDataDir = absolute(fromFlags.settings.dataDir ?? fromEnv.settings.dataDir ?? DEFAULT_DATA_DIR, cwd);
  const explicitFile = presentText(flags.config) ?? presentText(env.CARDLANE_CONFIG);
  const configFile = explicitFile
    ? absolute(explicitFile, cwd)
    : existsSync(join(lookupDataDir, CONFIG_FILE_NAME))
      ? join(lookupDataDir, CONFIG_FILE_NAME)
      : null;
  const fromFile = configFile ? fileLayer(configFile, schema) : null;
  if (fromFile?.settings.masterKey !== undefined) {
    // A config file is copied, committed and shared; the key itself belongs in the environment or a file of its own.
    throw new ConfigError(
      `invalid configuration: masterKey does not belong in config file ${configFile}; set CARDLANE_MASTER_KEY or name a file with "masterKeyFile"`,
      'masterKey',
      `config file ${configFile}`,
    );
  }

  const layers = [fromFile, fromEnv, fromFlags].filter((layer): layer is Layer => layer !== null);
  const pick = <K extends keyof Settings>(key: K): { value: NonNullable<Settings[K]>; baseDir: string } | undefined => {
    for (const layer of [...layers].reverse()) {
      const value = layer.settings[key];
      if (value !== undefined) return { value: value as NonNullable<Settings[K]>, baseDir: layer.baseDir };
    }
    return undefined;
  };
  const pickNested = (section: string): Record<string, unknown> => Object.assign({}, ...layers.map((layer) => layer.settings[section] ?? {}));

  const dataDirSetting = pick('dataDir');
  const dataDir = dataDirSetting ? absolute(dataDirSetting.value, dataDirSetting.baseDir) : absolute(DEFAULT_DATA_DIR, cwd);
  const databaseSetting = pick('database');
  const database = databaseSetting
    ? normalizeDatabase(databaseSetting.value, databaseSetting.baseDir)
    : join(dataDir, DATABASE_FILE_NAME);

  const masterKeyFileSetting = pick('masterKeyFile');

  const loadedSections: Record<string, object> = {};
  for (const section of sections) {
    const value = Object.freeze({ ...section.defaults, ...pickNested(section.name) });
    section.check?.(value);
    loadedSections[section.name] = value;
  }
  return Object.freeze({
    dataDir,
    database,
    host: pick('host')?.value ?? DEFAULTS.host,
    port: pick('port')?.value ?? DEFAULTS.port,
    logLevel: pick('logLevel')?.value ?? DEFAULTS.logLevel,
    http: Object.freeze({ ...DEFAULTS.http, ...(pickNested('http') as Partial<Config['http']>) }),
    shutdownTimeoutMs: pick('shutdownTimeoutMs')?.value ?? DEFAULTS.shutdownTimeoutMs,
    configFile,
    masterKey: pick('masterKey')?.value ?? null,
    masterKeyFile: masterKeyFileSetting ? absolute(masterKeyFileSetting.value, masterKeyFileSetting.baseDir) : null,
    ...loadedSections,
  }) as Config & SectionValues<Sections>;
}

type SettingsSchema = ReturnType<typeof settingsSchema>;

function flagLayer(flags: ConfigFlags, cwd: string, schema: SettingsSchema, sections: readonly ConfigSection[]): Layer {
  const raw: Record<string, unknown> = {};
  const names: Record<string, string> = { ...FLAG_NAMES };
  for (const key of Object.keys(FLAG_NAMES) as Array<keyof typeof FLAG_NAMES>) {
    const value = (flags as Record<string, unknown>)[key];
    if (value === undefined) continue;
    raw[key] = key === 'port' ? toPort(value) : value;
  }
  for (const section of sections) {
    const values: Record<string, string> = {};
    for (const [key, flag] of Object.entries(section.flagNames ?? {})) {
      const value = flags.sectionFlags?.[flag];
      if (value === undefined) continue;
      values[key] = value;
      names[`${section.name}.${key}`] = flag;
    }
    if (Object.keys(values).length > 0) raw[section.name] = values;
  }
  return { settings: validate(schema, raw, (field) => names[field] ?? `--${field}`), baseDir: cwd };
}

function envLayer(env: Readonly<Record<string, string | undefined>>, cwd: string, schema: SettingsSchema, sections: readonly ConfigSection[]): Layer {
  const raw: Record<string, unknown> = {};
  const names: Record<string, string> = { ...ENV_NAMES };
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = presentText(env[name]);
    if (value !== undefined) raw[key] = key === 'port' ? toPort(value) : value;
  }
  for (const section of sections) {
    const values: Record<string, string> = {};
    for (const [key, name] of Object.entries(section.envNames ?? {})) {
      const value = presentText(env[name]);
      if (value === undefined) continue;
      values[key] = value;
      names[`${section.name}.${key}`] = name;
    }
    if (Object.keys(values).length > 0) raw[section.name] = values;
  }
  if (raw.database === undefined) {
    const url = presentText(env.DATABASE_URL);
    if (url !== undefined) {
      raw.database = url;
      names.database = 'DATABASE_URL';
    }
  }
  return { settings: validate(schema, raw, (field) => names[field] ?? field), baseDir: cwd };
}

function fileLayer(path: string, schema: SettingsSchema): Layer {
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
  return { settings: validate(schema, parsed, () => source), baseDir: dirname(path) };
}

function validate(schema: SettingsSchema, raw: unknown, sourceOf: (field: string) => string): Settings {
  const result = schema.safeParse(raw);
  if (result.success) return result.data as Settings;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    const field = `${prefix}${issue.keys[0]}`;
    const source = sourceOf(field);
    const known = knownSettings(schema, issue.path.map(String));
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

function knownSettings(schema: SettingsSchema, path: readonly string[]): string[] {
  let shape: z.ZodRawShape = schema.shape;
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

function isParsableUrl(value: string): boolean {
  try {
    return isPostgresUrl(value) && new URL(value).hostname !== '';
  } catch {
    return false;
  }
}
