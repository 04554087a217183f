/** The size-dependent formulas of memberlist (util.go, suspicion.go), as pure functions. */

/** How many times one broadcast is sent: retransmitMult × ceil(log10(n+1)). */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/**
 * Lower bound of a suspicion: suspicionMult × max(1, log10(max(1,n))) × probeInterval, with the
 * node scale truncated to thousandths first, exactly as memberlist's suspicionTimeout does it
 * (`Duration(mult) * Duration(nodeScale*1000) * interval / 1000`).
 */
export function suspicionMinTimeout(suspicionMult: number, n: number, probeInterval: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.floor((suspicionMult * Math.trunc(nodeScale * 1000) * probeInterval) / 1000);
}

/** Independent confirmations that shrink a suspicion fully to its minimum (0 in tiny clusters). */
export function suspicionConfirmationsWanted(suspicionMult: number, n: number): number {
  const k = suspicionMult - 2;
  return n - 2 < k ? 0 : k;
}

/**
 * Lifeguard: the timeout, counted from the start of the suspicion, after `c` confirmations out of
 * `k` wanted. Starts at max and falls logarithmically towards min, so the first few independent
 * accusers matter most.
 */
export function suspicionTimeout(c: number, k: number, min: number, max: number): number {
  if (k < 1) return min;
  const frac = Math.log(c + 1) / Math.log(k + 1);
  const raw = Math.floor(max - frac * (max - min));
  return Math.max(min, raw);
}

/** Push-pull gets rarer in big clusters: ×(ceil(log2 n − log2 32) + 1) above 32 nodes. */
export function pushPullScale(interval: number, n: number): number {
  const threshold = 32;
  if (n <= threshold) return interval;
  const mult = Math.ceil(Math.log2(n) - Math.log2(threshold)) + 1;
  return interval * mult;
}
