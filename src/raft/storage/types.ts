import type { Entry, HardState, SnapshotMeta } from '../core/types.js';

/**
 * Durable Raft state on disk. The core keeps the live log (since the last snapshot) in memory;
 * storage is written on every Ready and read back once, at start.
 */
export interface LogStorage {
  /** Everything durable, read once at start: torn or corrupt tails are truncated, not fatal. */
  open(): Promise<StoredLog>;
  /**
   * Record a hard state and/or append entries (truncating any stored suffix from
   * `entries[0].index` first). With `sync`, resolves only after one fsync covers everything
   * written so far — concurrent callers waiting share that fsync (group commit).
   */
  save(hardState: HardState | null, entries: readonly Entry[], sync: boolean): Promise<void>;
  /** After a snapshot at `meta.index` is installed: the whole stored log is superseded by it. */
  resetTo(meta: SnapshotMeta): Promise<void>;
  /** Entries at or below `through` are no longer needed (a snapshot covers them); may keep more. */
  compact(through: number): Promise<void>;
  close(): Promise<void>;
}

export interface StoredLog {
  /** Zero term, no vote, commit 0 for a fresh data dir. */
  readonly hardState: HardState;
  /** Entries in order, contiguous, all after `firstIndex - 1`. */
  readonly entries: readonly Entry[];
  /** Index of the first stored entry (or the next to be written when `entries` is empty). */
  readonly firstIndex: number;
}

/**
 * Snapshots of the state machine: written to a temporary file, fsync'd, renamed, directory
 * fsync'd; the newest `retain` are kept.
 */
export interface SnapshotStore {
  create(meta: SnapshotMeta): Promise<SnapshotSink>;
  /** The newest complete snapshot, or null. */
  latest(): Promise<SnapshotMeta | null>;
  /** The data of a stored snapshot (as a stream of chunks), by its index and term. */
  open(meta: Pick<SnapshotMeta, 'index' | 'term'>): AsyncIterable<Uint8Array>;
  /** The whole data of a stored snapshot. */
  read(meta: Pick<SnapshotMeta, 'index' | 'term'>): Promise<Uint8Array>;
}

export interface SnapshotSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Make it durable and visible to latest(). */
  commit(): Promise<SnapshotMeta>;
  /** Throw away a partial snapshot (a failed transfer). */
  abort(): Promise<void>;
}
