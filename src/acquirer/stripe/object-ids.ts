/**
 * The shape of an object id a parameter may name (`cus_…`, `pm_…`), checked
 * before any look-up so a malformed id is a 400 naming the parameter, not a 404.
 */
export function objectIdPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}_[0-9A-Za-z]{10,40}$`);
}
