import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import type { RouteAuth } from '../../platform/http/typed-route.ts';
import { CARDHOLDER_SECURITY, OPERATOR_SECURITY, requireCardholder, requireOperator } from './auth.ts';

/** Who may call an issuer endpoint, as endpoint data: the check and the OpenAPI security requirement that documents it. */
export interface IssuerAuth {
  /** A signed-in cardholder (session token); the handler reads `cardholderIdOf(request)`. */
  readonly cardholder: RouteAuth;
  /** An operator key (`op_…`); the handler reads `operatorKeyIdOf(request)`. */
  readonly operator: RouteAuth;
}

export function issuerAuth(sql: Sql, clock: Clock): IssuerAuth {
  return {
    cardholder: { phase: 'preHandler', check: requireCardholder(sql, clock), security: CARDHOLDER_SECURITY },
    operator: { phase: 'preHandler', check: requireOperator(sql), security: OPERATOR_SECURITY },
  };
}
