import { BinTable, defaultBinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import type { FollowUpResponse, IssuerEndpoint } from '../../src/network/messages.ts';
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

/**
 * The first clearing reaches the issuer (which clears it), but its answer is
 * lost: the acquirer hears 91, as after the network's time-out. Later
 * clearings get their real answers.
 */
export function firstClearingAnswerLost(n: CardNetwork): void {
  const clear = n.clear.bind(n);
  let lost = 1;
  n.clear = async (r) => {
    const answer = await clear(r);
    if (lost-- <= 0) return answer;
    return { type: 'follow_up_response', id: r.id, originalId: r.originalId, responseCode: '91', reason: 'issuer_unavailable', amount: { minor: 0, currency: r.amount.currency }, decidedBy: 'network' } satisfies FollowUpResponse;
  };
}
