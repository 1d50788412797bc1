import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTimeZone, readerTime, readerTimeZone, relativeTime } from '../../src/doctor/reader-time.ts';
import { AppError } from '../../src/platform/errors.ts';

// Times in the doctor's advice (a declined recharge's next attempt) are the
// reader's: their zone, and how far off — never raw UTC.

const NOW = Date.parse('2026-12-06T17:11:53.035Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

test('relative: about N minutes, hours, days — rounded to the unit a person would say', () => {
  assert.equal(relativeTime(NOW + 30_000, NOW, 'en'), 'now');
  assert.equal(relativeTime(NOW - HOUR, NOW, 'zh-CN'), '现在');
  assert.equal(relativeTime(NOW + 5 * MIN, NOW, 'en'), 'in about 5 minutes');
  assert.equal(relativeTime(NOW + HOUR - 10_000, NOW, 'zh-CN'), '约 1 小时后', '59 min 50 s is about an hour, not 60 minutes');
  assert.equal(relativeTime(NOW + HOUR, NOW, 'en'), 'in about 1 hour');
  assert.equal(relativeTime(NOW + 6 * HOUR + MIN, NOW, 'zh-CN'), '约 6 小时后');
  assert.equal(relativeTime(NOW + 48 * HOUR, NOW, 'en'), 'in about 2 days');
});

test("in the reader's zone: Beijing time for a Chinese reader, and the zone named", () => {
  assert.equal(readerTime(NOW + HOUR, NOW, 'zh-CN', readerTimeZone('zh-CN', undefined)), '12月7日 02:11（GMT+8，约 1 小时后）');
  assert.equal(readerTime(NOW + HOUR, NOW, 'en', readerTimeZone('en', undefined)), 'Dec 6, 18:11 (UTC, in about 1 hour)');
  assert.equal(readerTime(NOW + HOUR, NOW, 'en', readerTimeZone('en', 'Europe/Berlin')), 'Dec 6, 19:11 (GMT+1, in about 1 hour)');
  assert.doesNotMatch(readerTime(NOW + HOUR, NOW, 'zh-CN', 'Asia/Shanghai'), /T\d\d:|Z\b/);
});

test('a time zone that is not one is refused with 400 parameter_invalid on tz', () => {
  assert.equal(isTimeZone('Asia/Shanghai'), true);
  for (const bad of ['Mars/Olympus', '', 'x'.repeat(65), 'Asia/Shanghai; DROP']) {
    assert.equal(isTimeZone(bad), false, bad);
    assert.throws(() => readerTimeZone('en', bad), (e: unknown) => e instanceof AppError && e.code === 'parameter_invalid' && (e as AppError & { param?: string }).param === 'tz');
  }
});
