// Builds real catalogs for tests: the real store, FSM and -dev command log, filled by commands.
import { CatalogFsm } from '../../src/catalog/fsm.js';
import { LocalCommandLog } from '../../src/catalog/local-log.js';
import { StateStore } from '../../src/catalog/store.js';
import type { CheckInput, NodeInput, ServiceInput } from '../../src/catalog/commands.js';
import type { HealthStatus } from '../../src/catalog/types.js';

export function newCatalog(selfAddress = '127.0.0.1:8300') {
  const store = new StateStore();
  const fsm = new CatalogFsm(store);
  const log = new LocalCommandLog(fsm, selfAddress);
  return { store, fsm, log };
}

export function nodeInput(name: string, address: string, meta: Record<string, string> = {}): NodeInput {
  return { ID: `00000000-0000-4000-8000-${name.padEnd(12, '0').slice(0, 12).replace(/[^0-9a-f]/g, '0')}`, Node: name, Address: address, Datacenter: 'dc1', TaggedAddresses: {}, Meta: meta };
}

export function serviceInput(fields: Partial<ServiceInput> & { Service: string }): ServiceInput {
  return {
    Kind: '',
    ID: fields.Service,
    Tags: [],
    Meta: {},
    Port: 0,
    Address: '',
    SocketPath: '',
    TaggedAddresses: {},
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Datacenter: 'dc1',
    ...fields,
  };
}

export function checkInput(fields: Partial<CheckInput> & { CheckID: string; Status: HealthStatus }): CheckInput {
  return {
    Name: fields.CheckID,
    Notes: '',
    Output: '',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: 'ttl',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    ...fields,
  };
}
