import type { MemberView } from '../../http/agent-port.js';
import { MEMBER_STATUS } from '../membership.js';

/** A Raft server as gossip shows it (role=consul members of our datacenter). */
export interface ServerMember {
  readonly id: string;
  readonly name: string;
  /** Server RPC address, `ip:port`. */
  readonly address: string;
  readonly status: number;
  /** bootstrap_expect it advertises (0 when none). */
  readonly expect: number;
  readonly bootstrap: boolean;
}

/** The servers of `datacenter` among gossip members, read from their tags as Consul does. */
export function serverMembers(members: readonly MemberView[], datacenter: string): ServerMember[] {
  const out: ServerMember[] = [];
  for (const m of members) {
    if (m.Tags.role !== 'consul' || m.Tags.dc !== datacenter || !m.Tags.id) continue;
    out.push({
      id: m.Tags.id,
      name: m.Name,
      address: `${m.Addr.includes(':') ? `[${m.Addr}]` : m.Addr}:${Number(m.Tags.port ?? 8300)}`,
      status: m.Status,
      expect: Number(m.Tags.expect ?? 0),
      bootstrap: m.Tags.bootstrap === '1',
    });
  }
  return out;
}

export const isAlive = (server: ServerMember): boolean => server.status === MEMBER_STATUS.alive;
