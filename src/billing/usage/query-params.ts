/**
 * The pieces every strict reader of an organization API query string shares
 * (usage-query.ts for the reports, list-query.ts for the lists): a parameter
 * is read or refused, never guessed, and a refusal names its parameter with
 * a stable code in OpenAI's words.
 *
 * Arrays come as OpenAI's SDKs and curl examples send them: repeated
 * (`group_by=model&group_by=project_id`) or with brackets (`group_by[]=model`).
 */

export type RawQuery = Readonly<Record<string, unknown>>;

/** The stable code of each refusal (OpenAI's codes where it has one). */
export type QueryRefusal = 'unknown_parameter' | 'missing_required_parameter' | 'invalid_type' | 'invalid_value' | 'invalid_cursor';

export interface Refused {
  readonly ok: false;
  readonly param: string;
  readonly message: string;
  readonly code: QueryRefusal;
}

export type Parsed<T> = { readonly ok: true; readonly query: T } | Refused;

export const refuse = (param: string, message: string, code: QueryRefusal): Refused => ({ ok: false, param, message, code });

/** The first parameter the route does not take (`name[]` counts as `name`), refused; null when every one is known. */
export function refuseUnknown(raw: RawQuery, known: readonly string[]): Refused | null {
  for (const name of Object.keys(raw)) {
    if (!known.includes(name.replace(/\[\]$/, ''))) return refuse(name, `Unrecognized request argument supplied: ${name.slice(0, 60)}`, 'unknown_parameter');
  }
  return null;
}

/** A parameter's values, whether sent once, repeated, or with `[]`; null when absent, [] when one is not text. */
export function values(raw: RawQuery, name: string): string[] | null {
  const found = [raw[name], raw[`${name}[]`]].filter((v) => v !== undefined);
  if (found.length === 0) return null;
  const flat = found.flatMap((v) => (Array.isArray(v) ? v : [v]));
  return flat.every((v): v is string => typeof v === 'string') ? flat : [];
}

/** A parameter sent once: undefined when absent, null when sent more than once (or not as text). */
export function single(raw: RawQuery, name: string): string | null | undefined {
  const found = values(raw, name);
  if (found === null) return undefined;
  return found.length === 1 ? found[0]! : null;
}

/** Decimal digits only (no sign, no exponent, no fraction, at most 12) up to `max`; else null. */
export function wholeNumber(text: string, max: number): number | null {
  if (!/^[0-9]{1,12}$/.test(text)) return null;
  const value = Number(text);
  return value <= max ? value : null;
}
