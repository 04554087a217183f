import { AppError } from '../../shared/errors.js';

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

interface PendingProposal extends Waiter<{ index: number; result: unknown }> {
  readonly term: number;
}

/**
 * Proposals waiting for their entry to be applied, by log index. A proposal succeeds only if the
 * entry applied at its index is the one it proposed (same term): a leader that lost its office
 * may see its uncommitted entries replaced, and those proposals fail rather than hang.
 */
export class PendingProposals {
  private readonly byIndex = new Map<number, PendingProposal>();

  add(index: number, term: number, waiter: Waiter<{ index: number; result: unknown }>): void {
    this.byIndex.get(index)?.reject(superseded(index));
    this.byIndex.set(index, { term, ...waiter });
  }

  /** The entry at `index` (of `term`) was applied with `result`. */
  applied(index: number, term: number, result: unknown): void {
    const pending = this.byIndex.get(index);
    if (!pending) return;
    this.byIndex.delete(index);
    if (pending.term === term) pending.resolve({ index, result });
    else pending.reject(superseded(index));
  }

  /** Everything up to `index` is decided (a snapshot jumped over them): the waiters cannot know. */
  skippedThrough(index: number): void {
    for (const [i, pending] of this.byIndex) {
      if (i > index) continue;
      this.byIndex.delete(i);
      pending.reject(new AppError('UNAVAILABLE', 'leadership changed while the write was in flight; its outcome is unknown'));
    }
  }

  failAll(err: Error): void {
    for (const pending of this.byIndex.values()) pending.reject(err);
    this.byIndex.clear();
  }

  get size(): number {
    return this.byIndex.size;
  }
}

function superseded(index: number): AppError {
  return new AppError('UNAVAILABLE', `leadership changed: the write at index ${index} was replaced and not applied; retry it`);
}

/** Reads waiting for a read index to be confirmed, then for the state machine to reach it. */
export class PendingReads {
  private readonly byId = new Map<string, Waiter<number>>();
  /** Confirmed read points waiting for apply, ordered by index. */
  private waitingApply: { index: number; waiter: Waiter<number> }[] = [];

  add(id: string, waiter: Waiter<number>): void {
    this.byId.set(id, waiter);
  }

  confirmed(id: string, index: number, applied: number): void {
    const waiter = this.byId.get(id);
    if (!waiter) return;
    this.byId.delete(id);
    if (index <= applied) waiter.resolve(index);
    else this.waitingApply.push({ index, waiter });
  }

  dropped(id: string): void {
    const waiter = this.byId.get(id);
    if (!waiter) return;
    this.byId.delete(id);
    waiter.reject(new AppError('UNAVAILABLE', 'leadership lost before the read could be confirmed; retry it'));
  }

  appliedThrough(applied: number): void {
    if (this.waitingApply.length === 0) return;
    const still: typeof this.waitingApply = [];
    for (const item of this.waitingApply) {
      if (item.index <= applied) item.waiter.resolve(item.index);
      else still.push(item);
    }
    this.waitingApply = still;
  }

  failAll(err: Error): void {
    for (const waiter of this.byId.values()) waiter.reject(err);
    for (const { waiter } of this.waitingApply) waiter.reject(err);
    this.byId.clear();
    this.waitingApply = [];
  }
}
