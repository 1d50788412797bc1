import { isIP } from 'node:net';

/**
 * Which addresses a webhook may be sent to. A webhook URL is chosen by a
 * merchant, and the acquirer POSTs to it from inside our network, with
 * retries and a delivery log: without this, any merchant could reach the
 * loopback interface, the cloud's metadata service (169.254.169.254,
 * fd00:ec2::254), or anything on the private network, and read ports' states
 * from which deliveries fail how (SSRF). So by default every address that is
 * not on the public internet is refused: checked once on the URL when an
 * endpoint is saved (for a clear error), and again on the address actually
 * connected to, at every delivery (webhook-http.ts), so a name that later
 * resolves to a private address (DNS rebinding) reaches nothing either.
 *
 * `webhooksAllowPrivateNetworks` (src/acquirer/config.ts) turns this off for
 * local development, where the receiver is on 127.0.0.1.
 */

export interface WebhookNetworkPolicy {
  /** Deliver to loopback, private and other non-public addresses too (local development only). */
  readonly allowPrivateNetworks: boolean;
}

/** What runs in production unless the operator says otherwise. */
export const PUBLIC_ADDRESSES_ONLY: WebhookNetworkPolicy = Object.freeze({ allowPrivateNetworks: false });

interface Range4 {
  readonly base: number;
  readonly bits: number;
  readonly name: string;
}

const IPV4_REFUSED: readonly Range4[] = [
  range4('0.0.0.0', 8, 'an unspecified ("this network") address'),
  range4('10.0.0.0', 8, 'a private address'),
  range4('100.64.0.0', 10, 'a carrier-grade NAT address'),
  range4('127.0.0.0', 8, 'a loopback address'),
  range4('169.254.0.0', 16, 'a link-local address (where cloud metadata services answer)'),
  range4('172.16.0.0', 12, 'a private address'),
  range4('192.0.0.0', 24, 'an IETF protocol address'),
  range4('192.0.2.0', 24, 'a documentation address'),
  range4('192.168.0.0', 16, 'a private address'),
  range4('198.18.0.0', 15, 'a benchmarking address'),
  range4('198.51.100.0', 24, 'a documentation address'),
  range4('203.0.113.0', 24, 'a documentation address'),
  range4('224.0.0.0', 4, 'a multicast address'),
  range4('240.0.0.0', 4, 'a reserved or broadcast address'),
];

/**
 * Why `address` (an IP literal, v4 or v6) may not receive webhooks, or null
 * when it is a public address. IPv6 forms that carry an IPv4 address
 * (mapped, compatible, NAT64, 6to4) are judged by that address.
 */
export function refusedAddressReason(address: string): string | null {
  const kind = isIP(address);
  if (kind === 4) return refused4(parse4(address)!);
  if (kind !== 6) return 'not an IP address';
  const bytes = parse6(address);
  if (bytes === null) return 'not an IP address';
  return refused6(bytes);
}

/**
 * Why the host of a webhook URL is refused before anything is resolved: an
 * IP literal in a refused range, or a name that always means this machine.
 * Other names are checked when they resolve, at each delivery.
 * `hostname` is as WHATWG's URL parser leaves it: lower-case, IPv4 in
 * dotted decimal (0x7f000001, 2130706433 and 0177.0.0.1 all become
 * 127.0.0.1), IPv6 in brackets.
 */
export function refusedHostReason(hostname: string): string | null {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname.replace(/\.$/, '');
  if (isIP(host) !== 0) return refusedAddressReason(host);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'a name for this machine';
  if (host === '') return 'an empty host';
  return null;
}

function range4(base: string, bits: number, name: string): Range4 {
  return { base: parse4(base)!, bits, name };
}

function parse4(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function refused4(value: number): string | null {
  for (const range of IPV4_REFUSED) {
    const size = 2 ** (32 - range.bits);
    if (Math.floor(value / size) === Math.floor(range.base / size)) return range.name;
  }
  return null;
}

/** 16 bytes, or null; accepts `::`, a zone (`%eth0`, dropped) and a trailing dotted IPv4. */
function parse6(text: string): number[] | null {
  const address = text.replace(/%.*$/, '');
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (const [index, part] of parts.entries()) {
      if (index === parts.length - 1 && part.includes('.')) {
        const v4 = parse4(part);
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65_536), v4 % 65_536);
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const words = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

function refused6(bytes: readonly number[]): string | null {
  const startsWith = (prefix: readonly number[]) => prefix.every((byte, i) => bytes[i] === byte);
  const v4At = (offset: number) => ((bytes[offset]! * 256 + bytes[offset + 1]!) * 256 + bytes[offset + 2]!) * 256 + bytes[offset + 3]!;
  const zeros = (count: number) => new Array<number>(count).fill(0);
  if (bytes.every((byte) => byte === 0)) return 'an unspecified address';
  if (startsWith(zeros(15)) && bytes[15] === 1) return 'a loopback address';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) reach the IPv4 address they carry.
  if (startsWith([...zeros(10), 0xff, 0xff]) || startsWith(zeros(12))) return refused4(v4At(12));
  // 64:ff9b::/96 (NAT64) translates to the IPv4 address in its last 32 bits; 64:ff9b:1::/48 is for local use.
  if (startsWith([0x00, 0x64, 0xff, 0x9b, ...zeros(8)])) return refused4(v4At(12));
  if (startsWith([0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return 'a local-use NAT64 address';
  // 2002::/16 (6to4) tunnels to the IPv4 address in bytes 2–5.
  if (startsWith([0x20, 0x02])) return refused4(v4At(2));
  // Teredo (2001::/32) hides an IPv4 address; nobody needs it for a webhook.
  if (startsWith([0x20, 0x01, 0x00, 0x00])) return 'a Teredo tunnel address';
  if (startsWith([0x20, 0x01, 0x0d, 0xb8])) return 'a documentation address';
  if (startsWith([0x01, 0x00, ...zeros(6)])) return 'a discard-only address';
  const first = bytes[0]!;
  const second = bytes[1]!;
  if ((first & 0xfe) === 0xfc) return 'a unique-local (private) address, where some cloud metadata services answer';
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'a link-local address';
  if (first === 0xfe && (second & 0xc0) === 0xc0) return 'a site-local address';
  if (first === 0xff) return 'a multicast address';
  return null;
}
