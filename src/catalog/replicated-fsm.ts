import { decodeCommand, decodeSnapshot, encodeSnapshot, encodeSnapshotChunks } from './command-codec.js';
import type { CatalogFsm, FsmOutcome } from './fsm.js';

/**
 * The catalog FSM as Raft sees it: committed entries arrive as bytes and are decoded here, so
 * the log holds exactly what every replica applies. A refusal (unknown service, failed CAS) is an
 * outcome, the same on every replica; only undecodable bytes throw (and stop the server).
 */
export class ReplicatedCatalogFsm {
  constructor(private readonly fsm: CatalogFsm) {}

  apply(index: number, data: Uint8Array): FsmOutcome {
    return this.fsm.apply(index, decodeCommand(data));
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.fsm.snapshot());
  }

  /** Captures the store now (cheap: references to immutable rows); encodes it as it is iterated. */
  snapshotPieces(): Iterable<Uint8Array> {
    return encodeSnapshotChunks(this.fsm.snapshot());
  }

  restore(data: Uint8Array): void {
    this.fsm.restore(decodeSnapshot(data));
  }
}
