/**
 * What the Raft driver applies committed entries to (the catalog FSM behind an adapter).
 * Apply must be deterministic: the same entries give the same state on every server.
 */
export interface RaftStateMachine {
  /** Apply one committed command; the return value goes back to whoever proposed it. */
  apply(index: number, data: Uint8Array): unknown;
  /** A point-in-time copy of the whole state, taken synchronously between applies. */
  snapshot(): Uint8Array;
  /**
   * Optional, preferred by the driver: the same copy, captured synchronously when called, but
   * its bytes produced piece by piece as the result is iterated. The driver writes each piece
   * out and lets the event loop run before asking for the next, while applies go on; so
   * producing a piece must read only what was captured, never the live state.
   */
  snapshotPieces?(): Iterable<Uint8Array>;
  /** Replace the whole state with a snapshot's (followers far behind, restarts). */
  restore(data: Uint8Array): void;
}
