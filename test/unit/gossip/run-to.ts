// Drives a Swim through its own deadlines (no network: probes simply go unanswered).
import type { Swim, SwimEffect } from '../../../src/gossip/core/index.js';

/** Ticks at each deadline from `from` until `until`, collecting the effects. */
export function runTo(s: Swim, until: number, from = 0): SwimEffect[] {
  const out: SwimEffect[] = [];
  let now = from;
  for (let guard = 0; guard < 100_000; guard++) {
    const next = s.nextDeadline();
    if (next > until) break;
    now = Math.max(now, next);
    s.tick(now);
    out.push(...s.drainEffects());
  }
  return out;
}
