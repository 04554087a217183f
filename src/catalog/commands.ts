import type { StoreSnapshot } from './store.js';
import type { CheckRecord, NodeRecord, ServiceRecord } from './types.js';

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

export type KVOp = 'set' | 'cas' | 'delete' | 'delete-tree' | 'delete-cas';

export interface KVCommand {
  type: 'kv';
  op: KVOp;
  key: string;
  /** The value (set / cas): raw bytes, or base64 (commands of format v1, still in old logs). */
  value?: string | Uint8Array;
  flags?: number;
  /** For cas / delete-cas: the ModifyIndex the entry must have (0 = must not exist). */
  index?: number;
}

/** `roster snapshot restore`: the whole catalog replaced by a snapshot's state, in one entry. */
export interface RestoreCommand {
  type: 'restore';
  snapshot: StoreSnapshot;
}

export type CatalogCommand = RegisterCommand | DeregisterCommand | KVCommand | RestoreCommand;

/** What applying a command returned: `true`/`false` for CAS-style ops, `true` otherwise. */
export type ApplyResult = boolean;

export interface Applied {
  index: number;
  result: ApplyResult;
}
