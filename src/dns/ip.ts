import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses as the DNS layer needs them: bytes for comparison and for `.addr` hex names,
 * a text form the wire encoder accepts. Follows Go's net.ParseIP/To4 semantics, as Consul does:
 * an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is an IPv4 address, and an address with a zone
 * (fe80::1%eth0) is not an IP at all (so it is treated as a hostname).
 */
export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes. */
  bytes: readonly number[];
}

export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, bytes: text.split('.').map(Number) };
  if (text.includes('%') || !isIPv6(text)) return undefined;
  const bytes = ipv6Bytes(text);
  if (!bytes) return undefined;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
}

/** Expands an IPv6 text address (with `::` and an optional dotted IPv4 tail) into 16 bytes. */
function ipv6Bytes(text: string): number[] | undefined {
  let groups: string[];
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  let head = text;
  if (text.includes('.', lastColon)) {
    const v4 = text.slice(lastColon + 1);
    if (!isIPv4(v4)) return undefined;
    tail.push(...v4.split('.').map(Number));
    head = text.slice(0, lastColon + 1) + '0:0'; // placeholder groups, replaced by the tail below
  }
  const gap = head.indexOf('::');
  if (gap >= 0) {
    const left = head.slice(0, gap).split(':').filter((g) => g !== '');
    const right = head.slice(gap + 2).split(':').filter((g) => g !== '');
    const missing = 8 - left.length - right.length;
    if (missing < 0) return undefined;
    groups = [...left, ...new Array<string>(missing).fill('0'), ...right];
  } else {
    groups = head.split(':');
  }
  if (groups.length !== 8) return undefined;
  const bytes: number[] = [];
  for (const group of groups) {
    const value = parseInt(group, 16);
    if (!/^[0-9a-fA-F]{1,4}$/.test(group) || Number.isNaN(value)) return undefined;
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Text form for the wire encoder: dotted quad, or eight full hex groups (no `::`). */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return ip.bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bytes.every((byte, i) => byte === b.bytes[i]);
}

/** Hex of the address bytes, as in `<hex>.addr.<dc>.<domain>` (IPv6 fully expanded). */
export function ipToHex(ip: IpAddress): string {
  return ip.bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Inverse of ipToHex: exactly 8 or 32 hex digits, anything else is not an address. */
export function hexToIp(hex: string): IpAddress | undefined {
  if ((hex.length !== 8 && hex.length !== 32) || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return { family: hex.length === 8 ? 4 : 6, bytes };
}

/**
 * The address a reverse name stands for: `d.c.b.a.in-addr.arpa` (all four octets) or the 32
 * nibbles of `….ip6.arpa`. Partial (network) names are not addresses. `labels` are lower-case
 * and exclude the `in-addr.arpa` / `ip6.arpa` suffix.
 */
export function arpaToIp(labels: readonly string[], zone: 'in-addr' | 'ip6'): IpAddress | undefined {
  if (zone === 'in-addr') {
    if (labels.length !== 4 || !labels.every((l) => /^(0|[1-9][0-9]{0,2})$/.test(l) && Number(l) <= 255)) return undefined;
    return { family: 4, bytes: [...labels].reverse().map(Number) };
  }
  if (labels.length !== 32 || !labels.every((l) => /^[0-9a-f]$/.test(l))) return undefined;
  return hexToIp([...labels].reverse().join(''));
}
