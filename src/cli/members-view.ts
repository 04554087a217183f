import type { Member } from '../client/types.js';
import { formatPairs } from './table.js';

/** serf's MemberStatus numbers, as `/v1/agent/members` reports them. */
const STATUS_NAMES = ['none', 'alive', 'leaving', 'left', 'failed'] as const;

export function memberStatus(status: number): string {
  return STATUS_NAMES[status] ?? 'unknown';
}

const isServer = (m: Member): boolean => m.Tags.role === 'consul';
const partitionOf = (m: Member): string => m.Tags.ap || 'default';
const segmentOf = (m: Member): string => m.Tags.segment ?? '';
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The members whose status name matches `status`, ordered as Consul orders them: servers
 * first, then by partition, segment and name.
 */
export function selectMembers(members: readonly Member[], status: RegExp): Member[] {
  return members
    .filter((m) => status.test(memberStatus(m.Status)))
    .sort(
      (a, b) =>
        Number(isServer(b)) - Number(isServer(a)) ||
        cmp(partitionOf(a), partitionOf(b)) ||
        cmp(segmentOf(a), segmentOf(b)) ||
        cmp(a.Name, b.Name),
    );
}

/** `ip:port`, with IPv6 addresses in brackets like Go's net.TCPAddr. */
export function memberAddress(m: Member): string {
  return m.Addr.includes(':') ? `[${m.Addr}]:${m.Port}` : `${m.Addr}:${m.Port}`;
}

export const STANDARD_HEADER = ['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC', 'Partition', 'Segment'];
export const DETAILED_HEADER = ['Node', 'Address', 'Status', 'Tags'];

export function standardRow(m: Member): string[] {
  const role = m.Tags.role;
  const type = role === 'consul' ? 'server' : role === 'node' ? 'client' : 'unknown';
  // The build tag is `version:revision`; people want the version.
  const build = (m.Tags.build ?? '').split(':')[0] || '-';
  // Servers serve every segment; clients belong to one (Consul prints these placeholders).
  const segment = type === 'server' ? '<all>' : m.Tags.segment || '<default>';
  return [m.Name, memberAddress(m), memberStatus(m.Status), type, build, m.Tags.vsn ?? '', m.Tags.dc ?? '', partitionOf(m), segment];
}

export function detailedRow(m: Member): string[] {
  return [m.Name, memberAddress(m), memberStatus(m.Status), formatPairs(m.Tags)];
}
