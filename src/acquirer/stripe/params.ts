import { AcquirerError } from '../errors.ts';
import type { FormObject, FormValue } from './form-body.ts';

/**
 * Typed reading of a Stripe request's parameters. Each endpoint reads what it
 * accepts; `finish()` then refuses anything it did not read with Stripe's
 * "Received unknown parameter" — a typo in a parameter name must never be
 * silently ignored (a misspelt `capture_method` would capture at once).
 *
 * Parameter names in errors use Stripe's bracket form (`card[exp_month]`).
 */

export const METADATA_MAX_KEYS = 50;
export const METADATA_KEY_MAX_CHARS = 40;
export const METADATA_VALUE_MAX_CHARS = 500;
export const EXPAND_MAX_DEPTH = 4;

export type Metadata = Record<string, string>;

export class Params {
  readonly #data: FormObject;
  readonly #prefix: string;
  readonly #read = new Set<string>();
  readonly #children: Params[] = [];
  #expandPaths: string[] = [];

  constructor(data: FormObject | undefined, prefix = '') {
    this.#data = data ?? {};
    this.#prefix = prefix;
  }

  has(name: string): boolean {
    return this.#data[name] !== undefined;
  }

  /** The full bracketed name of a parameter, for errors. */
  name(name: string): string {
    return this.#prefix === '' ? name : `${this.#prefix}[${name}]`;
  }

  string(name: string, options: { required?: boolean; maxChars?: number; pattern?: RegExp; what?: string } = {}): string | undefined {
    const value = this.#take(name, options.required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.#fail(name, `Invalid string: ${this.name(name)} must be a string, not an object or array.`);
    const maxChars = options.maxChars ?? 5_000;
    if (value.length > maxChars) return this.#fail(name, `Invalid string: ${this.name(name)} must be at most ${maxChars} characters.`);
    if (options.pattern && !options.pattern.test(value)) {
      return this.#fail(name, `Invalid ${this.name(name)}: ${options.what ?? 'the value is not in the expected format'}.`);
    }
    return value;
  }

  requiredString(name: string, options: { maxChars?: number; pattern?: RegExp; what?: string } = {}): string {
    return this.string(name, { ...options, required: true })!;
  }

  /** A whole number in decimal, as Stripe takes amounts and counts. */
  integer(name: string, options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const raw = this.string(name, { required: options.required, maxChars: 20 });
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) return this.#fail(name, `Invalid integer: ${raw}`);
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) return this.#fail(name, `Invalid integer: ${raw}`);
    if (options.min !== undefined && value < options.min) {
      return this.#fail(name, `Invalid ${this.name(name)}: must be at least ${options.min}.`);
    }
    if (options.max !== undefined && value > options.max) {
      return this.#fail(name, `Invalid ${this.name(name)}: must be at most ${options.max}.`);
    }
    return value;
  }

  boolean(name: string, options: { required?: boolean } = {}): boolean | undefined {
    const raw = this.string(name, { required: options.required, maxChars: 5 });
    if (raw === undefined) return undefined;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    return this.#fail(name, `Invalid boolean: ${raw}`);
  }

  enumOf<T extends string>(name: string, values: readonly T[], options: { required?: boolean } = {}): T | undefined {
    const raw = this.string(name, { required: options.required, maxChars: 100 });
    if (raw === undefined) return undefined;
    if (!(values as readonly string[]).includes(raw)) {
      return this.#fail(name, `Invalid ${this.name(name)}: must be one of ${values.join(', ')}`);
    }
    return raw as T;
  }

  /** A nested hash, e.g. `card[...]`; undefined when absent. */
  object(name: string, options: { required?: boolean } = {}): Params | undefined {
    const value = this.#take(name, options.required);
    if (value === undefined) return undefined;
    if (typeof value === 'string' || Array.isArray(value)) {
      return this.#fail(name, `Invalid object: ${this.name(name)} must be a hash of parameters.`);
    }
    const child = new Params(value, this.name(name));
    this.#children.push(child);
    return child;
  }

  /** A list of hashes (`items[0][price]=…`), each read as its own hash (`items[0]` in errors); undefined when absent. */
  objectList(name: string, options: { required?: boolean; maxItems?: number } = {}): Params[] | undefined {
    const value = this.#take(name, options.required);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item === 'string' || Array.isArray(item))) {
      return this.#fail(name, `Invalid array: ${this.name(name)} must be a list of hashes (${this.name(name)}[0][…]).`);
    }
    if (value.length > (options.maxItems ?? 20)) return this.#fail(name, `Invalid array: ${this.name(name)} has more than ${options.maxItems ?? 20} items.`);
    return (value as FormObject[]).map((item, index) => {
      const child = new Params(item, `${this.name(name)}[${index}]`);
      this.#children.push(child);
      return child;
    });
  }

  /** A list of strings (`expand[0]=…`). */
  stringList(name: string, options: { maxItems?: number; maxChars?: number } = {}): string[] | undefined {
    const value = this.#take(name, false);
    if (value === undefined) return undefined;
    const list = typeof value === 'string' ? (value === '' ? [] : [value]) : Array.isArray(value) ? value : null;
    if (list === null || list.some((item) => typeof item !== 'string')) {
      return this.#fail(name, `Invalid array: ${this.name(name)} must be a list of strings.`);
    }
    if (list.length > (options.maxItems ?? 100)) return this.#fail(name, `Invalid array: ${this.name(name)} has too many items.`);
    for (const item of list as string[]) {
      if (item.length > (options.maxChars ?? 200)) return this.#fail(name, `Invalid ${this.name(name)}: an item is too long.`);
    }
    return list as string[];
  }

  /**
   * Stripe's metadata: up to 50 keys of ≤ 40 characters with values of
   * ≤ 500. An empty value deletes that key (`null` in the result), and
   * `metadata=` (empty string) deletes them all (`{}` with `clear: true`).
   */
  metadata(name = 'metadata'): { readonly clear: boolean; readonly set: Record<string, string | null> } | undefined {
    const value = this.#take(name, false);
    if (value === undefined) return undefined;
    if (value === '') return { clear: true, set: {} };
    if (typeof value === 'string' || Array.isArray(value)) return this.#fail(name, 'Invalid object: metadata must be a hash of keys to strings.');
    const keys = Object.keys(value);
    if (keys.length > METADATA_MAX_KEYS) return this.#fail(name, `Invalid metadata: at most ${METADATA_MAX_KEYS} keys.`);
    const set: Record<string, string | null> = {};
    for (const key of keys) {
      const item = value[key]!;
      const param = `${this.name(name)}[${key}]`;
      if (key.length > METADATA_KEY_MAX_CHARS) throw new AcquirerError('parameter_invalid', `Metadata keys must be at most ${METADATA_KEY_MAX_CHARS} characters.`, { param });
      if (typeof item !== 'string') throw new AcquirerError('parameter_invalid', 'Metadata values must be strings.', { param });
      if (item.length > METADATA_VALUE_MAX_CHARS) {
        throw new AcquirerError('parameter_invalid', `Metadata values must be at most ${METADATA_VALUE_MAX_CHARS} characters.`, { param });
      }
      set[key] = item === '' ? null : item;
    }
    return { clear: false, set };
  }

  /**
   * `expand[]`: dotted paths, at most 4 levels deep, as Stripe allows. With
   * `allowed`, any other path is refused as Stripe refuses it ("This property
   * cannot be expanded"), rather than answering an id to a client that asked
   * for an object.
   */
  expand(allowed?: readonly string[]): string[] {
    const paths = this.stringList('expand', { maxItems: 20, maxChars: 200 }) ?? [];
    for (const path of paths) {
      if (!/^[a-z_]+(\.[a-z_]+)*$/.test(path) || path.split('.').length > EXPAND_MAX_DEPTH) {
        throw new AcquirerError('parameter_invalid', `Invalid expand path: ${path}`, { param: 'expand' });
      }
      if (allowed !== undefined && !allowed.includes(path)) {
        throw new AcquirerError('parameter_invalid', `This property cannot be expanded (${path}).`, { param: 'expand' });
      }
    }
    this.#expandPaths = paths;
    return paths;
  }

  /** Whether a reader asked for `name` (read or not present). */
  wasRead(name: string): boolean {
    return this.#read.has(name);
  }

  /** The `expand[]` paths the endpoint read (the route expands its answer along them: expand.ts). */
  get expandPaths(): readonly string[] {
    return this.#expandPaths;
  }

  /** Refuses every parameter no reader asked for (here and in nested hashes). */
  finish(): void {
    for (const key of Object.keys(this.#data)) {
      if (!this.#read.has(key)) {
        throw new AcquirerError('parameter_unknown', `Received unknown parameter: ${this.name(key)}`, { param: this.name(key) });
      }
    }
    for (const child of this.#children) child.finish();
  }

  #take(name: string, required: boolean | undefined): FormValue | undefined {
    this.#read.add(name);
    const value = this.#data[name];
    if (value === undefined) {
      if (required) throw new AcquirerError('parameter_missing', `Missing required param: ${this.name(name)}.`, { param: this.name(name) });
      return undefined;
    }
    return value;
  }

  #fail(name: string, message: string): never {
    throw new AcquirerError('parameter_invalid', message, { param: this.name(name) });
  }
}

/** Applies a metadata update to the stored metadata, as Stripe does. */
export function updateMetadata(current: Metadata, update: ReturnType<Params['metadata']>): Metadata {
  if (update === undefined) return current;
  const next: Metadata = update.clear ? {} : { ...current };
  for (const [key, value] of Object.entries(update.set)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > METADATA_MAX_KEYS) {
    throw new AcquirerError('parameter_invalid', `Metadata may hold at most ${METADATA_MAX_KEYS} keys.`, { param: 'metadata' });
  }
  return next;
}
