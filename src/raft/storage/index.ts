/** Durable Raft storage: the WAL-backed log, the snapshot store, and in-memory twins for -dev. */
export type { LogStorage, SnapshotSink, SnapshotStore, StoredLog } from './types.js';
export { FileLogStorage, DEFAULT_SEGMENT_BYTES, WalCorruptionError, type FileLogStorageOptions, type WalStats } from './wal.js';
export { FileSnapshotStore, type FileSnapshotStoreOptions } from './snapshot-store.js';
export { MemoryLogStorage } from './memory-log-storage.js';
export { MemorySnapshotStore, type MemorySnapshotStoreOptions } from './memory-snapshot-store.js';
export { EMPTY_HARD_STATE } from './log-state.js';
export { crc32c, crc32cUpdate } from './crc32c.js';
