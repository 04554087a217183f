/**
 * MemoryLogStorage: LogStorage in memory, for `-dev`, unit tests and the simulator. It keeps two
 * states: what was saved, and what a sync made durable; `crashed()` returns a storage holding only
 * the durable state, which is what a real disk guarantees after a power cut.
 */
import { AssertionError, assert } from '../../shared/assert.js';
import type { Entry, HardState, SnapshotMeta } from '../core/types.js';
import type { LogStorage, StoredLog } from './types.js';
import { LogState, appendProblem } from './log-state.js';

type Pending = { readonly hs: HardState | null; readonly entries: readonly Entry[] };

export class MemoryLogStorage implements LogStorage {
  private live: LogState;
  private durable: LogState;
  private pending: Pending[] = [];
  private closed = false;
  /** How many sync saves (each would be one fsync on disk) and saves in all. */
  syncs = 0;
  saves = 0;

  constructor(initial?: LogState) {
    this.durable = initial ? initial.clone() : new LogState(1);
    this.live = this.durable.clone();
  }

  open(): Promise<StoredLog> {
    this.closed = false;
    const s = this.live;
    return Promise.resolve({ hardState: s.hardState, entries: s.entries.slice(), firstIndex: s.firstIndex });
  }

  save(hardState: HardState | null, entries: readonly Entry[], sync: boolean): Promise<void> {
    assert(!this.closed, 'MemoryLogStorage used after close()');
    const problem = appendProblem(this.live.lastIndex, entries);
    if (problem !== null) return Promise.reject(new AssertionError(`invariant violated: MemoryLogStorage.save: ${problem}`));
    this.saves++;
    apply(this.live, { hs: hardState, entries });
    this.pending.push({ hs: hardState, entries });
    if (sync) this.sync();
    return Promise.resolve();
  }

  resetTo(meta: SnapshotMeta): Promise<void> {
    this.sync();
    this.live.reset(meta.index);
    this.durable.reset(meta.index);
    return Promise.resolve();
  }

  compact(through: number): Promise<void> {
    this.sync();
    this.live.compact(through);
    this.durable.compact(through);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** A storage as this one would be found after a power cut: unsynced saves are lost. */
  crashed(): MemoryLogStorage {
    return new MemoryLogStorage(this.durable);
  }

  private sync(): void {
    if (this.pending.length > 0) this.syncs++;
    for (const p of this.pending) apply(this.durable, p);
    this.pending = [];
  }
}

function apply(state: LogState, p: Pending): void {
  state.append(p.entries);
  if (p.hs) state.hardState = p.hs;
}
