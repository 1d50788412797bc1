/**
 * The credential of an HTTP `Authorization` header. Takes the header's
 * value (`request.headers.authorization`), so it serves any framework; what
 * the credential opens is the caller's business.
 */

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

/**
 * The token of `Bearer <token>`, or of Basic with the token as the user
 * name (`curl -u sk_test_…:`, as Stripe's examples send keys); undefined
 * for anything else, and for Basic with an empty user name.
 */
export function bearerOrBasicToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const bearer = BEARER.exec(header);
  if (bearer) return bearer[1];
  const basic = BASIC.exec(header);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}
