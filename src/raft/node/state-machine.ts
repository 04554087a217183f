/**
 * What the Raft driver applies committed entries to (the catalog FSM behind an adapter).
 * Apply must be deterministic: the same entries give the same state on every server.
 */
export interface RaftStateMachine {
  /** Apply one committed command; the return value goes back to whoever proposed it. */
  apply(index: number, data: Uint8Array): unknown;
  /** A point-in-time copy of the whole state, taken synchronously between applies. */
  snapshot(): Uint8Array;
  /** Replace the whole state with a snapshot's (followers far behind, restarts). */
  restore(data: Uint8Array): void;
}
