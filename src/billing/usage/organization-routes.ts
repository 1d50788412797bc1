import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Sql, Tx } from '../../platform/db/database.ts';
import type { BillingDeps } from '../billing-deps.ts';
import { billingCookieSession } from '../http/member-cookie.ts';
import { actorStandingUnderLock } from '../members/member-roster.ts';
import { authenticateMemberSession, looksLikeMemberSessionToken, type MemberSession } from '../members/member-sessions.ts';
import { openAiErrors, type OpenAiError } from '../openai-errors.ts';
import {
  addOrganizationApiKey,
  API_KEY_PREFIX,
  apiKeyCaller,
  findOrganizationApiKey,
  listOrganizationApiKeys,
  lockOrganization,
  MAX_API_KEY_NAME_CHARS,
  noteApiKeyUsed,
  ORG_API_KEY_PATTERN,
  renameOrganizationApiKey,
  revokeOrganizationApiKey,
  type ApiKeyCaller,
  type ApiKeySummary,
  type Organization,
} from '../organizations.ts';
import { listPage, parseListQuery, refuseCursor, type ListShape } from './list-query.ts';
import { archiveProject, createProject, findProject, listProjects, MAX_PROJECT_NAME_CHARS, MAX_PROJECTS_PER_ORG, renameProject, type Project } from './projects.ts';
import { costsCsv, isTimeZone } from './usage-csv.ts';
import { parseCostsQuery, parseUsageQuery } from './usage-query.ts';
import { completionsUsage, exactJson, organizationCosts, sumUsage } from './usage-report.ts';

/**
 * OpenAI's organization administration API, as far as Cardlane has it,
 * mounted at `/merchant/v1/organization` (OpenAI's `/v1/organization`), in
 * OpenAI's shapes and with OpenAI's errors so its documentation applies:
 *
 *   GET  /usage/completions                     tokens and requests by bucket (group_by model, api_key_id, project_id)
 *   GET  /costs                                 what was debited, by day (group_by line_item, project_id; api_key_id is ours)
 *   GET  /costs/export                          the same as a CSV file (ours)
 *   GET|POST /projects, /projects/:id           list, create, read, rename; POST /projects/:id/archive
 *   GET|POST /projects/:id/api_keys             list; create (ours: OpenAI makes project keys in its dashboard only)
 *   GET|POST|DELETE /projects/:id/api_keys/:key read, rename (ours), revoke
 *
 * The reports' and the lists' query strings are read strictly (usage-query.ts,
 * list-query.ts): an unknown parameter or a bad value is a 400 naming it. The
 * lists page as OpenAI's do: `limit` (20, at most 100) in id order, `after=<last_id>`.
 *
 * Who may call: OpenAI asks for an admin key, which only owners make. Any
 * live key of the organization reads here (usage, costs, projects, keys); a
 * change — making, renaming or revoking a key, making, renaming or archiving
 * a project — needs an owner signed in to the billing page (a plain key gets
 * 403 `session_required`), and a key made so records its maker, so the
 * member's keys are revoked when the member leaves (member-roster.ts). A
 * member who is not an owner reads only. Projects group keys for the usage
 * breakdown; they carry no permissions. Everything answers for the caller's
 * organization only: another organization's project or key is not found.
 * A member's session comes as `Authorization: Bearer sess-cl-…` (the CLI's)
 * or, from the billing page, in its HttpOnly cookie when the request has no
 * Authorization header — checked as on billing's own API (member-cookie.ts:
 * never from another site, a change only with the session's X-CSRF-Token).
 */

// Live keys an organization may hold at once: a limit on everything.
const MAX_LIST = 100;

const PROJECT_LIST: ListShape<'include_archived'> = { noun: 'project', idPrefix: 'proj', flags: ['include_archived'] };
const KEY_LIST: ListShape<'include_revoked'> = { noun: 'API key', idPrefix: 'key', flags: ['include_revoked'] };

const send = (reply: FastifyReply, error: OpenAiError) => reply.status(error.status).send(error.body);
const notFound = (what: string, id: string) => ({ status: 404, body: { error: { message: `No such ${what}: ${id.slice(0, 120)}`, type: 'invalid_request_error', param: null, code: 'not_found' } } });
const invalid = (message: string, param: string | null, code: string) => openAiErrors.invalidRequest(message, param, code);
const refusal = (refused: { param: string; message: string; code: string }) => invalid(refused.message, refused.param, refused.code);
const forbidden = () =>
  ({ status: 403, body: { error: { message: 'Only an owner of the organization can change its projects and API keys; members can look. Ask an owner.', type: 'invalid_request_error', param: null, code: 'insufficient_permissions' } } }) as const;
const csrfRefused = (message: string) => ({ status: 403, body: { error: { message, type: 'invalid_request_error', param: null, code: 'csrf_token_invalid' } } }) as const;
const invalidSession = () =>
  ({ status: 401, body: { error: { message: 'The session has expired or was signed out; sign in again.', type: 'invalid_request_error', param: null, code: 'invalid_session' } } }) as const;
// The page's cookie twice (one tossed by another site): refused, and cleared by the reader (platform/http/session-cookie.ts).
const ambiguousSession = (message: string) => ({ status: 401, body: { error: { message, type: 'invalid_request_error', param: null, code: 'session_cookie_ambiguous' } } }) as const;
const sessionRequired = () =>
  ({
    status: 403,
    body: { error: { message: "Managing the organization's projects and API keys needs an owner signed in to the billing page; an API key can only read them.", type: 'invalid_request_error', param: null, code: 'session_required' } },
  }) as const;

const nameBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 400 } },
} as const;
const optionalNameBody = { ...nameBody, required: [] } as const;

/** A name a person gave: trimmed, 1 to `max` characters, no control characters. */
function cleanName(name: unknown, max: number): string | null {
  if (typeof name !== 'string') return null;
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex
  return trimmed.length === 0 || [...trimmed].length > max || /[\u0000-\u001f\u007f]/.test(trimmed) ? null : trimmed;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export function projectObject(project: Project) {
  return {
    id: project.id,
    object: 'organization.project' as const,
    name: project.name,
    created_at: seconds(project.createdAtMs),
    archived_at: seconds(project.archivedAtMs),
    status: project.archivedAtMs === null ? ('active' as const) : ('archived' as const),
  };
}

/** OpenAI's project API key object; `project_id` and `revoked_at` are ours. The secret is never in it. */
export function apiKeyObject(key: ApiKeySummary) {
  return {
    object: 'organization.project.api_key' as const,
    id: key.id,
    name: key.name,
    redacted_value: `${API_KEY_PREFIX}…${key.last4}`,
    created_at: seconds(key.createdAtMs),
    last_used_at: seconds(key.lastUsedAtMs),
    project_id: key.projectId,
    revoked_at: seconds(key.revokedAtMs),
    // OpenAI's owner object (a subset): the member who made the key, as their address was then. null: unknown — made before
    // makers were recorded, or by Cardlane itself (an organization's first key).
    owner: key.createdBy === null ? null : { type: 'user' as const, user: { id: key.createdBy.memberId, email: key.createdBy.email } },
  };
}

/** A refusal thrown out of a change's transaction, rolling it back, to be answered as it is (the error handler sends it). */
class Refused extends Error {
  constructor(readonly answer: OpenAiError) {
    super(answer.body.error.message);
  }
}

/** Who calls: a member signed in (`session`) or one of the organization's keys (`key`), never both. */
interface Caller {
  readonly org: Organization;
  readonly session: MemberSession | null;
  readonly key: ApiKeyCaller | null;
}

export function organizationApiRoutes(db: Database, deps: Pick<BillingDeps, 'clock' | 'ids' | 'random'>): FastifyPluginAsync {
  const callers = new WeakMap<FastifyRequest, Caller>();
  const callerOf = (request: FastifyRequest): Caller => {
    const caller = callers.get(request);
    if (caller === undefined) throw new Error('organization route reached without a caller');
    return caller;
  };

  return async (app) => {
    // Fastify's own refusals (a bad body: `statusCode`) and the platform's strict-parameter check (an AppError: `status`, `param`), in OpenAI's shape.
    app.setErrorHandler<FastifyError & { status?: number; param?: string; code?: string }>((error, request, reply) => {
      if (error instanceof Refused) return send(reply, error.answer);
      const status = error.statusCode ?? error.status ?? 500;
      if (status >= 400 && status < 500) return send(reply, openAiErrors.framework(error));
      request.log.error({ err: error }, 'organization API request failed with an unexpected error');
      return send(reply, openAiErrors.server());
    });

    // Before the body is read: a caller without a credential learns nothing.
    app.addHook('onRequest', async (request, reply) => {
      const fromCookie = await billingCookieSession(db, deps.clock, request, reply);
      if (fromCookie !== undefined) {
        if (!fromCookie.ok) {
          if (fromCookie.code === 'csrf_token_invalid') return send(reply, csrfRefused(fromCookie.message));
          return send(reply, fromCookie.code === 'session_cookie_ambiguous' ? ambiguousSession(fromCookie.message) : invalidSession());
        }
        callers.set(request, { org: fromCookie.session.organization, session: fromCookie.session, key: null });
        return;
      }
      const header = request.headers.authorization;
      const token = (typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined) ?? null;
      if (token !== null && looksLikeMemberSessionToken(token)) {
        const session = await authenticateMemberSession(db, token, deps.clock.nowMs());
        if (session === undefined) return send(reply, invalidSession());
        callers.set(request, { org: session.organization, session, key: null });
        return;
      }
      const key = token !== null && ORG_API_KEY_PATTERN.test(token) ? await apiKeyCaller(db, token) : null;
      if (key === null) return send(reply, openAiErrors.invalidApiKey(token));
      callers.set(request, { org: key.organization, session: null, key });
    });
    app.addHook('preHandler', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      const { session } = callerOf(request);
      if (session === null) return send(reply, sessionRequired());
      if (session.member.role !== 'owner') return send(reply, forbidden());
    });
    // As on the merchant API: an answered request is a key's use; a refused one changes nothing.
    app.addHook('onSend', async (request, reply, payload) => {
      const key = callers.get(request)?.key;
      if (key && reply.statusCode < 400) await noteApiKeyUsed(db, key, deps.clock.nowMs());
      return payload;
    });

    const orgId = (request: FastifyRequest) => callerOf(request).org.id;

    /**
     * A change (every route here but the reads), made in one transaction
     * under the organization's lock with the owner checked again inside it.
     * The preHandler read the role with the session, before this transaction:
     * an owner demoted or removed by another owner in between must not still
     * make, revoke or rename a key or a project — a key made so would hand out
     * access its maker no longer has. Under the lock a demotion or removal
     * (member-roster.ts) is either committed, and seen here, or waits for
     * this change, as it would for a request made a moment earlier. Refused
     * as their next request would be: 403 once demoted, 401 once removed (the
     * removal ended their sessions).
     */
    const asOwner = <T>(request: FastifyRequest, change: (tx: Tx) => Promise<T>): Promise<T> =>
      db.transaction(async (tx) => {
        const id = orgId(request);
        await lockOrganization(tx, id);
        const standing = await actorStandingUnderLock(tx, id, callerOf(request).session!.member.id);
        if (standing === 'removed') throw new Refused(invalidSession());
        if (standing === 'demoted') throw new Refused(forbidden());
        return change(tx);
      });

    // --- Usage and costs -----------------------------------------------------

    app.get('/usage/completions', async (request, reply) => {
      const parsed = parseUsageQuery(request.query as Record<string, unknown>, deps.clock.nowMs());
      if (!parsed.ok) return send(reply, invalid(parsed.message, parsed.param, parsed.code));
      return completionsUsage(db, orgId(request), parsed.query);
    });

    app.get('/costs', async (request, reply) => {
      const parsed = parseCostsQuery(request.query as Record<string, unknown>, deps.clock.nowMs());
      if (!parsed.ok) return send(reply, invalid(parsed.message, parsed.param, parsed.code));
      // Serialized here so amounts keep their exact decimal digits (usage-report.ts).
      return reply.type('application/json; charset=utf-8').send(exactJson(await organizationCosts(db, orgId(request), parsed.query)));
    });

    app.get('/costs/export', async (request, reply) => {
      const { time_zone: zoneParam, ...rest } = request.query as Record<string, unknown>;
      const zone = zoneParam === undefined ? 'UTC' : zoneParam;
      if (typeof zone !== 'string' || !isTimeZone(zone)) return send(reply, invalid('time_zone must be an IANA time zone such as Asia/Shanghai.', 'time_zone', 'invalid_value'));
      const parsed = parseCostsQuery({ ...rest, limit: '180' }, deps.clock.nowMs());
      if (!parsed.ok) return send(reply, invalid(parsed.message, parsed.param, parsed.code));
      const { startS, endS, widthS } = parsed.query;
      if ((endS - startS) / widthS > 180) return send(reply, invalid('An export covers at most 180 days; ask for a shorter period.', 'end_time', 'period_too_long'));
      const id = orgId(request);
      const rows = await sumUsage(db, id, { bucketOriginS: startS, widthS, fromS: startS, toS: endS }, ['project_id', 'api_key_id', 'model'], parsed.query);
      const [projects, keys] = await Promise.all([listProjects(db, id, { includeArchived: true }), listOrganizationApiKeys(db, id)]);
      const csv = costsCsv(rows, widthS, endS, zone, {
        projects: new Map(projects.map((p) => [p.id, p.name])),
        apiKeys: new Map(keys.map((k) => [k.id, k.name])),
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="cardlane-costs-${startS}-${endS}.csv"`)
        .header('cache-control', 'no-store')
        .send(csv);
    });

    // --- Projects ------------------------------------------------------------

    const projectOr404 = async (request: FastifyRequest<{ Params: { project_id: string } }>, reply: FastifyReply): Promise<Project | null> => {
      const project = await findProject(db, orgId(request), request.params.project_id);
      if (project === null) send(reply, notFound('project', request.params.project_id));
      return project;
    };

    app.get('/projects', async (request, reply) => {
      const parsed = parseListQuery(request.query as Record<string, unknown>, PROJECT_LIST);
      if (!parsed.ok) return send(reply, refusal(parsed));
      const { limit, after, flags } = parsed.query;
      // The cursor is any project of the organization, archived ones too: one archived while a client pages still leads on.
      if (after !== null && (await findProject(db, orgId(request), after)) === null) return send(reply, refusal(refuseCursor(PROJECT_LIST)));
      const rows = await listProjects(db, orgId(request), { includeArchived: flags.include_archived, ...(after === null ? {} : { after }), limit: limit + 1 });
      return listPage(rows, limit, projectObject);
    });

    app.post<{ Body: { name: string } }>('/projects', { schema: { body: nameBody } }, async (request, reply) => {
      const name = cleanName(request.body.name, MAX_PROJECT_NAME_CHARS);
      if (name === null) return send(reply, invalid(`A project name has 1 to ${MAX_PROJECT_NAME_CHARS} characters.`, 'name', 'invalid_name'));
      // Under the organization's lock (asOwner): one change at a time, so two creations cannot both pass the count.
      const created = await asOwner(request, (tx) => createProject(tx, deps, orgId(request), name));
      if (created.result !== 'ok') return send(reply, invalid(`An organization has at most ${MAX_PROJECTS_PER_ORG} projects.`, null, 'project_limit_reached'));
      reply.status(201);
      return projectObject(created.project);
    });

    app.get<{ Params: { project_id: string } }>('/projects/:project_id', async (request, reply) => {
      const project = await projectOr404(request, reply);
      return project === null ? reply : projectObject(project);
    });

    app.post<{ Params: { project_id: string }; Body: { name: string } }>('/projects/:project_id', { schema: { body: nameBody } }, async (request, reply) => {
      const name = cleanName(request.body.name, MAX_PROJECT_NAME_CHARS);
      if (name === null) return send(reply, invalid(`A project name has 1 to ${MAX_PROJECT_NAME_CHARS} characters.`, 'name', 'invalid_name'));
      const renamed = await asOwner(request, (tx) => renameProject(tx, orgId(request), request.params.project_id, name));
      if (renamed.result === 'not_found') return send(reply, notFound('project', request.params.project_id));
      if (renamed.result !== 'ok') return send(reply, invalid('An archived project cannot be changed.', null, 'project_archived'));
      return projectObject(renamed.project);
    });

    app.post<{ Params: { project_id: string } }>('/projects/:project_id/archive', async (request, reply) => {
      const archived = await asOwner(request, (tx) => archiveProject(tx, deps.clock.nowMs(), orgId(request), request.params.project_id));
      if (archived.result === 'not_found') return send(reply, notFound('project', request.params.project_id));
      if (archived.result !== 'ok') return send(reply, invalid('The default project cannot be archived.', null, 'default_project'));
      return projectObject(archived.project);
    });

    // --- API keys ------------------------------------------------------------

    app.get<{ Params: { project_id: string } }>('/projects/:project_id/api_keys', async (request, reply) => {
      const parsed = parseListQuery(request.query as Record<string, unknown>, KEY_LIST);
      if (!parsed.ok) return send(reply, refusal(parsed));
      const { limit, after, flags } = parsed.query;
      const project = await projectOr404(request, reply);
      if (project === null) return reply;
      if (after !== null) {
        // The cursor is any key of this project, revoked ones too: one revoked while a client pages still leads on.
        const cursor = await findOrganizationApiKey(db, orgId(request), after);
        if (cursor === null || cursor.projectId !== project.id) return send(reply, refusal(refuseCursor(KEY_LIST)));
      }
      const rows = await listOrganizationApiKeys(db, orgId(request), {
        projectId: project.id,
        liveOnly: !flags.include_revoked,
        ...(after === null ? {} : { after }),
        limit: limit + 1,
      });
      return listPage(rows, limit, apiKeyObject);
    });

    app.post<{ Params: { project_id: string }; Body: { name?: string } }>(
      '/projects/:project_id/api_keys',
      { schema: { body: optionalNameBody } },
      async (request, reply) => {
        const name = request.body?.name === undefined ? undefined : cleanName(request.body.name, MAX_API_KEY_NAME_CHARS);
        if (name === null) return send(reply, invalid(`A key name has 1 to ${MAX_API_KEY_NAME_CHARS} characters.`, 'name', 'invalid_name'));
        const id = orgId(request);
        const maker = callerOf(request).session!.member;
        // Under the lock a removal takes too (asOwner): a maker removed or demoted since their session was read is refused
        // here; one removed after this commits has this key revoked with the rest. Either way no key outlives its maker's membership.
        const created = await asOwner(request, async (tx) => {
          const project = await findProject(tx, id, request.params.project_id);
          if (project === null || project.archivedAtMs !== null) return project;
          const live = (await listOrganizationApiKeys(tx, id)).filter((k) => k.revokedAtMs === null).length;
          if (live >= MAX_LIST) return 'too_many' as const;
          return addOrganizationApiKey(tx, deps, id, { projectId: project.id, createdBy: { memberId: maker.id, email: maker.email }, ...(name === undefined ? {} : { name }) });
        });
        if (created === null) return send(reply, notFound('project', request.params.project_id));
        if (created === 'too_many') return send(reply, invalid(`An organization has at most ${MAX_LIST} live keys; revoke one first.`, null, 'api_key_limit_reached'));
        if (!('apiKey' in created)) return send(reply, invalid('An archived project takes no new keys.', null, 'project_archived'));
        const summary = await findOrganizationApiKey(db, id, created.id);
        reply.status(201).header('cache-control', 'no-store');
        // The secret, once: only its hash is kept.
        return { ...apiKeyObject(summary!), value: created.apiKey };
      },
    );

    type KeyRequest = FastifyRequest<{ Params: { project_id: string; key_id: string } }>;
    /** The key the path names, in the project it names; null otherwise. */
    const keyOf = async (sql: Sql, request: KeyRequest): Promise<ApiKeySummary | null> => {
      const key = await findOrganizationApiKey(sql, orgId(request), request.params.key_id);
      return key === null || key.projectId !== request.params.project_id ? null : key;
    };
    const keyOr404 = async (request: KeyRequest, reply: FastifyReply) => {
      const key = await keyOf(db, request);
      if (key === null) send(reply, notFound('API key', request.params.key_id));
      return key;
    };

    app.get<{ Params: { project_id: string; key_id: string } }>('/projects/:project_id/api_keys/:key_id', async (request, reply) => {
      const key = await keyOr404(request, reply);
      return key === null ? reply : apiKeyObject(key);
    });

    app.post<{ Params: { project_id: string; key_id: string }; Body: { name: string } }>(
      '/projects/:project_id/api_keys/:key_id',
      { schema: { body: nameBody } },
      async (request, reply) => {
        const name = cleanName(request.body.name, MAX_API_KEY_NAME_CHARS);
        if (name === null) return send(reply, invalid(`A key name has 1 to ${MAX_API_KEY_NAME_CHARS} characters.`, 'name', 'invalid_name'));
        const renamed = await asOwner(request, async (tx) => {
          if ((await keyOf(tx, request)) === null) return null;
          return renameOrganizationApiKey(tx, orgId(request), request.params.key_id, name);
        });
        if (renamed === null) return send(reply, notFound('API key', request.params.key_id));
        return apiKeyObject(renamed);
      },
    );

    app.delete<{ Params: { project_id: string; key_id: string } }>('/projects/:project_id/api_keys/:key_id', async (request, reply) => {
      // Revoked, not erased: its usage keeps its name. The next request with it is refused (nothing caches keys).
      const found = await asOwner(request, async (tx) => {
        if ((await keyOf(tx, request)) === null) return false;
        await revokeOrganizationApiKey(tx, deps.clock.nowMs(), orgId(request), request.params.key_id);
        return true;
      });
      if (!found) return send(reply, notFound('API key', request.params.key_id));
      return { object: 'organization.project.api_key.deleted', id: request.params.key_id, deleted: true };
    });
  };
}
