import type { AgentConfig } from '../config/types.js';
import type { AgentSelfView, MemberView } from '../http/agent-port.js';
import { VERSION } from '../shared/version.js';

/** `/v1/agent/self` as Consul shapes it: the fields Consul's clients and `roster info` read. */
export function selfView(
  config: AgentConfig,
  nodeId: string,
  member: MemberView,
  stats: { services: number; checks: number; leader: boolean; lastIndex: number },
): AgentSelfView {
  return {
    Config: {
      Datacenter: config.datacenter,
      PrimaryDatacenter: config.datacenter,
      NodeName: config.nodeName,
      NodeID: nodeId,
      Server: config.server,
      Revision: 'roster',
      Version: VERSION,
    },
    DebugConfig: {
      Datacenter: config.datacenter,
      NodeName: config.nodeName,
      DNSDomain: config.domain,
      DevMode: config.dev,
      ServerMode: config.server,
      ClientAddrs: [config.clientAddr],
      BindAddr: config.bindAddr,
      AdvertiseAddrLAN: config.advertiseAddr,
      DataDir: config.dataDir,
      HTTPPort: config.ports.http,
      DNSPort: config.ports.dns,
      SerfPortLAN: config.ports.serfLan,
      SerfPortWAN: config.ports.serfWan,
      ServerPort: config.ports.server,
    },
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: member,
    Stats: {
      agent: { services: String(stats.services), checks: String(stats.checks), check_monitors: String(stats.checks) },
      build: { version: VERSION, revision: 'roster', prerelease: '' },
      consul: {
        server: String(config.server),
        leader: String(stats.leader),
        bootstrap: String(config.bootstrap),
        known_datacenters: '1',
      },
      raft: { state: stats.leader ? 'Leader' : 'Follower', last_log_index: String(stats.lastIndex), num_peers: '0' },
      runtime: { version: process.version, os: process.platform, arch: process.arch },
    },
    Meta: { ...config.nodeMeta },
  };
}
