import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCardlaneConfig } from '../../src/app/config.ts';
import { ConfigError } from '../../src/platform/config.ts';

// `network.issuerLink`: how the card network reaches Cardlane's issuer (in process, or ISO 8583 over TCP), and the
// port of the issuer's server — from the config file, CARDLANE_NETWORK_ISSUER_LINK[_PORT], or `cardlane up`'s
// --issuer-link and --issuer-link-port, in that order of precedence. What keeps the link alive (the network's echo
// after a quiet interval, its answer's time-out, the server's bound on a silent connection) from the file or the
// environment.

const cwd = mkdtempSync(join(tmpdir(), 'cardlane-issuer-link-config-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const flags = (issuerLink?: string, issuerLinkPort?: string) => ({ sectionFlags: { '--issuer-link': issuerLink, '--issuer-link-port': issuerLinkPort } });

/** The link's keep-alive settings by default: an echo after 30 s of quiet, 10 s for its answer, 90 s of silence closes. */
const KEEP_ALIVE = { issuerLinkEchoIntervalMs: 30_000, issuerLinkEchoTimeoutMs: 10_000, issuerLinkIdleTimeoutMs: 90_000 };

test('in process on any port by default; the file, then the environment, then the flags decide', () => {
  assert.deepEqual(loadCardlaneConfig({ cwd, env: {} }).network, { issuerLink: 'in-process', issuerLinkPort: 0, ...KEEP_ALIVE });
  const file = join(cwd, 'cardlane.json');
  writeFileSync(file, JSON.stringify({ network: { issuerLink: 'iso8583', issuerLinkPort: 4401 } }));
  assert.deepEqual(loadCardlaneConfig({ cwd, env: { CARDLANE_CONFIG: file } }).network, { issuerLink: 'iso8583', issuerLinkPort: 4401, ...KEEP_ALIVE });
  const env = { CARDLANE_CONFIG: file, CARDLANE_NETWORK_ISSUER_LINK: 'in-process', CARDLANE_NETWORK_ISSUER_LINK_PORT: '4402' };
  assert.deepEqual(loadCardlaneConfig({ cwd, env }).network, { issuerLink: 'in-process', issuerLinkPort: 4402, ...KEEP_ALIVE });
  assert.deepEqual(loadCardlaneConfig({ cwd, env, flags: flags('iso8583', '4403') }).network, { issuerLink: 'iso8583', issuerLinkPort: 4403, ...KEEP_ALIVE });
  assert.deepEqual(loadCardlaneConfig({ cwd, env, flags: flags('iso8583') }).network, { issuerLink: 'iso8583', issuerLinkPort: 4402, ...KEEP_ALIVE }, 'a flag left out leaves the environment');
});

test('what keeps the link alive is set in the file or the environment, and the server never closes what the network keeps alive', () => {
  const file = join(cwd, 'keep-alive.json');
  writeFileSync(file, JSON.stringify({ network: { issuerLinkEchoIntervalMs: 5_000, issuerLinkEchoTimeoutMs: 2_000, issuerLinkIdleTimeoutMs: 15_000 } }));
  assert.deepEqual(loadCardlaneConfig({ cwd, env: { CARDLANE_CONFIG: file } }).network, {
    issuerLink: 'in-process',
    issuerLinkPort: 0,
    issuerLinkEchoIntervalMs: 5_000,
    issuerLinkEchoTimeoutMs: 2_000,
    issuerLinkIdleTimeoutMs: 15_000,
  });
  const env = {
    CARDLANE_CONFIG: file,
    CARDLANE_NETWORK_ISSUER_LINK_ECHO_INTERVAL_MS: '1000',
    CARDLANE_NETWORK_ISSUER_LINK_ECHO_TIMEOUT_MS: '500',
    CARDLANE_NETWORK_ISSUER_LINK_IDLE_TIMEOUT_MS: '3000',
  };
  assert.deepEqual(loadCardlaneConfig({ cwd, env }).network, {
    issuerLink: 'in-process',
    issuerLinkPort: 0,
    issuerLinkEchoIntervalMs: 1_000,
    issuerLinkEchoTimeoutMs: 500,
    issuerLinkIdleTimeoutMs: 3_000,
  });
  assert.throws(
    () => loadCardlaneConfig({ cwd, env: { CARDLANE_NETWORK_ISSUER_LINK_ECHO_INTERVAL_MS: '60000' } }),
    (error: unknown) => error instanceof ConfigError && error.field === 'network.issuerLinkIdleTimeoutMs' && /at least twice network\.issuerLinkEchoIntervalMs/.test(error.message),
    'an idle bound under two echo intervals would close live connections',
  );
});

test('a wrong value is refused, naming the setting and where it came from', () => {
  const refused = (input: Parameters<typeof loadCardlaneConfig>[0], field: string, source: RegExp, message: RegExp) =>
    assert.throws(
      () => loadCardlaneConfig({ cwd, env: {}, ...input }),
      (error: unknown) => error instanceof ConfigError && error.field === field && source.test(error.source) && message.test(error.message),
    );
  refused({ flags: flags('tcp') }, 'network.issuerLink', /^--issuer-link$/, /must be one of in-process, iso8583; got "tcp"/);
  refused({ flags: flags(undefined, '70000') }, 'network.issuerLinkPort', /^--issuer-link-port$/, /from 0 to 65535/);
  refused({ env: { CARDLANE_NETWORK_ISSUER_LINK_PORT: 'http' } }, 'network.issuerLinkPort', /^CARDLANE_NETWORK_ISSUER_LINK_PORT$/, /port/);
  refused({ env: { CARDLANE_NETWORK_ISSUER_LINK_ECHO_INTERVAL_MS: '10' } }, 'network.issuerLinkEchoIntervalMs', /^CARDLANE_NETWORK_ISSUER_LINK_ECHO_INTERVAL_MS$/, /milliseconds from 100 to 600000/);
  refused({ env: { CARDLANE_NETWORK_ISSUER_LINK_IDLE_TIMEOUT_MS: 'soon' } }, 'network.issuerLinkIdleTimeoutMs', /^CARDLANE_NETWORK_ISSUER_LINK_IDLE_TIMEOUT_MS$/, /milliseconds/);
});
