import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/platform/db/open.ts';
import { toDecimalString } from '../../src/platform/money.ts';
import { CALL_BOUND_MS, e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS, childEnv } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';

const { workDir, location } = e2eWorkspace('issuer-cli');

function luhnValid(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

test('cardlane issuer: the cardholder journey end to end through the CLI, then a clean audit', { timeout: 240_000 }, async () => {
  const dataDir = join(workDir, 'data');
  const otherDir = join(workDir, 'other'); // a second cardholder's session; the operator key stays in dataDir
  const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', dataDir, '--json', ...dbArgs], { cwd: workDir });
  try {
    const info = JSON.parse(await server.waitForLine((l) => l.startsWith('{'), START_BOUND_MS)) as { url: string };

    const run = async (args: readonly string[], dir = dataDir): Promise<Result> => {
      // In a zone of its own, so the times it prints can be checked to be the reader's, never UTC's.
      const child = spawnCardlane(['issuer', '--url', info.url, '--data-dir', dir, ...args], { cwd: workDir, env: childEnv({ TZ: 'Asia/Shanghai' }) });
      const { code } = await child.waitForExit(CALL_BOUND_MS);
      return { code, stdout: child.stdout(), stderr: child.stderr() };
    };
    const ok = async (args: readonly string[], dir = dataDir): Promise<string> => {
      const result = await run(args, dir);
      assert.equal(result.code, 0, `issuer ${args.join(' ')}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
      return result.stdout;
    };
    const json = async <T = any>(args: readonly string[], dir = dataDir): Promise<T> => JSON.parse(await ok([...args, '--json'], dir)) as T;
    const refused = async (args: readonly string[], code: string, dir = dataDir): Promise<void> => {
      const result = await run(args, dir);
      assert.equal(result.code, 1, `issuer ${args.join(' ')} should fail\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^cardlane: .+ \\(${code}\\)\\n$`));
      assert.equal(result.stdout, '');
    };
    const latestCode = async (phone: string): Promise<string> => {
      const inbox = await json<{ data: Array<{ body: string }> }>(['sms-inbox', '--phone', phone]);
      const code = /\b(\d{6})\b/.exec(inbox.data[0]!.body)?.[1];
      assert.ok(code, `a code in ${JSON.stringify(inbox.data[0])}`);
      return code;
    };

    // A referrer signs up first: their invite code waives the next cardholder's card fee.
    const other = '+8613900139000';
    await ok(['sign-in', '--phone', other], otherDir);
    await ok(['verify', '--phone', other, '--code', await latestCode(other)], otherDir);
    const inviteCode = (await json<{ invite_code: string }>(['me'], otherDir)).invite_code;

    // Sign up with the invite code: a wrong code is refused, the right one saves a private session.
    const phone = '+8613800138000';
    assert.match(await ok(['sign-in', '--phone', phone]), /Code sent to \+8613800138000/);
    const code = await latestCode(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    await refused(['verify', '--phone', phone, '--code', wrong], 'code_invalid');
    const signedIn = await ok(['verify', '--phone', phone, '--code', code, '--invite', inviteCode]);
    assert.match(signedIn, /Signed up and signed in\./);
    assert.equal(statSync(join(dataDir, 'cli-session.json')).mode & 0o777, 0o600);
    const me = await json<{ id: string; kyc_status: string; opening_fee_waived: boolean }>(['me']);
    assert.match(me.id, /^ch_/);
    assert.equal(me.kyc_status, 'not_started');
    assert.equal(me.opening_fee_waived, true);

    // KYC: started by the cardholder, rejected by the operator with a reason code (an internal note the cardholder
    // never sees), started again as the reason allows, approved.
    const reasons = await ok(['kyc', 'reasons']);
    assert.match(reasons, /document_unreadable\s+Document unreadable\n/);
    assert.match(reasons, /sanctions_or_watchlist_match\s+Sanctions or watchlist match \(final: no new verification\)/);
    const first = await json<{ id: string; status: string }>(['kyc', 'start']);
    await refused(['kyc', 'reject', first.id, '--reason', 'the photo is blurred'], 'parameter_invalid');
    const rejected = await ok(['kyc', 'reject', first.id, '--reason', 'document_unreadable', '--note', 'glare over the photo']);
    assert.match(rejected, /reason\s+document_unreadable\n/);
    assert.match(rejected, /internal note\s+glare over the photo\n/);
    const told = await ok(['kyc', 'status', '--lang', 'zh-CN']);
    assert.match(told, /why\s+你的证件照片无法识别，可能模糊/);
    assert.match(told, /next step\s+请重新认证，并拍摄清晰完整的证件照片/);
    assert.ok(!told.includes('glare'), told);
    const kyc = await json<{ id: string; status: string }>(['kyc', 'start']);
    assert.equal(kyc.status, 'pending');
    assert.notEqual(kyc.id, first.id);
    const approved = await ok(['kyc', 'approve', kyc.id]);
    assert.match(approved, /status\s+approved/);
    // Both times in the reader's zone, as `started` always was (`completed` was printed as raw UTC ISO).
    assert.match(approved, /started\s+\d{4}-\d\d-\d\d \d\d:\d\d GMT\+8\n/);
    assert.match(approved, /completed\s+\d{4}-\d\d-\d\d \d\d:\d\d GMT\+8\n/);
    assert.equal((await json<{ status: string }>(['kyc', 'status'])).status, 'approved');

    // Top up ¥1,000 and pay it in the Alipay sandbox.
    const topUp = await json<{ quote: { usd_amount: { amount_minor: number } }; top_up: { id: string; status: string } }>(['top-up', '--cny', '1,000']);
    assert.equal(topUp.top_up.status, 'created');
    const paid = await ok(['top-up', 'pay', topUp.top_up.id]);
    assert.match(paid, /status\s+credited/);
    const credited = topUp.quote.usd_amount.amount_minor;

    // A card: open, load $20.00, freeze, unfreeze.
    const card = await json<{ id: string; status: string; opening_fee: { amount: number } }>(['card', 'open']);
    assert.match(card.id, /^card_/);
    assert.equal(card.opening_fee.amount, 0, 'the invite code waived the $2 fee');

    // Controls, then the full number behind an SMS code.
    const controlled = await json<{ controls: { spending_limits: { per_transaction: number | null }; mcc_block: string[] } }>(
      ['card', 'controls', card.id, '--per-transaction', '50.00', '--mcc-block', '7995'],
    );
    assert.equal(controlled.controls.spending_limits.per_transaction, 5000);
    assert.deepEqual(controlled.controls.mcc_block, ['7995']);
    // The sign-in code was sent moments ago and a phone gets one SMS a minute: age it rather than wait.
    const direct = openDatabase(testDatabaseKind() === 'postgres' ? location.url : join(dataDir, 'cardlane.db'));
    try {
      await direct.run('UPDATE issuer_otp_codes SET sent_at_ms = sent_at_ms - 120000 WHERE phone_e164 = ?', [phone]);
    } finally {
      await direct.close();
    }
    await ok(['card', 'reveal-code', card.id]);
    const revealed = await json<{ number: string; cvc: string; exp_month: number; exp_year: number }>(['card', 'reveal', card.id, '--code', await latestCode(phone)]);
    assert.match(revealed.number, /^\d{16}$/);
    assert.ok(luhnValid(revealed.number), 'a Luhn-valid number');
    assert.match(revealed.cvc, /^\d{3}$/);
    const loaded = await ok(['card', 'load', card.id, '--amount', '20.00']);
    assert.match(loaded, /available\s+\$20\.00/);
    assert.match(await ok(['card', 'freeze', card.id]), /status\s+frozen/);
    assert.equal((await json<{ status: string }>(['card', 'unfreeze', card.id])).status, 'active');
    assert.match(await ok(['card', 'list']), new RegExp(`${card.id}\\s+•••• \\d{4}\\s+active\\s+\\$20\\.00`));

    // The card pays the demo merchant through the acquirer and the network; a payment it
    // cannot afford is declined by the issuer, and the card's statement says why, in Chinese.
    const demo = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')).acquirer as { secret_key: string };
    const stripeCall = async (path: string, body: Record<string, string>) => {
      const response = await fetch(`${info.url}/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${demo.secret_key}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const pm = await stripeCall('/payment_methods', {
      type: 'card',
      'card[number]': revealed.number,
      'card[exp_month]': String(revealed.exp_month),
      'card[exp_year]': String(revealed.exp_year),
      'card[cvc]': revealed.cvc,
    });
    assert.equal(pm.status, 200);
    const byHand = await stripeCall('/payment_intents', { amount: '500', currency: 'usd', payment_method: pm.body.id, confirm: 'true', off_session: 'false' });
    assert.equal(byHand.status, 402, 'the demo merchant refuses prepaid cards on customer-initiated payments (the seed)');
    assert.equal(byHand.body.error.decline_code, 'card_not_supported');
    const customer = await stripeCall('/customers', { email: 'li@example.com' });
    await stripeCall(`/payment_methods/${pm.body.id}/attach`, { customer: customer.body.id });
    const offSession = await stripeCall('/payment_intents', { amount: '500', currency: 'usd', customer: customer.body.id, payment_method: pm.body.id, confirm: 'true', off_session: 'true' });
    assert.equal(offSession.body.status, 'succeeded');
    const tooMuch = await stripeCall('/payment_intents', { amount: '5000', currency: 'usd', customer: customer.body.id, payment_method: pm.body.id, confirm: 'true', off_session: 'true' });
    assert.equal(tooMuch.body.error.decline_code, 'insufficient_funds');
    const statement = await ok(['card', 'statement', card.id, '--lang', 'zh-CN']);
    assert.match(statement, /-\$5\.00\s+authorization \(settled\)\s+ACME AI API/);
    assert.match(statement, /^ {2}\d{4}-\d\d-\d\d \d\d:\d\d GMT\+8 /m, 'times in the reader\'s zone');
    assert.doesNotMatch(statement, /T\d\d:\d\d:\d\d/, 'never a raw UTC timestamp');
    assert.match(statement, /declined 51 insufficient_funds: \p{Script=Han}/u);

    // The operator's money settings.
    assert.match((await json<{ settings: { usd_cny_rate: string } }>(['settings'])).settings.usd_cny_rate, /^\d+(\.\d+)?$/);
    // For people: labels, durations and yes/no, never the API's raw names and units.
    const settingsText = await ok(['settings']);
    assert.match(settingsText, /A quote holds for +15 min\n/);
    assert.match(settingsText, /Top-up fee +1%\n/);
    assert.match(settingsText, /Provisional credit on disputes +yes\n/);
    assert.doesNotMatch(settingsText, /_ms|_bps|_minor|dispute_provisional_credit/);

    // Withdraw what is left in the wallet: nothing remains available.
    const wallet = await json<{ available: { amount_minor: number; currency: string } }>(['wallet']);
    assert.equal(wallet.available.amount_minor, credited - card.opening_fee.amount - 2000);
    const rest = toDecimalString({ amount_minor: wallet.available.amount_minor, currency: wallet.available.currency } as never);
    const withdrawal = await json<{ id: string; amount: { amount_minor: number } }>(['withdraw', '--amount', rest]);
    assert.equal(withdrawal.amount.amount_minor, wallet.available.amount_minor);
    assert.match(await ok(['wallet']), /available\s+\$0\.00/);
    const walletStatement = await ok(['statement']);
    assert.match(walletStatement, /top_up/);
    assert.match(walletStatement, /GMT\+8/);
    assert.doesNotMatch(walletStatement, /T\d\d:\d\d:\d\d/);

    // The referrer has no KYC yet: no top-up.
    await refused(['top-up', '--cny', '1000'], 'kyc_required', otherDir);

    server.child.kill('SIGTERM');
    assert.deepEqual(await server.waitForExit(EXIT_BOUND_MS), { code: 0, signal: null }, server.stderr());

    const audit = spawnCardlane(['audit', '--data-dir', dataDir, ...dbArgs], { cwd: workDir });
    const audited = await audit.waitForExit(EXIT_BOUND_MS);
    assert.equal(audited.code, 0, `${audit.stdout()}\n${audit.stderr()}`);
    assert.match(audit.stdout(), /PASSED/);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
});
