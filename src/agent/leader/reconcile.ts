import type { CatalogCommand } from '../../catalog/commands.js';
import type { CatalogReader } from '../../catalog/reader.js';
import type { MemberView } from '../../http/agent-port.js';
import { MEMBER_STATUS } from '../membership.js';

export const SERF_CHECK_ID = 'serfHealth';
const SERF_CHECK_NAME = 'Serf Health Status';

/**
 * The leader's view of one gossip member, turned into catalog state as Consul's leader does:
 * alive → node registered with a passing serfHealth check (servers also get the `consul`
 * service on their RPC port); failed → serfHealth critical; left or reaped → node deregistered. Returns
 * only the commands needed (none when the catalog already agrees).
 */
export function reconcileMember(
  member: MemberView,
  reader: CatalogReader,
  nodeId: string,
  options: { reaped?: boolean } = {},
): CatalogCommand[] {
  const existing = reader.node(member.Name);
  // Reaped (failed past reconnect_timeout, or left past the tombstone time): gone for good.
  if (member.Status === MEMBER_STATUS.left || options.reaped) {
    return existing ? [{ type: 'deregister', node: member.Name }] : [];
  }
  const alive = member.Status === MEMBER_STATUS.alive;
  const status = alive ? 'passing' : 'critical';
  const output = alive ? 'Agent alive and reachable' : 'Agent not live or unreachable';
  const check = reader.nodeChecks(member.Name).find((c) => c.CheckID === SERF_CHECK_ID);
  const isServer = member.Tags.role === 'consul';
  const hasConsulService = Boolean(reader.nodeServices(member.Name)?.Services.consul);
  if (existing && check?.Status === status && check.Output === output && hasConsulService === isServer) return [];

  const node = existing
    ? { ID: existing.ID, Node: existing.Node, Address: existing.Address, Datacenter: existing.Datacenter, TaggedAddresses: existing.TaggedAddresses, Meta: existing.Meta }
    : { ID: nodeId, Node: member.Name, Address: member.Addr, Datacenter: member.Tags.dc ?? '', TaggedAddresses: { lan: member.Addr, lan_ipv4: member.Addr, wan: member.Addr, wan_ipv4: member.Addr }, Meta: {} };
  const commands: CatalogCommand[] = [];
  const serverPort = Number(member.Tags.port ?? 8300);
  commands.push({
    type: 'register',
    node,
    ...(isServer
      ? {
          service: {
            Kind: '', ID: 'consul', Service: 'consul', Tags: [], Meta: { raft_version: '3', version: member.Tags.build?.split(':')[0] ?? '' },
            Port: serverPort, Address: '', SocketPath: '', TaggedAddresses: {}, Weights: { Passing: 1, Warning: 1 },
            EnableTagOverride: false, Datacenter: node.Datacenter,
          },
        }
      : {}),
    checks: [
      {
        CheckID: SERF_CHECK_ID, Name: SERF_CHECK_NAME, Status: status, Notes: '', Output: output, ServiceID: '',
        ServiceName: '', ServiceTags: [], Type: '', Interval: '', Timeout: '', ExposedPort: 0, Definition: {},
      },
    ],
  });
  return commands;
}
