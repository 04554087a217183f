// Drives a Swim through its own deadlines (no network: probes simply go unanswered).
import type { Swim, SwimEffect } from '../../../src/gossip/core/index.js';

/**
 * Ticks at each deadline from `from` until `until`, collecting the effects; `onEffect` sees each
 * as it comes out (to answer it, say) before the next deadline.
 */
export function runTo(s: Swim, until: number, from = 0, onEffect?: (effect: SwimEffect, now: number) => void): SwimEffect[] {
  const out: SwimEffect[] = [];
  let now = from;
  for (let guard = 0; guard < 100_000; guard++) {
    const next = s.nextDeadline();
    if (next > until) break;
    now = Math.max(now, next);
    s.tick(now);
    for (const e of s.drainEffects()) {
      out.push(e);
      onEffect?.(e, now);
    }
  }
  return out;
}
