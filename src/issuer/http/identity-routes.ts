import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { registerEndpoints } from '../../platform/http/typed-route.ts';
import type { IdentityDeps } from '../identity/deps.ts';
import { billingAddressEndpoints } from './billing-address-endpoints.ts';
import { cardholderBrowserSessionEndpoints } from './cardholder-browser-session-endpoints.ts';
import { identityEndpoints } from './identity-endpoints.ts';
import { cardholderSchema, kycVerificationSchema, operatorKycVerificationSchema } from './identity-schemas.ts';
import { issuerAuth } from './issuer-auth.ts';

export interface IdentityRoutesOptions {
  readonly db: Database;
  readonly deps: IdentityDeps;
}

/** The issuer's identity API (identity-endpoints.ts), mounted under `/issuer/v1`. */
export function identityRoutes(options: IdentityRoutesOptions): FastifyPluginAsync {
  const { db, deps } = options;
  return async (app: FastifyInstance) => {
    app.addSchema(cardholderSchema);
    app.addSchema(kycVerificationSchema);
    app.addSchema(operatorKycVerificationSchema);
    const auth = issuerAuth(db, deps.clock);
    registerEndpoints(app, identityEndpoints(db, deps, auth));
    registerEndpoints(app, billingAddressEndpoints(db, deps.clock, auth));
    // The cardholder app's session cookie (its page is served at /app).
    registerEndpoints(app, cardholderBrowserSessionEndpoints(db, deps, auth));
  };
}
