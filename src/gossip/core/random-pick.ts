/**
 * Random selection over an injected Random. Kept here (not src/shared/random.ts, whose module also
 * loads node:crypto) so the core stays free of node imports at runtime.
 */
import type { Random } from '../../shared/random.js';

export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Up to `k` distinct items, uniformly chosen. */
export function pickK<T>(items: readonly T[], k: number, random: Random): T[] {
  const pool = items.slice();
  const n = Math.min(k, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + random.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  pool.length = n;
  return pool;
}
