import { CatalogFsm } from '../catalog/fsm.js';
import { StateStore } from '../catalog/store.js';
import type { NodeServices, ServiceHealthEntry } from '../catalog/types.js';
import type { CatalogReader } from '../catalog/reader.js';

/**
 * Another datacenter's catalog as DNS needs it (`web.service.dc2.consul`), fetched through the
 * WAN router: the agent passes one in; DNS never imports the agent. An error whose `reason` is
 * `unknown` means no such datacenter (NXDOMAIN); anything else means it cannot be reached now
 * (SERVFAIL).
 */
export interface RemoteCatalog {
  isRemote(datacenter: string | undefined): boolean;
  serviceHealth(datacenter: string, service: string, options: { passingOnly?: boolean }): Promise<ServiceHealthEntry[]>;
  nodeServices(datacenter: string, node: string): Promise<NodeServices | null>;
}

const withoutIndexes = <T extends { CreateIndex: number; ModifyIndex: number }>(row: T): Omit<T, 'CreateIndex' | 'ModifyIndex'> => {
  const { CreateIndex: _c, ModifyIndex: _m, ...rest } = row;
  return rest;
};

/**
 * A throwaway catalog holding just what a remote answer returned, so the remote lookup is
 * answered by the same resolver, records, TTLs and shuffles as a local one.
 */
export function readerFor(entries: { services?: readonly ServiceHealthEntry[]; node?: NodeServices | null }): CatalogReader {
  const store = new StateStore();
  const fsm = new CatalogFsm(store);
  let index = 1;
  for (const entry of entries.services ?? []) {
    fsm.apply(index++, {
      type: 'register',
      node: withoutIndexes(entry.Node),
      service: withoutIndexes(entry.Service),
      checks: entry.Checks.map(({ Node: _node, ...check }) => withoutIndexes(check)),
    });
  }
  const node = entries.node;
  if (node) {
    fsm.apply(index++, { type: 'register', node: withoutIndexes(node.Node) });
    for (const service of Object.values(node.Services)) {
      fsm.apply(index++, { type: 'register', node: withoutIndexes(node.Node), service: withoutIndexes(service) });
    }
  }
  return store;
}
