import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { addMember } from '../../src/billing/members/members.ts';
import { createMemberSession } from '../../src/billing/members/member-sessions.ts';
import { organizationApiRoutes } from '../../src/billing/usage/organization-routes.ts';
import { defaultProjectId } from '../../src/billing/usage/projects.ts';
import { runCli } from '../../src/cli/program.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

// Review finding: the organization API's two lists read their query strings loosely — `?include_archived=yes` meant false,
// `?include_revoked=banana` too, `?limt=5` was ignored — and answered every row at once with `has_more: false`, whatever
// `limit` and `after` said. Now each parameter is read or refused (400, its code, its param) and the lists page as OpenAI's.

let f: BillingFixture;
let app: FastifyInstance;
let url: string;
let org: { orgId: string; apiKey: string; apiKeyId: string };
/** A session of an owner of `org`: making projects and keys needs one. */
let owner: string;

beforeEach(async () => {
  f = await billingFixture();
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: organizationApiRoutes(f.db, f.deps), prefix: '/merchant/v1/organization' }],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  org = await f.newOrg('Lists customer');
  owner = await f.db.transaction(async (tx) => {
    const member = await addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId: org.orgId, email: 'keeper@example.com', role: 'owner' });
    return (await createMemberSession(tx, f.deps, member.id, f.clock.nowMs())).token;
  });
});
afterEach(async () => {
  await f.assertAudit();
  await app.close();
  await f.cleanup();
});

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${url}/merchant/v1/organization${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

async function newProject(name: string): Promise<string> {
  const made = await call('POST', '/projects', owner, { name });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  return made.json.id;
}

async function newKey(projectId: string, name: string): Promise<string> {
  const made = await call('POST', `/projects/${projectId}/api_keys`, owner, { name });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  return made.json.id;
}

/** Walks a list with `after` = the previous page's last_id; every page as answered. */
async function walk(path: string, token: string, from: string | null = null): Promise<any[]> {
  const pages: any[] = [];
  let after = from;
  for (;;) {
    const separator = path.includes('?') ? '&' : '?';
    const page = await call('GET', after === null ? path : `${path}${separator}after=${after}`, token);
    assert.equal(page.status, 200, JSON.stringify(page.json));
    pages.push(page.json);
    if (!page.json.has_more) return pages;
    assert.ok(pages.length < 50, 'the walk ends');
    after = page.json.last_id;
  }
}

/** Ids in the order the database sorts them (the order the lists page in). */
const sorted = (ids: readonly string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

test('bad values and unknown parameters are refused with 400, their code and param, and change nothing (not even the key’s last use)', async () => {
  const project = defaultProjectId(org.orgId);
  const other = await f.newOrg('Someone else');
  const side = await newProject('Side');
  const sideKey = await newKey(side, 'side key');
  const keys = `/projects/${project}/api_keys`;
  const before = await f.db.all('SELECT * FROM billing_api_keys ORDER BY id');
  const projectsBefore = await f.db.all('SELECT * FROM billing_projects ORDER BY id');
  const cases: [path: string, param: string, code: string][] = [
    ['/projects?include_archived=yes', 'include_archived', 'invalid_value'],
    ['/projects?include_archived=TRUE', 'include_archived', 'invalid_value'],
    ['/projects?include_archived=1', 'include_archived', 'invalid_value'],
    ['/projects?include_archived=', 'include_archived', 'invalid_value'],
    ['/projects?include_archived=true&include_archived=false', 'include_archived', 'invalid_value'],
    ['/projects?limit=0', 'limit', 'invalid_value'],
    ['/projects?limit=101', 'limit', 'invalid_value'],
    ['/projects?limit=abc', 'limit', 'invalid_value'],
    ['/projects?limit=1.5', 'limit', 'invalid_value'],
    ['/projects?limit=-1', 'limit', 'invalid_value'],
    ['/projects?limit=1e1', 'limit', 'invalid_value'],
    ['/projects?limit=', 'limit', 'invalid_value'],
    [`/projects?after=${org.apiKeyId}`, 'after', 'invalid_cursor'],
    ['/projects?after=proj_NOSUCHPROJECT', 'after', 'invalid_cursor'],
    [`/projects?after=${defaultProjectId(other.orgId)}`, 'after', 'invalid_cursor'],
    ['/projects?after=proj_%27%20OR%201%3D1', 'after', 'invalid_cursor'],
    ['/projects?limt=5', 'limt', 'unknown_parameter'],
    ['/projects?include_revoked=true', 'include_revoked', 'unknown_parameter'],
    ['/projects?order=asc', 'order', 'unknown_parameter'],
    [`${keys}?include_revoked=banana`, 'include_revoked', 'invalid_value'],
    [`${keys}?include_revoked=false&include_revoked=true`, 'include_revoked', 'invalid_value'],
    [`${keys}?limit=0`, 'limit', 'invalid_value'],
    [`${keys}?limit=1000`, 'limit', 'invalid_value'],
    [`${keys}?after=${project}`, 'after', 'invalid_cursor'],
    [`${keys}?after=key_NOSUCHKEY`, 'after', 'invalid_cursor'],
    // A key of the organization, but of another project: not in this list.
    [`${keys}?after=${sideKey}`, 'after', 'invalid_cursor'],
    [`${keys}?after=${other.apiKeyId}`, 'after', 'invalid_cursor'],
    [`${keys}?include_archived=true`, 'include_archived', 'unknown_parameter'],
    // OpenAI's, but Cardlane has no project membership to filter by: refused rather than ignored.
    [`${keys}?owner_project_access=any`, 'owner_project_access', 'unknown_parameter'],
    [`${keys}?surprise=1`, 'surprise', 'unknown_parameter'],
  ];
  for (const [path, param, code] of cases) {
    const answer = await call('GET', path, org.apiKey);
    assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.json)}`);
    assert.deepEqual([answer.json.error.type, answer.json.error.param, answer.json.error.code], ['invalid_request_error', param, code], path);
    assert.ok(answer.json.error.message.includes(param), `${path}: the message names ${param}: ${answer.json.error.message}`);
  }
  assert.deepEqual(await f.db.all('SELECT * FROM billing_api_keys ORDER BY id'), before, 'no key changed (not even its last use)');
  assert.deepEqual(await f.db.all('SELECT * FROM billing_projects ORDER BY id'), projectsBefore);
  // The same lists with good values answer.
  assert.equal((await call('GET', '/projects?include_archived=false&limit=100', org.apiKey)).status, 200);
  assert.equal((await call('GET', `${keys}?include_revoked=true&limit=1&after=${org.apiKeyId}`, org.apiKey)).status, 200);
});

test('projects page by `limit` and `after` in id order (20 by default): every project exactly once, archived ones only when asked', async () => {
  const made = [defaultProjectId(org.orgId)];
  for (let i = 1; i <= 24; i++) made.push(await newProject(`Project ${i}`));
  const archived = [made[3]!, made[10]!, made[24]!];
  for (const id of archived) assert.equal((await call('POST', `/projects/${id}/archive`, owner)).status, 200);
  const active = made.filter((id) => !archived.includes(id));

  // OpenAI's default page: 20, then the rest.
  const pages = await walk('/projects', org.apiKey);
  assert.deepEqual(
    pages.map((p) => p.data.length),
    [20, 2],
  );
  assert.deepEqual(
    pages.map((p) => p.has_more),
    [true, false],
  );
  const listed = pages.flatMap((p) => p.data.map((project: any) => project.id));
  assert.deepEqual(listed, sorted(active), 'every active project once, in id order');
  assert.equal(listed[0], defaultProjectId(org.orgId), 'the default project first');
  for (const page of pages) {
    assert.equal(page.object, 'list');
    assert.deepEqual([page.first_id, page.last_id], [page.data[0].id, page.data.at(-1).id]);
    assert.ok(page.data.every((p: any) => p.status === 'active'));
  }

  const all = await walk('/projects?include_archived=true&limit=7', org.apiKey);
  assert.deepEqual(
    all.map((p) => p.data.length),
    [7, 7, 7, 4],
  );
  assert.deepEqual(
    all.flatMap((p) => p.data.map((project: any) => project.id)),
    sorted(made),
  );
  assert.deepEqual(
    all.flatMap((p) => p.data.filter((project: any) => project.status === 'archived').map((project: any) => project.id)),
    sorted(archived),
  );

  // Exactly a page's worth: no empty page after it. An archived project still leads on as a cursor.
  const exact = await call('GET', '/projects?include_archived=true&limit=25', org.apiKey);
  assert.deepEqual([exact.json.data.length, exact.json.has_more], [25, false]);
  const fromArchived = await call('GET', `/projects?after=${made[24]}`, org.apiKey);
  assert.deepEqual(fromArchived.json, { object: 'list', data: [], first_id: null, last_id: null, has_more: false });
});

test('a project’s keys page by `limit` and `after`: every key exactly once, revoked ones only when asked, and a key revoked mid-walk skips nothing', async () => {
  const project = await newProject('Batch');
  const made: string[] = [];
  for (let i = 1; i <= 23; i++) made.push(await newKey(project, `key ${i}`));
  const revoked = [made[0]!, made[7]!, made[8]!, made[22]!];
  for (const id of revoked) assert.equal((await call('DELETE', `/projects/${project}/api_keys/${id}`, owner)).status, 200);
  const live = made.filter((id) => !revoked.includes(id));
  const path = `/projects/${project}/api_keys`;

  const everyOne = await walk(`${path}?include_revoked=true&limit=5`, org.apiKey);
  assert.deepEqual(
    everyOne.map((p) => p.data.length),
    [5, 5, 5, 5, 3],
  );
  assert.deepEqual(
    everyOne.flatMap((p) => p.data.map((k: any) => k.id)),
    sorted(made),
  );
  for (const page of everyOne) assert.deepEqual([page.first_id, page.last_id], [page.data[0].id, page.data.at(-1).id]);

  const liveOnly = await walk(`${path}?limit=4`, org.apiKey);
  assert.deepEqual(
    liveOnly.map((p) => p.data.length),
    [4, 4, 4, 4, 3],
  );
  assert.deepEqual(
    liveOnly.flatMap((p) => p.data.map((k: any) => k.id)),
    sorted(live),
  );
  // OpenAI's default: 20 a page, so all 19 live keys in one.
  const byDefault = await call('GET', path, org.apiKey);
  assert.deepEqual([byDefault.json.data.length, byDefault.json.has_more], [19, false]);

  // The id is the cursor: revoking the last key of a page before asking for the next one moves nothing and skips nothing.
  const first = await call('GET', `${path}?limit=5`, org.apiKey);
  assert.equal((await call('DELETE', `${path}/${first.json.last_id}`, owner)).status, 200);
  const rest = await walk(`${path}?limit=5`, org.apiKey, first.json.last_id);
  assert.deepEqual(
    [...first.json.data.map((k: any) => k.id), ...rest.flatMap((p) => p.data.map((k: any) => k.id))],
    sorted(live),
  );
});

test('`cardlane billing keys` lists every key of a project with more keys than one page holds', async () => {
  const project = await newProject('Many keys');
  const made: string[] = [];
  for (let i = 1; i <= 22; i++) made.push(await newKey(project, `key ${i}`));
  assert.equal((await call('DELETE', `/projects/${project}/api_keys/${made[5]}`, owner)).status, 200);
  const run = async (...extra: string[]) => {
    let out = '';
    const io = { stdout: { write: (text: string) => void (out += text) }, stderr: { write: (text: string) => void (out += text) } };
    assert.equal(await runCli(['node', 'cardlane', 'billing', '--url', url, '--key', org.apiKey, '--json', 'keys', ...extra], io), 0, out);
    return (JSON.parse(out) as { data: { id: string; project_id: string }[] }).data;
  };
  const all = await run('--all');
  assert.deepEqual(
    all.filter((k) => k.project_id === project).map((k) => k.id),
    sorted(made),
  );
  assert.deepEqual(
    all.filter((k) => k.project_id !== project).map((k) => k.id),
    [org.apiKeyId],
  );
  const live = await run();
  assert.deepEqual(
    live.filter((k) => k.project_id === project).map((k) => k.id),
    sorted(made.filter((_, i) => i !== 5)),
  );
});
