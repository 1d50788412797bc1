import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { registerEndpoints } from '../../platform/http/typed-route.ts';
import type { CardDeps } from '../cards/card-deps.ts';
import { cardEndpoints } from './card-endpoints.ts';
import { cardOfferEndpoints } from './card-offer-endpoints.ts';
import { cardSchema } from './card-schemas.ts';
import { issuerAuth } from './issuer-auth.ts';

export interface CardRoutesOptions {
  readonly db: Database;
  readonly deps: CardDeps;
}

/** The cardholder's cards API (card-endpoints.ts, card-offer-endpoints.ts), mounted under `/issuer/v1`. */
export function cardRoutes(options: CardRoutesOptions): FastifyPluginAsync {
  const { db, deps } = options;
  return async (app: FastifyInstance) => {
    app.addSchema(cardSchema);
    const auth = issuerAuth(db, deps.clock);
    registerEndpoints(app, [...cardEndpoints(db, deps, auth), ...cardOfferEndpoints(db, deps, auth)]);
  };
}
