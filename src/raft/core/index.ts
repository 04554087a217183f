/**
 * Public surface of the pure Raft core.
 *
 * Driver contract, per Ready:
 * 1. persist: if `snapshot`, install it first (restore the FSM, reset the stored log to it);
 *    then save `entries` (truncating any stored suffix from `entries[0].index`) and `hardState`,
 *    fsync'd when `mustSync`. Readys are persisted in the order they were handed out.
 * 2. send `messages`. Only when the core is the leader (status().role === 'leader' after
 *    ready()) may they be sent before step 1 finishes; otherwise only once this Ready and every
 *    earlier one are persisted. A vote or an append acknowledgement is always in the Ready that
 *    persists what it promises (or a later one).
 * 3. apply `committed` in order (config entries included: the FSM skips or records them) —
 *    at once if wished: a committed entry is durable on a quorum, whether or not this server's
 *    own copy is yet — answer `readStates` once applied ≥ index, fail `droppedReads`.
 * 4. advance(ready) once it is persisted, oldest Ready first. ready() may be called again before
 *    that (asynchronous storage writes, as etcd-io/raft's AsyncStorageWrites): the next batch is
 *    written while the previous one is still being fsync'd.
 * Entries proposed are kept by reference: don't mutate a Uint8Array after proposing it.
 */
export * from './types.js';
export { Raft } from './raft.js';
export { bootstrapLog } from './bootstrap.js';
export { defaultRaftConfig, validateRaftConfig } from './config.js';
export {
  applyMembershipChange, decodeMembership, encodeMembership, EMPTY_MEMBERSHIP, MembershipView, quorumIndex,
  quorumSize, tryDecodeMembership,
} from './membership.js';
