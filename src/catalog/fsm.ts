import { assertNever } from '../shared/assert.js';
import type { CatalogCommand, DeregisterCommand, KVCommand, RegisterCommand, RestoreCommand } from './commands.js';
import { TABLES } from './watch.js';
import type { StateStore, StoreSnapshot } from './store.js';

/** What one applied command produced. `error` is a deterministic refusal, the same on every replica. */
export interface FsmOutcome {
  result: boolean;
  error?: string;
}

/**
 * The finite-state machine: applies committed commands to the state store, in log order, and
 * snapshots/restores it. Deterministic: the same log gives the same store on every server.
 */
export class CatalogFsm {
  constructor(readonly store: StateStore) {}

  apply(index: number, command: CatalogCommand): FsmOutcome {
    switch (command.type) {
      case 'register':
        return this.register(index, command);
      case 'deregister':
        return this.deregister(index, command);
      case 'kv':
        return this.kv(index, command);
      case 'restore':
        return this.restoreAt(index, command);
      default:
        return assertNever(command, 'catalog command');
    }
  }

  snapshot(): StoreSnapshot {
    return this.store.snapshot();
  }

  restore(snapshot: StoreSnapshot): void {
    this.store.restore(snapshot);
  }

  /**
   * An operator's restore, as a log entry: every replica swaps in the same state, and every table
   * index moves to this entry's so blocking queries see the change.
   */
  private restoreAt(index: number, cmd: RestoreCommand): FsmOutcome {
    this.store.restore(cmd.snapshot);
    return this.store.commit(index, (touch) => {
      for (const table of TABLES) touch(table);
      return { result: true };
    });
  }

  private register(index: number, cmd: RegisterCommand): FsmOutcome {
    const store = this.store;
    const nodeName = cmd.node.Node;
    if (cmd.skipNodeUpdate && !store.node(nodeName)) {
      return { result: false, error: `node "${nodeName}" is not registered` };
    }
    for (const check of cmd.checks ?? []) {
      const sid = check.ServiceID;
      if (sid && sid !== cmd.service?.ID && !store.nodeServices(nodeName)?.Services[sid]) {
        return { result: false, error: `unknown service ID "${sid}" for check "${check.CheckID}"` };
      }
    }
    return store.commit(index, (touch) => {
      if (!cmd.skipNodeUpdate && store.upsertNode(cmd.node, index)) touch('nodes');
      if (cmd.service && store.upsertService(nodeName, cmd.service, index)) touch('services');
      for (const check of cmd.checks ?? []) {
        const service = check.ServiceID ? store.nodeServices(nodeName)!.Services[check.ServiceID] : undefined;
        const row = {
          ...check,
          Node: nodeName,
          ServiceName: service?.Service ?? '',
          ServiceTags: service?.Tags ?? [],
        };
        if (store.upsertCheck(row, index)) touch('checks');
      }
      return { result: true };
    });
  }

  private deregister(index: number, cmd: DeregisterCommand): FsmOutcome {
    const store = this.store;
    return store.commit(index, (touch) => {
      if (cmd.checkId !== undefined) {
        if (store.deleteCheck(cmd.node, cmd.checkId)) touch('checks');
      } else if (cmd.serviceId !== undefined) {
        if (store.deleteService(cmd.node, cmd.serviceId)) {
          touch('services');
          touch('checks');
        }
      } else if (store.deleteNode(cmd.node)) {
        touch('nodes');
        touch('services');
        touch('checks');
      }
      return { result: true };
    });
  }

  private kv(index: number, cmd: KVCommand): FsmOutcome {
    const store = this.store;
    const existing = store.kvGet(cmd.key);
    return store.commit(index, (touch) => {
      switch (cmd.op) {
        case 'cas':
          if ((existing?.ModifyIndex ?? 0) !== cmd.index) return { result: false };
        // falls through: the index matched, so this is a set
        case 'set':
          store.kvPut({
            Key: cmd.key,
            Value: kvValue(cmd.value),
            Flags: cmd.flags ?? 0,
            LockIndex: existing?.LockIndex ?? 0,
            Session: existing?.Session ?? '',
            CreateIndex: existing?.CreateIndex ?? index,
            ModifyIndex: index,
          });
          touch('kvs');
          return { result: true };
        case 'delete-cas':
          if (!existing || existing.ModifyIndex !== cmd.index) return { result: false };
          store.kvDelete(cmd.key, index);
          touch('kvs');
          return { result: true };
        case 'delete':
          if (store.kvDelete(cmd.key, index)) touch('kvs');
          return { result: true };
        case 'delete-tree':
          for (const entry of store.kvList(cmd.key)) {
            store.kvDelete(entry.Key, index);
            touch('kvs');
          }
          return { result: true };
        default:
          return assertNever(cmd.op, 'kv op');
      }
    });
  }
}

/** A command's value as the store keeps it: a Buffer of its own (never a view into the log entry). */
function kvValue(value: string | Uint8Array | undefined): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);
}
