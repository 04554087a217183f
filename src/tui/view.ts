/**
 * Pure helpers that turn the monitor's data into what the panes show: roles, colours, sorting,
 * filtering, the visible window of a long list, times.
 */
import type { LocalMember, LocalMemberStatus, RaftView } from '../rpc/local-api-codec.js';

export type Role = 'leader' | 'server' | 'client';
export type SortKey = 'role' | 'name' | 'status' | 'address' | 'dc' | 'since';
export const SORT_KEYS: readonly SortKey[] = ['role', 'name', 'status', 'address', 'dc', 'since'];

export const STATUS_COLOR: Record<LocalMemberStatus, string> = { alive: 'green', suspect: 'yellow', failed: 'red', left: 'gray' };
export const CHECK_COLOR: Record<string, string> = { passing: 'green', warning: 'yellow', critical: 'red', maintenance: 'blue' };

export const isServer = (m: LocalMember): boolean => m.tags.role === 'consul';

/** Leader: the member whose gossip `id` tag is the Raft leader's ID (or whose name the raft view gives). */
export function memberRole(m: LocalMember, raft: RaftView | null): Role {
  if (!isServer(m)) return 'client';
  if (raft && raft.leaderId !== '' && (m.tags.id === raft.leaderId || (raft.leaderName !== '' && m.name === raft.leaderName))) return 'leader';
  return 'server';
}

/** `1.2.0` from the build tag `1.2.0:roster`. */
export const buildOf = (m: LocalMember): string => (m.tags.build ?? '').split(':')[0] || '-';

/** Problems first when sorting by status. */
const STATUS_RANK: Record<LocalMemberStatus, number> = { failed: 0, suspect: 1, left: 2, alive: 3 };
const ROLE_RANK: Record<Role, number> = { leader: 0, server: 1, client: 2 };
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function ipKey(addr: string): string {
  const parts = addr.split('.');
  return parts.length === 4 && parts.every((p) => /^\d+$/.test(p)) ? parts.map((p) => p.padStart(3, '0')).join('.') : addr;
}

export function sortMembers(members: Iterable<LocalMember>, key: SortKey, raft: RaftView | null, reverse = false): LocalMember[] {
  const list = [...members];
  const byName = (a: LocalMember, b: LocalMember) => cmp(a.name, b.name);
  const compare: Record<SortKey, (a: LocalMember, b: LocalMember) => number> = {
    role: (a, b) => ROLE_RANK[memberRole(a, raft)] - ROLE_RANK[memberRole(b, raft)] || byName(a, b),
    name: byName,
    status: (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || byName(a, b),
    address: (a, b) => cmp(ipKey(a.addr), ipKey(b.addr)) || a.port - b.port || byName(a, b),
    dc: (a, b) => cmp(a.tags.dc ?? '', b.tags.dc ?? '') || byName(a, b),
    since: (a, b) => b.since - a.since || byName(a, b),
  };
  list.sort(compare[key]);
  if (reverse) list.reverse();
  return list;
}

/**
 * Members matching a filter: every word must match the name, the address, the status, the role,
 * or a tag as `key=value` (substrings, case-insensitive). `role=consul`, `dc1`, `fail` all work.
 */
export function filterMembers(members: readonly LocalMember[], filter: string, raft: RaftView | null): LocalMember[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...members];
  return members.filter((m) => {
    const hay = [m.name, m.addr, m.status, memberRole(m, raft), ...Object.entries(m.tags).map(([k, v]) => `${k}=${v}`)].join('\n').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/**
 * The first row to show so that `selected` is visible in a window of `height` rows, moving the
 * window as little as possible from `top`. Only rows [start, start+height) are rendered.
 */
export function visibleWindow(total: number, selected: number, height: number, top: number): { start: number; end: number } {
  const h = Math.max(1, height);
  let start = Math.min(Math.max(0, top), Math.max(0, total - h));
  if (selected < start) start = selected;
  else if (selected >= start + h) start = selected - h + 1;
  start = Math.max(0, Math.min(start, Math.max(0, total - h)));
  return { start, end: Math.min(total, start + h) };
}

export function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** `3s`, `4m`, `2h`, `5d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `HH:MM:SS` in local time. */
export function formatClock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Fixed-width cell: cut with an ellipsis, or padded. */
export function cell(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return text.padEnd(width);
}

export function countStatuses(members: Iterable<LocalMember>): Record<LocalMemberStatus, number> {
  const counts: Record<LocalMemberStatus, number> = { alive: 0, suspect: 0, failed: 0, left: 0 };
  for (const m of members) counts[m.status]++;
  return counts;
}
