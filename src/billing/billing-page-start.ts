import type { FastifyPluginAsync } from 'fastify';
import { RateLimiter, type RateLimitPolicy } from '../platform/http/rate-limit.ts';
import type { OperatorKeyStore } from '../platform/identity/operator-keys.ts';
import type { Runtime } from '../platform/module.ts';
import { billingPageRoutes } from '../web/index.ts';
import { billingMemberRoutes } from './http/member-routes.ts';
import { rosterRoutes } from './http/roster-routes.ts';
import { SandboxMemberMailer } from './members/member-mail.ts';
import type { MemberDeps } from './members/member-sign-in.ts';
import type { BillingProvider } from './payments/provider.ts';

/** Per client address on the page and its assets (public, a handful of files a load): plenty for people, a cost for floods. */
export const BILLING_PAGE_RATE_LIMIT: RateLimitPolicy = { name: 'billing_page', burst: 120, perWindow: 120, windowMs: 60_000 };

/** Where the page tokenizes a card: the provider's origin, or null while it has none (the server is not listening yet). */
export function providerOrigin(provider: BillingProvider): string | null {
  try {
    return new URL(provider.endpoint().baseUrl).origin;
  } catch {
    return null;
  }
}

/**
 * The billing page as a running Cardlane serves it: the page itself at
 * `/billing` (built from src/web/billing/ and served by the web module), members' sign-in at `/billing/v1/sessions…` and the roster at
 * `/billing/v1/members`, with the sandbox mailer and billing's own code
 * pepper from the deployment's secret store.
 */
export function billingPageAndSessions(runtime: Runtime, provider: BillingProvider, operatorKeys: OperatorKeyStore, memberPepper: Buffer): FastifyPluginAsync {
  const { db, clock, ids, random } = runtime;
  const deps: MemberDeps = { clock, ids, random, otpPepper: memberPepper, mailer: new SandboxMemberMailer(ids) };
  const members = billingMemberRoutes(db, deps, operatorKeys);
  const page = billingPageRoutes({ providerOrigin: () => providerOrigin(provider) });
  const pageLimit = new RateLimiter(BILLING_PAGE_RATE_LIMIT, clock);
  return async (app) => {
    await app.register(members, { prefix: '/billing/v1' });
    await app.register(rosterRoutes(db, deps), { prefix: '/billing/v1' });
    // In a context of its own, so the limit applies to the page's routes only.
    await app.register(async (limited) => {
      limited.addHook('onRequest', pageLimit.hook);
      await limited.register(page);
    });
  };
}
