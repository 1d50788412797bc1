import { AcquirerError } from '../errors.ts';
import { isCurrencyCode } from '../../platform/money.ts';
import { countryCodeProblem, isCountryCode } from '../../platform/countries.ts';
import {
  ALLOWABLE_KINDS,
  APPLIES_TO,
  CARD_FUNDINGS,
  CONDITION_KINDS,
  NAME_CHECK_BLOCKABLE,
  RISK_ACTIONS,
  RULE_PURPOSES,
  VELOCITY_KEYS,
  type PaymentScope,
  type RiskAction,
  type RiskCondition,
} from './rule-types.ts';

/**
 * Every check a rule must pass before it is stored, whoever built it (the
 * API's form parameters or code such as the demo seed). A refusal is a 400
 * with a stable code and the parameter at fault in Stripe's bracket form
 * (`condition[in][2]`), and nothing is stored. Values come back normalised
 * (country codes upper case, currencies lower case) so that the stored JSON
 * compares exactly at evaluation time.
 */

// Limits on everything: a rule is read on every authorization, so it stays small.
export const COUNTRY_LIST_MAX_ITEMS = 250;
export const FINGERPRINT_LIST_MAX_ITEMS = 500;
export const VELOCITY_MAX_ATTEMPTS = 10_000;
/** 30 days: attempts older than this are pruned, so no window may reach further back. */
export const VELOCITY_MAX_WINDOW_SECONDS = 30 * 24 * 60 * 60;
export const DESCRIPTION_MAX_CHARS = 500;
export const FINGERPRINT_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** A payment scope names a few metadata pairs (Stripe's key and value limits) and a short text. */
export const SCOPE_METADATA_MAX_KEYS = 10;
export const SCOPE_METADATA_KEY_MAX_CHARS = 40;
export const SCOPE_METADATA_VALUE_MAX_CHARS = 500;
export const SCOPE_DESCRIPTION_MAX_CHARS = 200;

/**
 * A payment scope (`only_when` / `except_when`) as stored: metadata pairs
 * and/or a description text, at least one of them; null when absent.
 */
export function normalizePaymentScope(value: unknown, param: string): PaymentScope | null {
  if (value === undefined || value === null) return null;
  const scope = objectAt(value, param);
  for (const key of Object.keys(scope)) {
    if (key !== 'metadata' && key !== 'description_contains') {
      throw new AcquirerError('parameter_unknown', `Received unknown parameter: ${param}[${key}] (a payment scope takes metadata, description_contains)`, { param: `${param}[${key}]` });
    }
  }
  let metadata: Record<string, string> | undefined;
  if (scope.metadata !== undefined) {
    const pairs = objectAt(scope.metadata, `${param}[metadata]`);
    const keys = Object.keys(pairs);
    if (keys.length === 0) invalid(`${param}[metadata]`, `Invalid ${param}[metadata]: name at least one key.`);
    if (keys.length > SCOPE_METADATA_MAX_KEYS) invalid(`${param}[metadata]`, `Invalid ${param}[metadata]: at most ${SCOPE_METADATA_MAX_KEYS} keys.`);
    metadata = {};
    for (const key of keys.sort()) {
      const at = `${param}[metadata][${key}]`;
      const item = pairs[key];
      if (key.length > SCOPE_METADATA_KEY_MAX_CHARS) invalid(at, `Invalid ${param}[metadata]: keys are at most ${SCOPE_METADATA_KEY_MAX_CHARS} characters.`);
      if (typeof item !== 'string' || item === '') invalid(at, `Invalid ${at}: a non-empty string.`);
      if (item.length > SCOPE_METADATA_VALUE_MAX_CHARS) invalid(at, `Invalid ${at}: at most ${SCOPE_METADATA_VALUE_MAX_CHARS} characters.`);
      metadata[key] = item;
    }
  }
  let description: string | undefined;
  if (scope.description_contains !== undefined) {
    const at = `${param}[description_contains]`;
    const text = scope.description_contains;
    if (typeof text !== 'string' || text.trim() === '') invalid(at, `Invalid ${at}: a non-empty string.`);
    if (text.length > SCOPE_DESCRIPTION_MAX_CHARS) invalid(at, `Invalid ${at}: at most ${SCOPE_DESCRIPTION_MAX_CHARS} characters.`);
    description = text;
  }
  if (metadata === undefined && description === undefined) missing(`${param}[metadata]`, `Invalid ${param}: give metadata or description_contains (or both).`);
  return { ...(metadata === undefined ? {} : { metadata }), ...(description === undefined ? {} : { description_contains: description }) };
}

/** Whether a payment's own metadata and description match a scope (case-insensitive for the description). */
export function paymentMatchesScope(scope: PaymentScope, payment: { readonly metadata: Readonly<Record<string, string>>; readonly description: string | null }): boolean {
  for (const [key, value] of Object.entries(scope.metadata ?? {})) if (payment.metadata[key] !== value) return false;
  if (scope.description_contains !== undefined) {
    if (payment.description === null || !payment.description.toLowerCase().includes(scope.description_contains.toLowerCase())) return false;
  }
  return true;
}

export function normalizeCondition(value: unknown, param = 'condition'): RiskCondition {
  const condition = objectAt(value, param);
  const kind = condition.kind;
  if (kind === undefined) missing(`${param}[kind]`);
  if (typeof kind !== 'string' || !(CONDITION_KINDS as readonly string[]).includes(kind)) {
    invalid(`${param}[kind]`, `Invalid ${param}[kind]: must be one of ${CONDITION_KINDS.join(', ')}`);
  }
  const allowed = (...fields: string[]) => onlyFields(condition, param, ['kind', ...fields]);
  switch (kind as RiskCondition['kind']) {
    case 'card_country': {
      allowed('in', 'not_in');
      const hasIn = condition.in !== undefined;
      const hasNotIn = condition.not_in !== undefined;
      if (hasIn && hasNotIn) invalid(`${param}[not_in]`, `Invalid ${param}: give either in or not_in, not both.`);
      if (!hasIn && !hasNotIn) missing(`${param}[in]`, `Missing required param: ${param}[in] (or ${param}[not_in]).`);
      const field = hasIn ? 'in' : 'not_in';
      const countries = stringList(condition[field], `${param}[${field}]`, COUNTRY_LIST_MAX_ITEMS).map((item, index) => {
        const code = item.toUpperCase();
        if (!isCountryCode(code)) {
          invalid(`${param}[${field}][${index}]`, `Invalid ${param}[${field}][${index}]: ${countryCodeProblem(item)}`);
        }
        return code;
      });
      noDuplicates(countries, `${param}[${field}]`);
      return hasIn ? { kind: 'card_country', in: countries } : { kind: 'card_country', not_in: countries };
    }
    case 'card_funding': {
      allowed('in');
      const fundings = stringList(condition.in, `${param}[in]`, CARD_FUNDINGS.length * 2).map((item, index) => {
        if (!(CARD_FUNDINGS as readonly string[]).includes(item)) {
          invalid(`${param}[in][${index}]`, `Invalid ${param}[in][${index}]: must be one of ${CARD_FUNDINGS.join(', ')}`);
        }
        return item as (typeof CARD_FUNDINGS)[number];
      });
      noDuplicates(fundings, `${param}[in]`);
      return { kind: 'card_funding', in: fundings };
    }
    case 'velocity': {
      allowed('per', 'max_attempts', 'window_seconds');
      const per = condition.per;
      if (per === undefined) missing(`${param}[per]`);
      if (typeof per !== 'string' || !(VELOCITY_KEYS as readonly string[]).includes(per)) {
        invalid(`${param}[per]`, `Invalid ${param}[per]: must be one of ${VELOCITY_KEYS.join(', ')}`);
      }
      return {
        kind: 'velocity',
        per: per as (typeof VELOCITY_KEYS)[number],
        max_attempts: integerIn(condition.max_attempts, `${param}[max_attempts]`, 1, VELOCITY_MAX_ATTEMPTS),
        window_seconds: integerIn(condition.window_seconds, `${param}[window_seconds]`, 1, VELOCITY_MAX_WINDOW_SECONDS),
      };
    }
    case 'amount': {
      allowed('currency', 'above_minor');
      const currency = condition.currency;
      if (currency === undefined) missing(`${param}[currency]`);
      if (typeof currency !== 'string' || !isCurrencyCode(currency.toUpperCase())) {
        invalid(`${param}[currency]`, `Invalid ${param}[currency]: ${JSON.stringify(currency)} is not a supported currency.`);
      }
      return {
        kind: 'amount',
        currency: currency.toLowerCase(),
        above_minor: integerIn(condition.above_minor, `${param}[above_minor]`, 0, Number.MAX_SAFE_INTEGER),
      };
    }
    case 'avs': {
      allowed('block_if_line1_fails', 'block_if_postal_code_fails');
      const line1 = booleanAt(condition.block_if_line1_fails, `${param}[block_if_line1_fails]`) ?? false;
      const postalCode = booleanAt(condition.block_if_postal_code_fails, `${param}[block_if_postal_code_fails]`) ?? false;
      if (!line1 && !postalCode) {
        invalid(`${param}[block_if_postal_code_fails]`, `Invalid ${param}: set block_if_line1_fails or block_if_postal_code_fails (or both) to true.`);
      }
      return { kind: 'avs', block_if_line1_fails: line1, block_if_postal_code_fails: postalCode };
    }
    case 'cvc': {
      allowed('block_if_fails');
      const fails = booleanAt(condition.block_if_fails, `${param}[block_if_fails]`);
      if (fails === undefined) missing(`${param}[block_if_fails]`);
      if (!fails) invalid(`${param}[block_if_fails]`, `Invalid ${param}[block_if_fails]: a cvc rule needs block_if_fails=true (disable the rule instead).`);
      return { kind: 'cvc', block_if_fails: true };
    }
    case 'name_check': {
      allowed('in');
      const results = stringList(condition.in, `${param}[in]`, NAME_CHECK_BLOCKABLE.length * 2).map((item, index) => {
        if (!(NAME_CHECK_BLOCKABLE as readonly string[]).includes(item)) {
          invalid(`${param}[in][${index}]`, `Invalid ${param}[in][${index}]: must be one of ${NAME_CHECK_BLOCKABLE.join(', ')} (match and unavailable never block).`);
        }
        return item as (typeof NAME_CHECK_BLOCKABLE)[number];
      });
      noDuplicates(results, `${param}[in]`);
      return { kind: 'name_check', in: results };
    }
    case 'card_fingerprint': {
      allowed('in');
      const fingerprints = stringList(condition.in, `${param}[in]`, FINGERPRINT_LIST_MAX_ITEMS).map((item, index) => {
        if (!FINGERPRINT_PATTERN.test(item)) invalid(`${param}[in][${index}]`, `Invalid ${param}[in][${index}]: not a card fingerprint.`);
        return item;
      });
      noDuplicates(fingerprints, `${param}[in]`);
      return { kind: 'card_fingerprint', in: fingerprints };
    }
  }
}

/** The action and the condition together: allow rules take only conditions that can sensibly allow. */
export function checkActionFits(action: RiskAction, condition: RiskCondition): void {
  if (!(RISK_ACTIONS as readonly string[]).includes(action)) invalid('action', `Invalid action: must be one of ${RISK_ACTIONS.join(', ')}`);
  if (action === 'allow' && !ALLOWABLE_KINDS.has(condition.kind)) {
    invalid('action', `Invalid action: an allow rule cannot have a ${condition.kind} condition (allowed: ${[...ALLOWABLE_KINDS].join(', ')}).`);
  }
}

export function checkAppliesTo(value: string): void {
  if (!(APPLIES_TO as readonly string[]).includes(value)) invalid('applies_to', `Invalid applies_to: must be one of ${APPLIES_TO.join(', ')}`);
}

export function checkPurpose(value: string): void {
  if (!(RULE_PURPOSES as readonly string[]).includes(value)) invalid('purpose', `Invalid purpose: must be one of ${RULE_PURPOSES.join(', ')}`);
}

/** A description as stored: null when empty, refused when too long. */
export function normalizeDescription(value: string | null | undefined): string | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  if (value.length > DESCRIPTION_MAX_CHARS) invalid('description', `Invalid description: must be at most ${DESCRIPTION_MAX_CHARS} characters.`);
  return value;
}

function objectAt(value: unknown, param: string): Record<string, unknown> {
  if (value === undefined) missing(param);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(param, `Invalid object: ${param} must be a hash of parameters.`);
  return value as Record<string, unknown>;
}

function onlyFields(object: Record<string, unknown>, param: string, fields: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!fields.includes(key)) {
      throw new AcquirerError('parameter_unknown', `Received unknown parameter: ${param}[${key}] (a ${String(object.kind)} condition takes ${fields.slice(1).join(', ')})`, {
        param: `${param}[${key}]`,
      });
    }
  }
}

function stringList(value: unknown, param: string, maxItems: number): string[] {
  if (value === undefined) missing(param);
  // A form body with one item may arrive as a plain string; code passes arrays.
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) invalid(param, `Invalid array: ${param} must be a list of strings.`);
  if (list.length === 0) invalid(param, `Invalid array: ${param} must have at least one item.`);
  if (list.length > maxItems) invalid(param, `Invalid array: ${param} has more than ${maxItems} items.`);
  list.forEach((item, index) => {
    if (typeof item !== 'string') invalid(`${param}[${index}]`, `Invalid string: ${param}[${index}] must be a string.`);
  });
  return list as string[];
}

function noDuplicates(items: readonly string[], param: string): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item)) invalid(`${param}[${index}]`, `Invalid ${param}[${index}]: ${JSON.stringify(item)} is listed twice.`);
    seen.add(item);
  });
}

function integerIn(value: unknown, param: string, min: number, max: number): number {
  if (value === undefined) missing(param);
  // Form bodies carry decimal strings; code passes numbers.
  const number = typeof value === 'string' && /^-?\d{1,17}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) invalid(param, `Invalid integer: ${param} must be a whole number.`);
  if (number < min) invalid(param, `Invalid ${param}: must be at least ${min}.`);
  if (number > max) invalid(param, `Invalid ${param}: must be at most ${max}.`);
  return number;
}

function booleanAt(value: unknown, param: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return invalid(param, `Invalid boolean: ${param} must be true or false.`);
}

function missing(param: string, message = `Missing required param: ${param}.`): never {
  throw new AcquirerError('parameter_missing', message, { param });
}

function invalid(param: string, message: string): never {
  throw new AcquirerError('parameter_invalid', message, { param });
}
