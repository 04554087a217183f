import { assertNever } from '../shared/assert.js';
import type {
  CatalogCommand,
  DeregisterCommand,
  KVCommand,
  RegisterCommand,
  RestoreCommand,
  SessionCommand,
  TxnCommand,
  TxnOutcome,
} from './commands.js';
import { evaluateTxn } from './txn.js';
import { TABLES, type Table } from './watch.js';
import type { SessionEvent, StateStore, StoreSnapshot } from './store.js';
import type { SessionRecord } from './types.js';

/** What one applied command produced. `error` is a deterministic refusal, the same on every replica. */
export interface FsmOutcome {
  result: boolean;
  error?: string;
  /** A transaction's results or errors (`result` is false when it rolled back). */
  txn?: TxnOutcome;
}

type Touch = (table: Table) => void;

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
      case 'session':
        return this.session(index, command);
      case 'txn':
        return this.txn(index, command);
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
    const events: SessionEvent[] = [];
    const outcome = store.commit(index, (touch) => {
      if (!cmd.skipNodeUpdate && store.upsertNode(cmd.node, index)) touch('nodes');
      if (cmd.service && store.upsertService(nodeName, cmd.service, index)) touch('services');
      const critical: string[] = [];
      for (const check of cmd.checks ?? []) {
        const service = check.ServiceID ? store.nodeServices(nodeName)!.Services[check.ServiceID] : undefined;
        const row = {
          ...check,
          Node: nodeName,
          ServiceName: service?.Service ?? '',
          ServiceTags: service?.Tags ?? [],
        };
        if (store.upsertCheck(row, index)) touch('checks');
        if (check.Status === 'critical') critical.push(check.CheckID);
      }
      // A bound check gone critical invalidates its sessions (Consul's ensureCheckTxn).
      if (critical.length > 0) this.invalidateBoundTo(index, nodeName, critical, touch, events);
      return { result: true };
    });
    this.emit(events);
    return outcome;
  }

  private deregister(index: number, cmd: DeregisterCommand): FsmOutcome {
    const store = this.store;
    const events: SessionEvent[] = [];
    const outcome = store.commit(index, (touch) => {
      // Sessions go with what they are bound to: a deregistered check, a service's checks, a node.
      if (cmd.checkId !== undefined) {
        this.invalidateBoundTo(index, cmd.node, [cmd.checkId], touch, events);
        if (store.deleteCheck(cmd.node, cmd.checkId)) touch('checks');
      } else if (cmd.serviceId !== undefined) {
        const checkIds = store.nodeChecks(cmd.node).filter((c) => c.ServiceID === cmd.serviceId).map((c) => c.CheckID);
        this.invalidateBoundTo(index, cmd.node, checkIds, touch, events);
        if (store.deleteService(cmd.node, cmd.serviceId)) {
          touch('services');
          touch('checks');
        }
      } else {
        for (const session of store.nodeSessions(cmd.node)) this.invalidate(index, session, touch, events);
        if (store.deleteNode(cmd.node)) {
          touch('nodes');
          touch('services');
          touch('checks');
        }
      }
      return { result: true };
    });
    this.emit(events);
    return outcome;
  }

  private session(index: number, cmd: SessionCommand): FsmOutcome {
    const store = this.store;
    switch (cmd.op) {
      case 'create': {
        const input = cmd.session;
        if (typeof input?.ID !== 'string' || input.ID === '') return { result: false, error: 'session has no ID' };
        if (store.session(input.ID)) return { result: false, error: `session "${input.ID}" already exists` };
        if (!store.node(input.Node)) return { result: false, error: 'Missing node registration' };
        const checks = new Map(store.nodeChecks(input.Node).map((c) => [c.CheckID, c]));
        const bound = [...(input.NodeChecks ?? []), ...(input.ServiceChecks ?? []).map((c) => c.ID)];
        for (const id of bound) {
          const check = checks.get(id);
          if (!check) return { result: false, error: `Missing check '${id}' registration` };
          if (check.Status === 'critical') return { result: false, error: `Check '${id}' is in ${check.Status} state` };
        }
        const row: SessionRecord = { ...input, CreateIndex: index, ModifyIndex: index };
        const outcome = store.commit(index, (touch) => {
          store.putSession(row);
          touch('sessions');
          return { result: true };
        });
        this.emit([{ kind: 'created', session: row }]);
        return outcome;
      }
      case 'destroy': {
        const events: SessionEvent[] = [];
        const outcome = store.commit(index, (touch) => {
          const session = store.session(cmd.id);
          if (session) this.invalidate(index, session, touch, events);
          return { result: true };
        });
        this.emit(events);
        return outcome;
      }
      case 'renew': {
        const session = store.session(cmd.id);
        if (session) this.emit([{ kind: 'renewed', session }]);
        return { result: session !== undefined };
      }
      default:
        return { result: false, error: `unknown session op ${JSON.stringify((cmd as { op?: unknown }).op)}` };
    }
  }

  private txn(index: number, cmd: TxnCommand): FsmOutcome {
    const store = this.store;
    if (!Array.isArray(cmd.ops)) return { result: false, error: 'transaction has no operations' };
    return store.commit(index, (touch) => {
      const { outcome, writes } = evaluateTxn(store, cmd.ops, index);
      for (const [key, row] of writes) {
        if (row) store.kvPut(row);
        else store.kvDelete(key, index);
        touch('kvs');
      }
      return { result: outcome.errors.length === 0, txn: outcome };
    });
  }

  /** Every session on `node` bound (as a node check or a service check) to one of `checkIds`. */
  private invalidateBoundTo(index: number, node: string, checkIds: readonly string[], touch: Touch, events: SessionEvent[]): void {
    if (checkIds.length === 0) return;
    const ids = new Set(checkIds);
    for (const session of this.store.nodeSessions(node)) {
      const bound = session.NodeChecks.some((id) => ids.has(id)) || (session.ServiceChecks ?? []).some((c) => ids.has(c.ID));
      if (bound) this.invalidate(index, session, touch, events);
    }
  }

  /**
   * Ends a session: its locks are released (Behavior "release": the key stays, Session cleared,
   * LockIndex kept) or their keys deleted ("delete"), and each such key starts its lock-delay.
   */
  private invalidate(index: number, session: SessionRecord, touch: Touch, events: SessionEvent[]): void {
    const store = this.store;
    const delayMs = Math.floor(session.LockDelay / 1e6);
    for (const key of store.kvHeldBy(session.ID)) {
      const entry = store.kvGet(key);
      if (!entry) continue;
      if (session.Behavior === 'delete') store.kvDelete(key, index);
      else store.kvPut({ ...entry, Session: '', ModifyIndex: index });
      store.startLockDelay(key, delayMs);
      touch('kvs');
    }
    store.deleteSession(session.ID);
    touch('sessions');
    events.push({ kind: 'destroyed', id: session.ID });
  }

  private emit(events: readonly SessionEvent[]): void {
    for (const event of events) this.store.emitSession(event);
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
        case 'lock':
        case 'unlock': {
          // The same rules as a transaction's lock / unlock (Consul's kvsLockTxn / kvsUnlockTxn).
          const op = { verb: cmd.op, key: cmd.key, flags: cmd.flags ?? 0, ...(cmd.value === undefined ? {} : { value: cmd.value }), ...(cmd.session === undefined ? {} : { session: cmd.session }) };
          // No session, or one that does not exist, is an error; a lock held elsewhere is just `false`.
          if (!cmd.session) return { result: false, error: 'missing session' };
          if (cmd.op === 'lock' && !store.session(cmd.session)) return { result: false, error: `invalid session ${JSON.stringify(cmd.session)}` };
          const { outcome, writes } = evaluateTxn(store, [op], index);
          for (const [, row] of writes) if (row) store.kvPut(row);
          if (writes.size > 0) touch('kvs');
          return { result: outcome.errors.length === 0 };
        }
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
