import { Counter, Gauge, type Registry } from 'prom-client';
import type { IssuerLink, IssuerLinkStats } from './issuer-link.ts';

/**
 * The ISO 8583 issuer link on /metrics (Prometheus text), read from the
 * link's own counters at each scrape: the link keeps plain numbers and knows
 * nothing of Prometheus. Both ends run in this process, so each series says
 * which end counted it: `side="network"` (the network's client) or
 * `side="issuer"` (the issuer's server). Labels are MTIs and sides only —
 * a closed set, never an id or a value from a message. Nothing is registered
 * when the network calls its issuer in process: there is no link to watch.
 */
export function registerIssuerLinkMetrics(registry: Registry, link: IssuerLink, owedAdvicesPending: () => Promise<number>): void {
  if (link.mode !== 'iso8583') return;
  const registers = [registry];

  new Gauge({
    name: 'cardlane_issuer_link_connections_up',
    help: "The network's connections to the issuer over the ISO 8583 link that are up now.",
    registers,
    collect() {
      this.set(link.stats()?.network.connectionsUp ?? 0);
    },
  });
  new Gauge({
    name: 'cardlane_issuer_link_owed_advices',
    help: 'Advices (0120) the network still owes the issuer after stand-ins, waiting for the link (every process of the deployment).',
    registers,
    async collect() {
      this.set(await owedAdvicesPending());
    },
  });

  counter(registry, link, 'cardlane_issuer_link_reconnects_total', 'Times a connection of the network to the issuer came up again after it was lost.', [], (s) => [[{}, s.network.reconnects]]);
  counter(registry, link, 'cardlane_issuer_link_messages_sent_total', 'Frames written on the issuer link, by the end that wrote them and message type.', ['side', 'mti'], (s) => [
    ...byMti('network', s.network.sent),
    ...byMti('issuer', s.issuer.sent),
  ]);
  counter(registry, link, 'cardlane_issuer_link_messages_received_total', 'Frames read with a right MAC on the issuer link, by the end that read them and message type.', ['side', 'mti'], (s) => [
    ...byMti('network', s.network.received),
    ...byMti('issuer', s.issuer.received),
  ]);
  counter(registry, link, 'cardlane_issuer_link_mac_failures_total', 'Frames whose MAC was missing or wrong, by the end that refused them (each closed its connection).', ['side'], (s) => [
    [{ side: 'network' }, s.network.macFailures],
    [{ side: 'issuer' }, s.issuer.macFailures],
  ]);
  counter(registry, link, 'cardlane_issuer_link_idle_closes_total', 'Connections closed for silence: an echo unanswered (network) or no frame for the idle bound (issuer).', ['side'], (s) => [
    [{ side: 'network' }, s.network.idleCloses],
    [{ side: 'issuer' }, s.issuer.idleCloses],
  ]);
  counter(registry, link, 'cardlane_issuer_link_timeouts_total', "Calls to the issuer over the link that the network answered 91 in its stead because no answer came within the network's time-out.", [], (s) => [
    [{}, s.network.timeouts],
  ]);
}

type Series = ReadonlyArray<readonly [Record<string, string>, number]>;

/** A counter whose values are the link's own at the time of the scrape. */
function counter(registry: Registry, link: IssuerLink, name: string, help: string, labelNames: string[], series: (stats: IssuerLinkStats) => Series): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      const stats = link.stats();
      this.reset();
      if (stats === null) return;
      for (const [labels, value] of series(stats)) this.inc(labels, value);
    },
  });
}

function byMti(side: string, counts: Readonly<Record<string, number>>): Series {
  return Object.entries(counts).map(([mti, value]) => [{ side, mti }, value] as const);
}
