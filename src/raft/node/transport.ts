import type { RaftMessage, SnapshotMessage } from '../core/types.js';

/**
 * How the Raft driver reaches other servers. The gRPC transport (src/rpc) implements it on the
 * server port; the simulator and unit tests use in-memory ones.
 */
export interface RaftTransport {
  /**
   * Queue a message for the server at `address`. Never blocks and never throws: a slow or dead
   * peer must not hold up the others. Undeliverable messages are dropped and reported through
   * the handler's `unreachable`.
   */
  send(message: RaftMessage, address: string): void;
  /**
   * Stream a snapshot's data to a follower (in chunks); resolves true once the follower has
   * stored it and handed the SnapshotMessage to its core, false on any failure.
   */
  sendSnapshot(message: SnapshotMessage, address: string, data: AsyncIterable<Uint8Array>): Promise<boolean>;
  /** A server left the configuration: drop its connection and queue. */
  forgetPeer?(address: string): void;
  close(): Promise<void>;
}

/** What the receiving side of a transport calls into (the driver implements it). */
export interface RaftInbox {
  /** A message arrived from a peer. */
  deliver(message: RaftMessage): void;
  /**
   * A snapshot stream arrived: store the chunks (SnapshotStore), then deliver the message.
   * Rejects if storing failed; the sender then sees false.
   */
  receiveSnapshot(message: SnapshotMessage, data: AsyncIterable<Uint8Array>): Promise<void>;
  /** The transport gave up on a peer (connection refused, stream broken). */
  unreachable(to: string): void;
}
