import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';

const { workDir, location } = e2eWorkspace('e2e');

test('cardlane up --json: serves every operational endpoint, then stops cleanly on SIGTERM', async () => {
  const dataDir = join(workDir, 'data');
  const args = ['up', '--port', '0', '--data-dir', dataDir, '--json'];
  if (testDatabaseKind() === 'postgres') args.push('--database', location.url);
  // Run from a directory that is not the repository: the executable must find its own files.
  const cardlane = spawnCardlane(args, { cwd: workDir });
  try {
    const line = await cardlane.waitForLine((candidate) => candidate.startsWith('{'), START_BOUND_MS);
    const info = JSON.parse(line);
    assert.equal(info.status, 'up');
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.data_dir, dataDir);
    assert.match(info.database, testDatabaseKind() === 'postgres' ? /^postgres / : /^sqlite .*cardlane\.db$/);
    assert.doesNotMatch(info.database, /:[^@/]*@/, 'no password in the description');
    assert.equal(info.openapi_url, `${info.url}/openapi.json`);
    assert.equal(info.docs_url, `${info.url}/docs`);
    assert.equal(cardlane.stdout().trim().split('\n').length, 1, 'exactly one line on stdout');

    const healthz = await fetch(info.healthz_url);
    assert.equal(healthz.status, 200);
    assert.deepEqual(await healthz.json(), { status: 'ok' });

    const readyz = await fetch(info.readyz_url);
    assert.equal(readyz.status, 200);
    assert.equal(((await readyz.json()) as { status: string }).status, 'ok');

    const metrics = await fetch(info.metrics_url);
    assert.equal(metrics.status, 200);
    const metricsText = await metrics.text();
    assert.match(metricsText, /^# TYPE http_request_duration_seconds histogram$/m);
    assert.match(metricsText, /route="\/healthz"/);

    const openapi = await fetch(info.openapi_url);
    assert.equal(openapi.status, 200);
    const doc = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/healthz']);

    const docs = await fetch(info.docs_url);
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await docs.text(), /swagger-ui/);

    // The first address the banner prints says where everything is, and each page it names is there.
    const front = (await (await fetch(`${info.url}/`)).json()) as { object: string; pages: Record<string, string>; operations: Record<string, string> };
    assert.equal(front.object, 'cardlane');
    for (const path of [...Object.values(front.pages), ...Object.values(front.operations)]) {
      assert.equal((await fetch(`${info.url}${path}`)).status, 200, `${path}, named by GET /`);
    }

    const missing = await fetch(`${info.url}/no-such-route?number=4242424242424242`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), {
      error: { type: 'invalid_request_error', code: 'route_not_found', message: 'Unrecognized request URL (GET: /no-such-route).' },
    });
    assert.match(missing.headers.get('request-id') ?? '', /^req_/);

    // The demo merchant: its keys in the banner and from `cardlane demo credentials --json`, and they work.
    assert.match(info.acquirer.secret_key, /^sk_test_[0-9A-Za-z]{32}$/);
    const credentialsRun = spawnCardlane(['demo', 'credentials', '--data-dir', dataDir, '--url', info.url, '--json'], { cwd: workDir });
    assert.equal((await credentialsRun.waitForExit(EXIT_BOUND_MS)).code, 0);
    const credentials = JSON.parse(credentialsRun.stdout());
    assert.equal(credentials.acquirer.secret_key, info.acquirer.secret_key);
    assert.equal(credentials.acquirer.base_url, `${info.url}/v1`);
    assert.equal(credentials.acquirer.stripe_sdk_options.host, '127.0.0.1');
    // Without --url, every command finds the address this `cardlane up` listens on (here a port the OS chose), not the default 4400.
    const withoutUrl = spawnCardlane(['demo', 'credentials', '--data-dir', dataDir, '--json'], { cwd: workDir });
    assert.equal((await withoutUrl.waitForExit(EXIT_BOUND_MS)).code, 0);
    assert.equal(JSON.parse(withoutUrl.stdout()).url, info.url);
    const customers = await fetch(`${credentials.acquirer.base_url}/customers`, { headers: { authorization: `Bearer ${credentials.acquirer.secret_key}` } });
    assert.equal(customers.status, 200);
    assert.equal(((await customers.json()) as { object: string }).object, 'list');
    // The demo organization's OpenAI-compatible API: its key works and it starts with no credits.
    assert.equal(credentials.billing.base_url, `${info.url}/merchant/v1`);
    assert.match(credentials.billing.organization_id, /^org_/);
    const credits = await fetch(`${credentials.billing.base_url}/organization/credits`, { headers: { authorization: `Bearer ${credentials.billing.api_key}` } });
    assert.equal(credits.status, 200);
    assert.equal(((await credits.json()) as { available_minor: number }).available_minor, 0);
    // The demo cardholder: phone and card in the banner and the credentials, never the card number.
    assert.equal(info.issuer.phone, '+8613800000001');
    assert.match(info.issuer.card_last4, /^\d{4}$/);
    assert.deepEqual(credentials.issuer.demo_cardholder, {
      cardholder_id: info.issuer.cardholder_id,
      phone: info.issuer.phone,
      card_id: info.issuer.card_id,
      card_last4: info.issuer.card_last4,
    });
    assert.doesNotMatch(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'), /(?<![+\d])\d{13,19}/, 'no card number on disk (the phone has its +)');
    assert.equal(info.billing_page.url, `${info.url}/billing`);
    assert.equal(info.operator_console.url, `${info.url}/console`);

    cardlane.child.kill('SIGTERM');
    const exit = await cardlane.waitForExit(EXIT_BOUND_MS);
    assert.deepEqual(exit, { code: 0, signal: null }, cardlane.stderr());

    const logs = cardlane.stderr();
    assert.match(logs, /"msg":"stopped"/);
    assert.equal(logs.includes('4242424242424242'), false, 'the card number in the URL is not in the logs');
    // A query parameter named like a card's number is redacted whole (src/platform/log-redaction.ts), not just masked.
    assert.match(logs, /"url":"\/no-such-route\?number=\[REDACTED\]"/);
  } finally {
    if (cardlane.child.exitCode === null && cardlane.child.signalCode === null) cardlane.child.kill('SIGKILL');
  }
});
