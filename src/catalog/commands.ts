import type { StoreSnapshot } from './store.js';
import type { CheckRecord, NodeRecord, ServiceRecord, SessionRecord } from './types.js';

/**
 * Every catalog change is one of these typed commands, proposed to the command log (Raft) and
 * applied by the FSM. They are plain structures (msgpack in the Raft log, see command-codec.ts);
 * KV values travel as raw bytes (base64 strings in logs written before format v2).
 *
 * Wire rule: `type` strings are append-only; never rename or reuse one.
 */
export type NodeInput = Omit<NodeRecord, 'CreateIndex' | 'ModifyIndex'>;
export type ServiceInput = Omit<ServiceRecord, 'CreateIndex' | 'ModifyIndex'>;
export type CheckInput = Omit<CheckRecord, 'CreateIndex' | 'ModifyIndex' | 'Node'>;

export interface RegisterCommand {
  type: 'register';
  node: NodeInput;
  /** Keep the node row as it is (only services/checks change), as Consul's SkipNodeUpdate. */
  skipNodeUpdate?: boolean;
  service?: ServiceInput;
  checks?: CheckInput[];
}

export interface DeregisterCommand {
  type: 'deregister';
  node: string;
  /** With neither serviceId nor checkId the whole node goes, with its services and checks. */
  serviceId?: string;
  checkId?: string;
}

/** `lock` / `unlock` are PUT ?acquire= / ?release= (they need `session`). */
export type KVOp = 'set' | 'cas' | 'delete' | 'delete-tree' | 'delete-cas' | 'lock' | 'unlock';

export interface KVCommand {
  type: 'kv';
  op: KVOp;
  key: string;
  /** The value (set / cas): raw bytes, or base64 (commands of format v1, still in old logs). */
  value?: string | Uint8Array;
  flags?: number;
  /** For cas / delete-cas: the ModifyIndex the entry must have (0 = must not exist). */
  index?: number;
  /** For lock / unlock: the session taking or giving up the lock. */
  session?: string;
}

export type SessionInput = Omit<SessionRecord, 'CreateIndex' | 'ModifyIndex'>;

/**
 * Session lifecycle. `create` carries the whole session (its ID is chosen by the proposer; an ID
 * already in use is refused). `destroy` invalidates it (locks released or deleted per Behavior,
 * lock-delay started); `renew` changes no state but goes through the log so the leader — whoever
 * it is — sees the renewal and restarts the session's TTL timer; its result says whether the
 * session still exists.
 */
export type SessionCommand =
  | { type: 'session'; op: 'create'; session: SessionInput }
  | { type: 'session'; op: 'destroy'; id: string }
  | { type: 'session'; op: 'renew'; id: string };

/** Consul's KV transaction verbs. */
export type TxnVerb =
  | 'set'
  | 'cas'
  | 'lock'
  | 'unlock'
  | 'get'
  | 'get-or-empty'
  | 'get-tree'
  | 'check-index'
  | 'check-session'
  | 'check-not-exists'
  | 'delete'
  | 'delete-tree'
  | 'delete-cas';

export interface TxnKVOp {
  verb: TxnVerb;
  key: string;
  value?: string | Uint8Array;
  flags?: number;
  /** check-index, cas, delete-cas: the expected ModifyIndex. */
  index?: number;
  /** lock, unlock, check-session: the session. */
  session?: string;
}

/** /v1/txn: up to 64 KV operations applied atomically, in order, as one log entry. */
export interface TxnCommand {
  type: 'txn';
  ops: TxnKVOp[];
}

/** `roster snapshot restore`: the whole catalog replaced by a snapshot's state, in one entry. */
export interface RestoreCommand {
  type: 'restore';
  snapshot: StoreSnapshot;
}

export type CatalogCommand = RegisterCommand | DeregisterCommand | KVCommand | RestoreCommand | SessionCommand | TxnCommand;

/** What applying a command returned: `true`/`false` for CAS-style ops, `true` otherwise. */
export type ApplyResult = boolean;

/** One KV entry of a transaction's results (Value null but for get verbs). */
export interface TxnEntry {
  Key: string;
  Value: Uint8Array | null;
  Flags: number;
  LockIndex: number;
  Session: string;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface TxnError {
  OpIndex: number;
  What: string;
}

/** A transaction's answer: results when it committed, errors (and nothing applied) when not. */
export interface TxnOutcome {
  results: TxnEntry[];
  errors: TxnError[];
}

export interface Applied {
  index: number;
  result: ApplyResult;
  /** Only for `txn` commands. */
  txn?: TxnOutcome;
}
