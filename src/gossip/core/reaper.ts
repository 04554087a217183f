/**
 * Serf-style reaping (serf.go handleReap): a member failed for longer than `reconnectTimeout`, or
 * left for longer than `tombstoneTimeout`, is forgotten. Pure decisions only; Swim applies them.
 */
import type { SwimConfig } from './config.js';
import type { Member } from './types.js';

type ReapConfig = Pick<SwimConfig, 'reconnectTimeout' | 'tombstoneTimeout'>;

/** When `m` becomes reapable, or Infinity (alive/suspect, or its timeout is 0 = never reap). */
export function reapAt(m: Member, c: ReapConfig): number {
  const timeout = m.state === 'dead' ? c.reconnectTimeout : m.state === 'left' ? c.tombstoneTimeout : 0;
  return timeout > 0 ? m.stateChangeAt + timeout : Infinity;
}

/** Names of the members (never `self`) whose timeout has passed at `now`. */
export function membersToReap(members: Iterable<Member>, self: string, now: number, c: ReapConfig): string[] {
  const out: string[] = [];
  for (const m of members) if (m.name !== self && now > reapAt(m, c)) out.push(m.name);
  return out;
}

/** Earliest time any member (never `self`) becomes reapable, or Infinity. */
export function nextReapable(members: Iterable<Member>, self: string, c: ReapConfig): number {
  let t = Infinity;
  for (const m of members) if (m.name !== self) t = Math.min(t, reapAt(m, c));
  return t;
}
