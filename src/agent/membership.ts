import type { MemberView } from '../http/agent-port.js';
import { VERSION } from '../shared/version.js';

export const MEMBER_STATUS = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;

export interface SelfMemberInfo {
  name: string;
  address: string;
  serfPort: number;
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

export function selfMember(info: SelfMemberInfo, status: number = MEMBER_STATUS.alive): MemberView {
  return {
    Name: info.name,
    Addr: info.address,
    Port: info.serfPort,
    Tags: selfTags(info),
    Status: status,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}
