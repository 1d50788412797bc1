import { AcquirerError } from '../errors.ts';

/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` pairs whose
 * keys use brackets for nesting — `metadata[order]=7`, `card[exp_month]=12`,
 * `expand[0]=latest_charge` or `expand[]=latest_charge` — parsed into plain
 * objects and arrays, exactly as the official SDKs send them (stripe-node's
 * `stringifyRequestData`). Query strings of GET requests use the same form.
 *
 * Every value stays a string: what a parameter means (an integer, a boolean)
 * is decided by the endpoint that reads it (`params.ts`), never guessed here.
 *
 * Limits, because a body is attacker-controlled: nesting depth, number of
 * pairs and array length are bounded, and keys such as `__proto__` are
 * refused so a body can never reach an object's prototype.
 */

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

export const FORM_MAX_DEPTH = 5;
export const FORM_MAX_PAIRS = 1_000;
export const FORM_MAX_ARRAY_LENGTH = 100;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function parseForm(text: string): FormObject {
  const root: FormObject = Object.create(null) as FormObject;
  if (text === '') return root;
  const pairs = text.split('&');
  if (pairs.length > FORM_MAX_PAIRS) invalid(`A request may carry at most ${FORM_MAX_PAIRS} parameters.`);
  for (const pair of pairs) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawKey = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    const key = decode(rawKey);
    const value = decode(rawValue);
    assign(root, splitKey(key), value, key);
  }
  return normalize(root) as FormObject;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return invalid('The request body is not valid form encoding (a % escape is broken).');
  }
}

/** `card[exp_month]` → ['card', 'exp_month']; `expand[]` → ['expand', '']. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open === -1) return [checkSegment(key, key)];
  const segments = [checkSegment(key.slice(0, open), key)];
  let rest = key.slice(open);
  while (rest.length > 0) {
    const match = /^\[([^[\]]*)\]/.exec(rest);
    if (!match) invalid(`The parameter name ${JSON.stringify(key)} has unbalanced brackets.`, key);
    segments.push(match[1] === '' ? '' : checkSegment(match[1]!, key));
    rest = rest.slice(match[0].length);
  }
  if (segments.length > FORM_MAX_DEPTH + 1) invalid(`Parameters may nest at most ${FORM_MAX_DEPTH} levels deep.`, key);
  return segments;
}

function checkSegment(segment: string, key: string): string {
  if (segment === '') invalid(`The parameter name ${JSON.stringify(key)} is empty.`, key);
  if (FORBIDDEN_KEYS.has(segment)) invalid(`The parameter name ${JSON.stringify(key)} is not allowed.`, key);
  return segment;
}

/**
 * Builds the tree with objects only (`''` segments become the next free
 * index); `normalize` then turns objects whose keys are exactly 0..n-1 into arrays.
 */
function assign(root: FormObject, segments: string[], value: string, key: string): void {
  let node: FormObject = root;
  for (let i = 0; i < segments.length; i++) {
    let segment = segments[i]!;
    if (segment === '') segment = String(Object.keys(node).length);
    if (/^\d+$/.test(segment) && Number(segment) >= FORM_MAX_ARRAY_LENGTH) {
      invalid(`Arrays may hold at most ${FORM_MAX_ARRAY_LENGTH} items.`, key);
    }
    const last = i === segments.length - 1;
    const existing = node[segment];
    if (last) {
      if (existing !== undefined && typeof existing !== 'string') invalid(`${key} is given both as a value and as an object.`, key);
      node[segment] = value;
      return;
    }
    if (existing === undefined) {
      const child: FormObject = Object.create(null) as FormObject;
      node[segment] = child;
      node = child;
    } else if (typeof existing === 'string') {
      invalid(`${key} is given both as a value and as an object.`, key);
    } else {
      node = existing as FormObject;
    }
  }
}

function normalize(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  const object = value as FormObject;
  const keys = Object.keys(object);
  const entries = keys.map((k) => [k, normalize(object[k]!)] as const);
  const isArray = keys.length > 0 && keys.every((k, i) => /^\d+$/.test(k)) && keys.map(Number).sort((a, b) => a - b).every((n, i) => n === i);
  if (isArray) return entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => v);
  const out: FormObject = {};
  for (const [k, v] of entries) out[k] = v;
  return out;
}

function invalid(message: string, param?: string): never {
  throw new AcquirerError('body_invalid', message, param === undefined ? {} : { param });
}
