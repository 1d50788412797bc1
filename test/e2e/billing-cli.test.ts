import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import { CALL_BOUND_MS, e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';
import { pressChallengeButton } from '../support/three-d-secure-fixture.ts';

const { workDir, location } = e2eWorkspace('billing-cli');

// An API business's billing set up and used from the README's commands: the
// demo organization adds a card (tokenized at the acquirer with the
// publishable key, verified with the demo merchant's $5 hold), makes it the
// default, buys credits, and spends them through the official openai SDK.

test('cardlane billing: add a card, set it default, buy credits, spend them with the openai SDK, auto-recharge, subscribe; a declined card is not added', { timeout: 240_000 }, async () => {
  const dataDir = join(workDir, 'data');
  const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', dataDir, '--json', ...dbArgs], { cwd: workDir });
  try {
    const info = JSON.parse(await server.waitForLine((l) => l.startsWith('{'), START_BOUND_MS)) as { url: string; operator_key_file: string };
    // `input`: the command's standard input (the card's number and security code for `cards add`).
    const run = async (args: readonly string[], input?: string) => {
      const child = spawnCardlane(['billing', '--url', info.url, '--data-dir', dataDir, ...args], { cwd: workDir, input });
      const { code } = await child.waitForExit(CALL_BOUND_MS);
      return { code, stdout: child.stdout(), stderr: child.stderr() };
    };
    const ok = async (args: readonly string[], input?: string) => {
      const result = await run(args, input);
      assert.equal(result.code, 0, `billing ${args.join(' ')}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
      return result.stdout;
    };
    const json = async <T = any>(args: readonly string[], input?: string): Promise<T> => JSON.parse(await ok([...args, '--json'], input)) as T;

    assert.match(await ok(['cards']), /No cards yet/);
    const declined = await run(['cards', 'add', '--number', '4000 0000 0000 0002', '--exp', '12/34', '--cvc', '123']);
    assert.equal(declined.code, 1);
    assert.match(declined.stderr, /\(card_declined, generic_decline\)/);
    assert.match(declined.stderr, /can be read by other users of this machine/, 'a card number on the command line is warned about');
    // The number and code from standard input (two lines), as the README shows: nothing on the command line.
    const short = await run(['cards', 'add', '--exp', '12/34'], '4242424242424242\n');
    assert.equal(short.code, 2, short.stderr);
    assert.match(short.stderr, /expected 2 lines on standard input \(Card number, then Security code \(CVC\)\), got 1/);

    // A card whose bank asks for 3-D Secure: not added until the cardholder passes the challenge, then `cards complete`.
    const pending = await ok(['cards', 'add', '--exp', '12/34', '--zip', '94104'], '4000 0027 6000 3184\n123\n');
    const challenge = /Open (\S+) in a browser, then run `cardlane billing cards complete (\S+)`/.exec(pending);
    assert.ok(challenge, pending);
    assert.match(await ok(['cards']), /No cards yet/);
    await fetch(await pressChallengeButton(challenge[1]!, 'complete'), { redirect: 'manual' });
    assert.match(await ok(['cards', 'complete', challenge[2]!]), /^Added pm_\S+: visa •••• 3184/);
    assert.match(await ok(['cards', 'complete', challenge[2]!]), /^Added pm_/, 'asking again answers the same card');

    const card = await json<{ id: string; verification: { hold: { amount_minor: number } } }>(['cards', 'add', '--exp', '12/34', '--zip', '94104'], '4242424242424242\n123\n');
    assert.equal(card.verification.hold.amount_minor, 500);
    assert.match(await ok(['cards', 'default', card.id]), /Default card: .*visa •••• 4242/);
    assert.match(await ok(['buy', '10.00']), /Paid: .* purchase +\$10\.00 +succeeded receipt/);
    assert.match(await ok(['balance']), /Credit balance: \$10\.00/);
    const tooSmall = await run(['buy', '4.99']);
    assert.match(tooSmall.stderr, /purchase_amount_out_of_range/);

    const credentials = JSON.parse(await (async () => {
      const child = spawnCardlane(['demo', 'credentials', '--data-dir', dataDir, '--json'], { cwd: workDir });
      await child.waitForExit(CALL_BOUND_MS);
      return child.stdout();
    })()) as { billing: { api_key: string } };
    const openai = new OpenAI({ apiKey: credentials.billing.api_key, baseURL: `${info.url}/merchant/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'cardlane-echo-1', messages: [{ role: 'user', content: 'hello billing' }] });
    assert.ok(completion.usage!.total_tokens > 0);
    const after = await json<{ available: { amount_minor: number } }>(['balance']);
    assert.ok(after.available.amount_minor < 1000 && after.available.amount_minor > 0, JSON.stringify(after));

    const payments = await json<{ data: Array<{ kind: string; status: string }> }>(['payments']);
    assert.deepEqual(payments.data.map((p) => `${p.kind} ${p.status}`), ['purchase succeeded', 'verification succeeded', 'verification succeeded', 'verification failed'], 'the 4242 card, the 3184 card after its challenge, the declined card');
    // The history's columns line up: every row's status starts in the same column, whatever its amount says.
    const rows = (await ok(['payments'])).trimEnd().split('\n');
    assert.equal(new Set(rows.map((r) => r.search(/ (succeeded|failed)/))).size, 1, rows.join('\n'));
    assert.match(await ok(['receipts']), /\$10\.00 +API credits +visa •••• 4242/);

    // Auto-recharge and a subscription, as the billing page offers them.
    assert.match(await ok(['auto-recharge']), /status +off/);
    const recharge = await json<{ status: string; threshold: { amount_minor: number } }>(['auto-recharge', '--on', '--threshold', '5.00', '--target', '10.00']);
    assert.deepEqual([recharge.status, recharge.threshold.amount_minor], ['active', 500]);
    assert.match(await ok(['auto-recharge']), /when the balance is below \$5\.00, recharge to \$10\.00 \(at least \$10\.00\)/);
    assert.match(await ok(['plans']), /plus +Plus +\$20\.00\/month/);
    const subscription = await json<{ id: string; status: string }>(['subscribe', 'plus']);
    assert.equal(subscription.status, 'active');
    assert.match(await ok(['cancel', subscription.id]), /Plus \$20\.00\/month +active +ends \d{4}-\d{2}-\d{2}/);
    assert.match(await ok(['notifications']), /No mail/);

    // Members: the demo owner is there; an invited reader is listed and removed again — by the owner's session (an API key
    // cannot administer the organization), which the owner gets by signing in with a mailed code.
    assert.match(await ok(['members']), /owner@demo\.cardlane\.test +owner/);
    const byKey = await run(['members', 'invite', 'reader@example.com']);
    assert.match(byKey.stderr, /\(session_required\)/);
    // `billing sign-in`, as a script runs it: mail the code, read it (the sandbox's mailbox), then give it on standard input.
    assert.match(await ok(['sign-in', 'owner@demo.cardlane.test', '--only-send']), /A sign-in code was mailed to owner@demo\.cardlane\.test/);
    const operatorKey = readFileSync(info.operator_key_file, 'utf8').trim();
    const mail = (await (await fetch(`${info.url}/billing/v1/sandbox/mail?to=owner%40demo.cardlane.test`, { headers: { authorization: `Bearer ${operatorKey}` } })).json()) as { data: Array<{ subject: string }> };
    const mailedCode = /\b(\d{6})\b/.exec(mail.data[0]!.subject)![1]!;
    const wrong = await run(['sign-in', 'owner@demo.cardlane.test', '--already-sent'], '000000\n');
    assert.notEqual(wrong.code, 0);
    const session = await json<{ token: string; member: { role: string } }>(['sign-in', 'owner@demo.cardlane.test', '--already-sent'], `${mailedCode}\n`);
    assert.equal(session.member.role, 'owner');
    assert.match(session.token, /^sess-cl-/);
    const asOwner = ['--key', session.token];
    const reader = await json<{ id: string; role: string }>([...asOwner, 'members', 'invite', 'reader@example.com']);
    assert.equal(reader.role, 'member');
    assert.match(await ok(['members', 'list']), /reader@example\.com +member +invited, not accepted yet/);
    assert.match(await ok([...asOwner, 'members', 'remove', reader.id]), /Removed reader@example\.com/);
    const badRole = await run([...asOwner, 'members', 'invite', 'x@example.com', '--role', 'admin']);
    assert.notEqual(badRole.code, 0);
    // The keys, with who made each: the demo's key was made by Cardlane, so its maker is unknown.
    assert.match(await ok(['keys']), /Default project \(proj_\S+\)\n +key_\S+ +sk-cl-…\S{4} +Secret key +made by unknown \/ 未知/);

    server.child.kill('SIGTERM');
    assert.deepEqual(await server.waitForExit(EXIT_BOUND_MS), { code: 0, signal: null }, server.stderr());
    const audit = spawnCardlane(['audit', '--data-dir', dataDir, ...dbArgs], { cwd: workDir });
    assert.equal((await audit.waitForExit(EXIT_BOUND_MS)).code, 0, `${audit.stdout()}\n${audit.stderr()}`);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
});
