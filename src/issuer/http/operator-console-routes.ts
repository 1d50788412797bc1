import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { registerEndpoints } from '../../platform/http/typed-route.ts';
import { issuerAuth } from './issuer-auth.ts';
import { operatorListEndpoints } from './operator-list-endpoints.ts';
import { operatorSessionEndpoints, type OperatorSessionDeps } from './operator-session-endpoints.ts';

/**
 * What the operator console (`/console`) adds to the issuer's API under
 * `/issuer/v1`: its sign-in (operator-session-endpoints.ts) and the lists
 * its screens read (operator-list-endpoints.ts). Its actions are the
 * operator routes that were already there (KYC approve/reject, the Alipay
 * sandbox's controls, a dispute's decision), which take its session too.
 */
export function operatorConsoleRoutes(deps: OperatorSessionDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const auth = issuerAuth(deps.db, deps.clock);
    registerEndpoints(app, operatorSessionEndpoints(deps, auth));
    registerEndpoints(app, operatorListEndpoints(deps.db, auth));
  };
}
