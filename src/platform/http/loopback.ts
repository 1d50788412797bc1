import { isIP } from 'node:net';

/**
 * True when a listening address is reachable only from this machine:
 * 127.0.0.0/8, ::1, or IPv4 loopback written as IPv6 (::ffff:127.x.x.x).
 * A wildcard (0.0.0.0, ::) and every other address are reachable from the
 * network; a name that is not an IP address counts as reachable (it may
 * resolve to anything).
 */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const family = isIP(bare);
  if (family === 4) return bare.startsWith('127.');
  if (family === 6) return bare === '::1' || /^(0{0,4}:){0,5}:?ffff:127\./.test(bare) || /^(0{1,4}:){7}0{0,3}1$/.test(bare);
  return false;
}
