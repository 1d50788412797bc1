import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import type { RouteAuth } from '../../platform/http/typed-route.ts';
import { CARDHOLDER_SECURITY, OPERATOR_SECURITY, requireCardholder, requireOperator } from './auth.ts';

/** Who may call an issuer endpoint, as endpoint data: the check and the OpenAPI security requirement that documents it. */
export interface IssuerAuth {
  /** A signed-in cardholder (session token); the handler reads `cardholderIdOf(request)`. */
  readonly cardholder: RouteAuth;
  /** An operator key (`op_…`), or the operator console's session cookie (with X-CSRF-Token for a change); the handler reads `operatorKeyIdOf(request)`. */
  readonly operator: RouteAuth;
}

/** An operator key, or the operator console's session cookie: either opens the issuer's operator routes. */
export const OPERATOR_OR_CONSOLE_SECURITY = [...OPERATOR_SECURITY, { operatorSession: [] }];

export function issuerAuth(sql: Sql, clock: Clock): IssuerAuth {
  return {
    cardholder: { phase: 'preHandler', check: requireCardholder(sql, clock), security: CARDHOLDER_SECURITY },
    operator: { phase: 'preHandler', check: requireOperator(sql, clock), security: OPERATOR_OR_CONSOLE_SECURITY },
  };
}
