import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCardlaneConfig } from '../../src/app/config.ts';
import { ConfigError } from '../../src/platform/config.ts';

// `network.issuerLink`: how the card network reaches Cardlane's issuer (in process, or ISO 8583 over TCP), and the
// port of the issuer's server — from the config file, CARDLANE_NETWORK_ISSUER_LINK[_PORT], or `cardlane up`'s
// --issuer-link and --issuer-link-port, in that order of precedence.

const cwd = mkdtempSync(join(tmpdir(), 'cardlane-issuer-link-config-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const flags = (issuerLink?: string, issuerLinkPort?: string) => ({ sectionFlags: { '--issuer-link': issuerLink, '--issuer-link-port': issuerLinkPort } });

test('in process on any port by default; the file, then the environment, then the flags decide', () => {
  assert.deepEqual(loadCardlaneConfig({ cwd, env: {} }).network, { issuerLink: 'in-process', issuerLinkPort: 0 });
  const file = join(cwd, 'cardlane.json');
  writeFileSync(file, JSON.stringify({ network: { issuerLink: 'iso8583', issuerLinkPort: 4401 } }));
  assert.deepEqual(loadCardlaneConfig({ cwd, env: { CARDLANE_CONFIG: file } }).network, { issuerLink: 'iso8583', issuerLinkPort: 4401 });
  const env = { CARDLANE_CONFIG: file, CARDLANE_NETWORK_ISSUER_LINK: 'in-process', CARDLANE_NETWORK_ISSUER_LINK_PORT: '4402' };
  assert.deepEqual(loadCardlaneConfig({ cwd, env }).network, { issuerLink: 'in-process', issuerLinkPort: 4402 });
  assert.deepEqual(loadCardlaneConfig({ cwd, env, flags: flags('iso8583', '4403') }).network, { issuerLink: 'iso8583', issuerLinkPort: 4403 });
  assert.deepEqual(loadCardlaneConfig({ cwd, env, flags: flags('iso8583') }).network, { issuerLink: 'iso8583', issuerLinkPort: 4402 }, 'a flag left out leaves the environment');
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
});
