import type { FastifyInstance } from 'fastify';
import { billingMemberRoutes } from '../../src/billing/http/member-routes.ts';
import { rosterRoutes } from '../../src/billing/http/roster-routes.ts';
import { merchantApiRoutes } from '../../src/billing/merchant-api-routes.ts';
import { SandboxMemberMailer } from '../../src/billing/members/member-mail.ts';
import { createMemberSession } from '../../src/billing/members/member-sessions.ts';
import type { MemberDeps } from '../../src/billing/members/member-sign-in.ts';
import { addMember, type Member, type MemberRole } from '../../src/billing/members/members.ts';
import { organizationApiRoutes } from '../../src/billing/usage/organization-routes.ts';
import { installOperatorKeys } from '../../src/issuer/identity/operator-keys.ts';
import { createHttpServer, type RoutePlugin } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

/**
 * Billing's member routes over HTTP on the suite's database — signing in
 * (`/billing/v1/sessions…`) and the roster (`/billing/v1/members`) — with
 * the merchant API and the organization API beside them unless a test names
 * other routes: what the tests of members, roles, keys' makers and
 * organization switching share.
 */
export interface MemberHttpFixture {
  readonly f: BillingFixture;
  readonly deps: MemberDeps;
  readonly url: string;
  /** A JSON request with an optional bearer token; the answer's status, parsed body and headers. */
  call(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  /** A member added as the organization's own (not an invitation, so it has accepted) with a live session, as the page holds after sign-in. */
  memberWithSession(orgId: string, email: string, role?: MemberRole): Promise<{ member: Member; token: string }>;
  close(): Promise<void>;
}

export async function memberHttpFixture(options: {
  /** Seeds the ids and one-time codes, so each test file's are its own. */
  readonly seed: number;
  /** Routes beside the member routes (default: the merchant API and the organization API under /merchant/v1). */
  readonly routes?: (f: BillingFixture, ids: IdGenerator) => RoutePlugin[];
}): Promise<MemberHttpFixture> {
  const f = await billingFixture();
  const random = seededRandom(options.seed);
  const ids = new IdGenerator(f.clock, random);
  const deps: MemberDeps = { clock: f.clock, ids, random, otpPepper: Buffer.alloc(32, options.seed % 256), mailer: new SandboxMemberMailer(ids) };
  const others = options.routes?.(f, ids) ?? [
    { plugin: merchantApiRoutes(f.db, f.deps), prefix: '/merchant/v1' },
    { plugin: organizationApiRoutes(f.db, f.deps), prefix: '/merchant/v1/organization' },
  ];
  const app: FastifyInstance = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: billingMemberRoutes(f.db, deps, installOperatorKeys), prefix: '/billing/v1' }, { plugin: rosterRoutes(f.db, deps), prefix: '/billing/v1' }, ...others],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    f,
    deps,
    url,
    async call(method, path, token, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json(), headers: response.headers };
    },
    memberWithSession(orgId, email, role = 'owner') {
      return f.db.transaction(async (tx) => {
        const member = await addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId, email, role });
        return { member, token: (await createMemberSession(tx, f.deps, member.id, f.clock.nowMs())).token };
      });
    },
    async close() {
      await app.close();
      await f.cleanup();
    },
  };
}
