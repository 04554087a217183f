import type { MemberView } from '../http/agent-port.js';
import { VERSION } from '../shared/version.js';

export const MEMBER_STATUS = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;

/** What this agent's gossip tags are made of. */
export interface SelfMemberInfo {
  serverPort: number;
  datacenter: string;
  nodeId: string;
  server: boolean;
  bootstrap: boolean;
  bootstrapExpect: number;
}

/**
 * The gossip tags this agent advertises, as Consul's: servers are role=consul with their RPC
 * port, clients role=node. Other agents find servers by these tags.
 */
export function selfTags(info: SelfMemberInfo): Record<string, string> {
  const tags: Record<string, string> = {
    role: info.server ? 'consul' : 'node',
    dc: info.datacenter,
    id: info.nodeId,
    segment: '',
    vsn: '2',
    vsn_min: '2',
    vsn_max: '3',
    build: `${VERSION}:roster`,
  };
  if (info.server) {
    tags.port = String(info.serverPort);
    tags.raft_vsn = '3';
    if (info.bootstrap) tags.bootstrap = '1';
    if (info.bootstrapExpect > 0) tags.expect = String(info.bootstrapExpect);
  }
  return tags;
}

/** Gossip member states as serf reports them: a suspect is still alive until declared dead. */
const STATUS_OF_STATE = { alive: MEMBER_STATUS.alive, suspect: MEMBER_STATUS.alive, dead: MEMBER_STATUS.failed, left: MEMBER_STATUS.left } as const;

/** A gossip pool member in `/v1/agent/members` shape (Addr is the IP, Port the gossip port). */
export function memberView(member: { name: string; addr: string; state: keyof typeof STATUS_OF_STATE; meta: Record<string, string> }): MemberView {
  const cut = member.addr.lastIndexOf(':');
  return {
    Name: member.name,
    Addr: member.addr.slice(0, cut).replace(/^\[|\]$/g, ''),
    Port: Number(member.addr.slice(cut + 1)),
    Tags: { ...member.meta },
    Status: STATUS_OF_STATE[member.state],
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}
