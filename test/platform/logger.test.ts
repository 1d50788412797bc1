import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSensitiveKey, REDACTED, redactKeys, scrubLogLine } from '../../src/platform/log-redaction.ts';
import { createLogger, type Logger } from '../../src/platform/logger.ts';

const PAN = '4242424242424242';
const SPACED_PAN = '4242 4242 4242 4242';
const DASHED_PAN = '4242-4242-4242-4242';
const MASKED = '424242******4242';

function capture(): { logger: Logger; raw(): string; records(): Array<Record<string, any>> } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => lines.push(line) } });
  return {
    logger,
    raw: () => lines.join(''),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, any>),
  };
}

function assertNoCardNumber(raw: string): void {
  for (const form of [PAN, SPACED_PAN, DASHED_PAN]) assert.equal(raw.includes(form), false, `${form} leaked into ${raw}`);
}

test('card numbers never reach the output, in any field or form', () => {
  const { logger, raw, records } = capture();
  logger.info({ note: `paid with ${SPACED_PAN}`, list: [DASHED_PAN, { deeper: [`x${PAN}x`] }] }, `charging ${PAN}`);
  logger.info('card %s declined', SPACED_PAN);
  logger.warn({ held_as_number: Number(PAN) }, 'a PAN held as a number is a bug but must not leak');
  logger.child({ context: `card ${DASHED_PAN}` }).info('child bindings are scrubbed too');
  logger.error(new Error(`issuer refused ${PAN}`));
  assertNoCardNumber(raw());
  const [first, second, third, fourth, fifth] = records();
  assert.equal(first!.msg, `charging ${MASKED}`);
  assert.equal(first!.note, `paid with ${MASKED}`);
  assert.deepEqual(first!.list, [MASKED, { deeper: [`x${MASKED}x`] }]);
  assert.equal(second!.msg, `card ${MASKED} declined`);
  assert.equal(third!.held_as_number, MASKED);
  assert.equal(fourth!.context, `card ${MASKED}`);
  assert.equal(fifth!.msg, `issuer refused ${MASKED}`);
  assert.match(fifth!.err.stack, new RegExp(`issuer refused 424242\\*{6}4242`));
});

test('CVV, passwords and other secrets are redacted by key at any depth', () => {
  const { logger, raw, records } = capture();
  const input = {
    card: { number: PAN, cvc: '123', exp_month: 12, last4: '4242' },
    payment_method: { card: { details: { cvv2: '456', CardNumber: '5555555555554444', 'security-code': '789' } } },
    password: 'hunter2',
    client_secret: 'pi_1_secret_abc',
    stripeApiKey: 'sk_test_123',
    headers: { Authorization: 'Bearer sk_test_456', cookie: 'session=abc' },
    otp_code: '864213',
    verification_code: '112233',
  };
  logger.info(input, 'secrets everywhere');
  const output = raw();
  assertNoCardNumber(output);
  for (const secret of ['"123"', '"456"', '"789"', 'hunter2', 'pi_1_secret_abc', 'sk_test_123', 'sk_test_456', 'session=abc', '864213', '112233', '5555555555554444']) {
    assert.equal(output.includes(secret), false, `${secret} leaked`);
  }
  const [record] = records();
  assert.equal(record!.card.number, REDACTED);
  assert.equal(record!.card.cvc, REDACTED);
  assert.equal(record!.card.exp_month, 12, 'expiry and last4 may be shown');
  assert.equal(record!.card.last4, '4242');
  assert.equal(record!.payment_method.card.details.cvv2, REDACTED);
  assert.equal(record!.headers.Authorization, REDACTED);
  // The caller's object is untouched.
  assert.equal(input.card.cvc, '123');
});

test('codes that are not secrets stay readable', () => {
  const { logger, records } = capture();
  const error = Object.assign(new Error('declined'), { code: 'card_declined', decline_code: 'insufficient_funds' });
  logger.info(
    { err: error, error: { code: 'parameter_invalid', param: 'amount' }, mcc: '5734', currency: 'USD', created_at_ms: 1_767_225_600_000, idempotency_key: 'k1' },
    'rejected',
  );
  const [record] = records();
  assert.equal(record!.err.code, 'card_declined');
  assert.equal(record!.err.decline_code, 'insufficient_funds');
  assert.equal(record!.error.code, 'parameter_invalid');
  assert.equal(record!.mcc, '5734');
  assert.equal(record!.currency, 'USD');
  assert.equal(record!.created_at_ms, 1_767_225_600_000, 'epoch-millisecond timestamps are not card numbers');
  assert.equal(record!.idempotency_key, 'k1');
});

test('which keys count as sensitive', () => {
  const sensitive = ['pan', 'PAN', 'number', 'card_number', 'cardNumber', 'cvc', 'CVV', 'cvv2', 'password', 'db_password', 'secret', 'client_secret', 'token', 'access_token', 'api_key', 'apiKey', 'authorization', 'cookie', 'set-cookie', 'otp', 'one_time_code', 'sms_code', 'pin'];
  const plain = ['code', 'decline_code', 'error_code', 'currency', 'amount_minor', 'last4', 'exp_month', 'idempotency_key', 'api_key_id', 'tokens_used', 'phone'];
  for (const key of sensitive) assert.equal(isSensitiveKey(key), true, key);
  for (const key of plain) assert.equal(isSensitiveKey(key), false, key);
});

test('redaction copes with cycles, depth and odd values', () => {
  const cyclic: Record<string, unknown> = { name: 'a' };
  cyclic.self = cyclic;
  assert.deepEqual(redactKeys(cyclic), { name: 'a', self: '[Circular]' });
  let deep: Record<string, unknown> = { cvc: '1' };
  for (let i = 0; i < 20; i++) deep = { next: deep };
  assert.doesNotThrow(() => JSON.stringify(redactKeys(deep)));
  assert.deepEqual(redactKeys({ when: new Date(0), list: [null, 1, 'x'] }), { when: '1970-01-01T00:00:00.000Z', list: [null, 1, 'x'] });
});

test('the line scrubber leaves ordinary lines byte for byte and keeps JSON valid', () => {
  const ordinary = '{"level":"info","time":"2026-01-01T00:00:00.000Z","msg":"hello 123"}\n';
  assert.equal(scrubLogLine(ordinary), ordinary);
  const withPan = `{"msg":"x\\u0000${PAN}","n":1.4242424242424242}\n`;
  const scrubbed = scrubLogLine(withPan);
  assert.equal(JSON.parse(scrubbed).msg, `x\u0000${MASKED}`);
  assert.equal(JSON.parse(scrubbed).n, 1.4242424242424242, 'fractions are not card numbers');
  assert.ok(scrubbed.endsWith('\n'));
  assert.equal(scrubLogLine(`plain text ${PAN}\n`), `plain text ${MASKED}\n`);
});

test('errors anywhere in a record are written readably, secrets and all scrubbed', () => {
  const { logger, raw, records } = capture();
  const cause = Object.assign(new Error(`provider said ${PAN}`), { api_key: 'sk_live_9' });
  logger.warn({ attempt: { error: new Error('timeout', { cause }) } }, 'retrying');
  assertNoCardNumber(raw());
  assert.equal(raw().includes('sk_live_9'), false);
  const [record] = records();
  assert.equal(record!.attempt.error.type, 'Error');
  assert.equal(record!.attempt.error.message, `timeout: provider said ${MASKED}`, 'causes are folded in, as pino does');
  assert.match(record!.attempt.error.stack, /timeout/);
});
