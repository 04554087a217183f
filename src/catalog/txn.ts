import type { TxnEntry, TxnError, TxnKVOp, TxnOutcome, TxnVerb } from './commands.js';
import type { KVRecord, SessionRecord } from './types.js';

/**
 * Consul's KV transactions (/v1/txn), evaluated over a view of the store: every op runs in order
 * against the state the earlier ops left (an overlay of pending writes over the store), errors
 * are collected for every op (as Consul's txnDispatch does), and the overlay is written to the
 * store only when there were none — a failed condition rolls back everything. Pure and
 * deterministic: the FSM applies it; read-only transactions run it against the local store.
 */

/** Verbs that change nothing: a transaction made only of these needs no log entry. */
export const READ_VERBS: ReadonlySet<TxnVerb> = new Set<TxnVerb>(['get', 'get-or-empty', 'get-tree', 'check-index', 'check-session', 'check-not-exists']);
export const TXN_VERBS: ReadonlySet<string> = new Set<TxnVerb>([
  'set',
  'cas',
  'lock',
  'unlock',
  'get',
  'get-or-empty',
  'get-tree',
  'check-index',
  'check-session',
  'check-not-exists',
  'delete',
  'delete-tree',
  'delete-cas',
]);

/** Consul's maxTxnOps of the releases this API follows. */
export const MAX_TXN_OPS = 64;

export interface TxnBase {
  kvGet(key: string): KVRecord | undefined;
  kvList(prefix: string): KVRecord[];
  session(id: string): SessionRecord | undefined;
}

export function isReadOnly(ops: readonly TxnKVOp[]): boolean {
  return ops.every((op) => READ_VERBS.has(op.verb));
}

/** The pending writes of a transaction over its base: a key → its new row, or null (deleted). */
class Overlay {
  readonly writes = new Map<string, KVRecord | null>();

  constructor(private readonly base: TxnBase) {}

  get(key: string): KVRecord | undefined {
    const pending = this.writes.get(key);
    if (pending !== undefined) return pending ?? undefined;
    return this.base.kvGet(key);
  }

  list(prefix: string): KVRecord[] {
    if (this.writes.size === 0) return this.base.kvList(prefix);
    const byKey = new Map<string, KVRecord>();
    for (const entry of this.base.kvList(prefix)) byKey.set(entry.Key, entry);
    for (const [key, row] of this.writes) {
      if (!key.startsWith(prefix)) continue;
      if (row) byKey.set(key, row);
      else byKey.delete(key);
    }
    return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
  }

  put(row: KVRecord): void {
    this.writes.set(row.Key, row);
  }

  delete(key: string): void {
    if (this.get(key)) this.writes.set(key, null);
  }
}

function toValue(value: string | Uint8Array | undefined): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);
}

function entry(row: KVRecord, withValue: boolean): TxnEntry {
  return {
    Key: row.Key,
    Value: withValue && row.Value.length > 0 ? row.Value : null,
    Flags: row.Flags,
    LockIndex: row.LockIndex,
    Session: row.Session,
    CreateIndex: row.CreateIndex,
    ModifyIndex: row.ModifyIndex,
  };
}

/**
 * Runs the ops at log `index` (0 for a read-only run). Returns the outcome and, when it
 * committed, the writes to make (key → row, or null to delete), in the order they were made.
 */
export function evaluateTxn(base: TxnBase, ops: readonly TxnKVOp[], index: number): { outcome: TxnOutcome; writes: Map<string, KVRecord | null> } {
  const view = new Overlay(base);
  const results: TxnEntry[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, opIndex) => {
    const fail = (what: string): void => void errors.push({ OpIndex: opIndex, What: what });
    const key = typeof op?.key === 'string' ? op.key : '';
    const existing = view.get(key);
    const write = (fields: Partial<KVRecord>): KVRecord => {
      const row: KVRecord = {
        Key: key,
        Value: toValue(op.value),
        Flags: op.flags ?? 0,
        LockIndex: existing?.LockIndex ?? 0,
        Session: existing?.Session ?? '',
        CreateIndex: existing?.CreateIndex ?? index,
        ModifyIndex: index,
        ...fields,
      };
      view.put(row);
      return row;
    };
    switch (op?.verb) {
      case 'set':
        results.push(entry(write({}), false));
        return;
      case 'cas': {
        const want = op.index ?? 0;
        if ((want === 0 && existing) || (want !== 0 && existing?.ModifyIndex !== want)) {
          return fail(`failed to set key ${JSON.stringify(key)}, index is stale`);
        }
        results.push(entry(write({}), false));
        return;
      }
      case 'lock': {
        const session = op.session ?? '';
        if (session === '') return fail('missing session');
        if (!base.session(session)) return fail(`invalid session ${JSON.stringify(session)}`);
        if (existing && existing.Session !== '' && existing.Session !== session) {
          return fail(`failed to lock key ${JSON.stringify(key)}, lock is already held`);
        }
        const held = existing?.Session === session;
        results.push(entry(write({ Session: session, LockIndex: held ? existing.LockIndex : (existing?.LockIndex ?? 0) + 1 }), false));
        return;
      }
      case 'unlock': {
        const session = op.session ?? '';
        if (session === '') return fail('missing session');
        if (!existing || existing.Session !== session) {
          return fail(`failed to unlock key ${JSON.stringify(key)}, lock isn't held, or is held by another session`);
        }
        results.push(entry(write({ Session: '' }), false));
        return;
      }
      case 'get':
        if (!existing) return fail(`key ${JSON.stringify(key)} doesn't exist`);
        results.push(entry(existing, true));
        return;
      case 'get-or-empty':
        results.push(existing ? entry(existing, true) : { Key: key, Value: null, Flags: 0, LockIndex: 0, Session: '', CreateIndex: 0, ModifyIndex: 0 });
        return;
      case 'get-tree':
        for (const row of view.list(key)) results.push(entry(row, true));
        return;
      case 'check-index':
        if (!existing) return fail(`failed to check index, key ${JSON.stringify(key)} doesn't exist`);
        if (existing.ModifyIndex !== (op.index ?? 0)) {
          return fail(`failed index check for key ${JSON.stringify(key)}, current modify index ${existing.ModifyIndex} != ${op.index ?? 0}`);
        }
        results.push(entry(existing, false));
        return;
      case 'check-session':
        if (!existing) return fail(`failed to check session, key ${JSON.stringify(key)} doesn't exist`);
        if (existing.Session !== (op.session ?? '')) {
          return fail(`failed session check for key ${JSON.stringify(key)}, current session ${JSON.stringify(existing.Session)} != ${JSON.stringify(op.session ?? '')}`);
        }
        results.push(entry(existing, false));
        return;
      case 'check-not-exists':
        if (existing) return fail(`key ${JSON.stringify(key)} exists`);
        return;
      case 'delete':
        view.delete(key);
        return;
      case 'delete-tree':
        for (const row of view.list(key)) view.delete(row.Key);
        return;
      case 'delete-cas':
        if (!existing || existing.ModifyIndex !== (op.index ?? 0)) return fail(`failed to delete key ${JSON.stringify(key)}, index is stale`);
        view.delete(key);
        return;
      default:
        return fail(`unknown KV verb ${JSON.stringify(String(op?.verb))}`);
    }
  });
  if (errors.length > 0) return { outcome: { results: [], errors }, writes: new Map() };
  return { outcome: { results, errors: [] }, writes: view.writes };
}
