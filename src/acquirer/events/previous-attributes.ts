/**
 * Stripe's `data.previous_attributes` of an `*.updated` event: for each
 * attribute an update changed, the value it had before. Inside a hash
 * (`metadata`, `invoice_settings`) only the changed keys are listed, and a
 * key that did not exist before is listed as null — so a webhook consumer
 * can tell exactly what moved. Undefined when nothing changed, in which case
 * no event is recorded (Stripe sends no `customer.updated` for a no-op).
 */
export function previousAttributes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> | undefined {
  const changed = diff(before, after);
  return Object.keys(changed).length === 0 ? undefined : changed;
}

function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const old = before[key];
    const now = after[key];
    if (isHash(old) && isHash(now)) {
      const inner = diff(old, now);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else if (!sameJson(old, now)) {
      out[key] = old === undefined ? null : old;
    }
  }
  return out;
}

function isHash(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
