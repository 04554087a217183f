import type { CheckInput, NodeInput, ServiceInput } from '../catalog/commands.js';
import type { CheckDefinition, ServiceDefinition } from '../shared/definitions.js';
import type { LocalCheck } from './local-state.js';

/** The identity this agent registers its node under. */
export interface NodeIdentity {
  id: string;
  name: string;
  address: string;
  datacenter: string;
  meta: Record<string, string>;
}

export function nodeRow(node: NodeIdentity): NodeInput {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, lan_ipv4: node.address, wan: node.address, wan_ipv4: node.address },
    Meta: { ...node.meta },
  };
}

export function serviceRow(service: ServiceDefinition, datacenter: string): ServiceInput {
  return {
    Kind: service.Kind,
    ID: service.ID,
    Service: service.Name,
    Tags: [...service.Tags],
    Meta: { ...service.Meta },
    Port: service.Port,
    Address: service.Address,
    SocketPath: service.SocketPath,
    TaggedAddresses: { ...service.TaggedAddresses },
    Weights: { ...service.Weights },
    EnableTagOverride: service.EnableTagOverride,
    Datacenter: datacenter,
  };
}

function definitionOf(check: CheckDefinition): CheckInput['Definition'] {
  const out: CheckInput['Definition'] = {};
  if (check.HTTP) out.HTTP = check.HTTP;
  if (check.TCP) out.TCP = check.TCP;
  if (check.TTL) out.TTL = check.TTL;
  if (check.Interval) out.Interval = check.Interval;
  if (check.Timeout) out.Timeout = check.Timeout;
  if (check.DeregisterCriticalServiceAfter) out.DeregisterCriticalServiceAfter = check.DeregisterCriticalServiceAfter;
  return out;
}

/** ServiceName/ServiceTags are filled in by the FSM from the service row, so they stay true. */
export function checkRow(check: LocalCheck): CheckInput {
  const d = check.definition;
  return {
    CheckID: d.CheckID,
    Name: d.Name,
    Status: check.status,
    Notes: d.Notes,
    Output: check.output,
    ServiceID: d.ServiceID,
    ServiceName: '',
    ServiceTags: [],
    Type: d.Kind,
    Interval: d.Interval,
    Timeout: d.Timeout,
    ExposedPort: 0,
    Definition: definitionOf(d),
  };
}
