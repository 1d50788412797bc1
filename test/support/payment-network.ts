import { BinTable, defaultBinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import type { IssuerEndpoint } from '../../src/network/messages.ts';
import { createTestIssuers } from '../../src/network/test-issuers/create-test-issuers.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import type { LedgerFixture } from './ledger-fixture.ts';

/**
 * The real card network with the scripted test bank; Cardlane's own issuer
 * joins when the test passes it (its BIN is routed only then).
 */
export function testPaymentNetwork(f: LedgerFixture, cardlaneIssuer?: IssuerEndpoint): CardNetwork {
  const defaults = defaultBinTable();
  const bins = cardlaneIssuer ? defaults : new BinTable(defaults.entries.filter((entry) => entry.issuer !== 'cardlane'));
  const ids = new IdGenerator(f.clock, seededRandom(77));
  return new CardNetwork({
    db: f.db,
    clock: f.clock,
    ids,
    bins,
    issuers: [...createTestIssuers({ db: f.db, clock: f.clock, ids }), ...(cardlaneIssuer ? [cardlaneIssuer] : [])],
  });
}
