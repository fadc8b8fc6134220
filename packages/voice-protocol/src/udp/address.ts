/**
 * Checks on the UDP address a server hands out in Ready (docs/protocol.md, Ready): a port in 1–65535 and a host
 * a unicast socket can connect to — an IPv4 or IPv6 literal that is not unspecified, broadcast or multicast, or
 * a DNS name. A reason when it is not, so a bad Ready becomes a clear error instead of a socket exception.
 */
import { fail, ok, type DecodeResult } from '../result.js';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

export function isIpv4(host: string): boolean {
  return IPV4.test(host);
}

/** A loose IPv6 literal check (hex groups, one `::`, an optional trailing IPv4 and zone), enough to tell it from a name. */
export function isIpv6(host: string): boolean {
  if (!host.includes(':') || host.length > 45) return false;
  const h = host.split('%')[0] as string;
  if (!/^[0-9a-f:.]+$/i.test(h)) return false;
  const doubles = h.split('::').length - 1;
  if (doubles > 1) return false;
  const parts = h.split(':');
  let groups = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (p === '') continue;
    if (i === parts.length - 1 && isIpv4(p)) groups += 2;
    else if (/^[0-9a-f]{1,4}$/i.test(p)) groups += 1;
    else return false;
  }
  return doubles === 1 ? groups <= 7 : groups === 8;
}

export function checkUdpEndpoint(host: unknown, port: unknown): DecodeResult<{ host: string; port: number }> {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return fail(`UDP port ${String(port).slice(0, 20)} is outside 1–65535`);
  if (typeof host !== 'string' || host.length === 0) return fail('the UDP address is empty');
  if (isIpv4(host)) {
    const first = Number(host.split('.')[0]);
    if (host === '0.0.0.0') return fail('the UDP address 0.0.0.0 is unspecified');
    if (host === '255.255.255.255') return fail('the UDP address 255.255.255.255 is the broadcast address');
    if (first >= 224 && first <= 239) return fail(`the UDP address ${host} is multicast`);
    if (first >= 240) return fail(`the UDP address ${host} is reserved`);
    return ok({ host, port });
  }
  if (isIpv6(host)) {
    const h = host.toLowerCase();
    if (/^[0:]+$/.test(h)) return fail('the UDP address :: is unspecified');
    if (h.startsWith('ff')) return fail(`the UDP address ${host} is multicast`);
    return ok({ host, port });
  }
  if (HOSTNAME.test(host)) return ok({ host, port });
  return fail(`the UDP address "${host.length > 60 ? `${host.slice(0, 60)}…` : host}" is neither an IP address nor a host name`);
}

/** True for hosts that never leave the machine: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIpv4(h) && h.startsWith('127.'));
}
