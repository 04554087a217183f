/**
 * Change notification for blocking queries. A waiter registers interest in some tables before it
 * reads, so a change that lands between the read and the wait still wakes it (no lost wake-ups).
 */
export type Table = 'nodes' | 'services' | 'checks' | 'kvs' | 'sessions';
export const TABLES: readonly Table[] = ['nodes', 'services', 'checks', 'kvs', 'sessions'];

export interface WatchHandle {
  /** Resolves the first time any watched table changes after the handle was made. */
  readonly changed: Promise<void>;
  /** Stops listening; `changed` then never resolves. Call it when giving up on a wait. */
  cancel(): void;
}

export class TableWatches {
  private readonly waiters = new Map<Table, Set<() => void>>(TABLES.map((t) => [t, new Set()]));

  watch(tables: readonly Table[]): WatchHandle {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    const fire = (): void => {
      cancel();
      wake();
    };
    const cancel = (): void => {
      for (const table of tables) this.waiters.get(table)!.delete(fire);
    };
    for (const table of tables) this.waiters.get(table)!.add(fire);
    return { changed, cancel };
  }

  notify(tables: Iterable<Table>): void {
    for (const table of tables) {
      for (const fire of [...this.waiters.get(table)!]) fire();
    }
  }

  /** Number of registered waiters, for metrics and leak tests. */
  size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}
