import { sleep, type Clock } from '../shared/clock.js';
import { AppError, isAppError } from '../shared/errors.js';

/** Consul's rpc_hold_timeout: how long a request waits out an election or a lost server. */
export const HOLD_TIMEOUT_MS = 7_000;

/**
 * Failures that certainly did not apply a command — the target was not reached, or it had no
 * leader to pass it to — and so may be retried against the next target. An outcome-unknown
 * failure (a timeout, a leader that lost office with the write in flight) never is: a CAS or a
 * delete must not run twice.
 */
export function certainlyNotApplied(err: unknown): boolean {
  if (!isAppError(err) || err.code !== 'UNAVAILABLE') return false;
  return /not the leader|not applied|No cluster leader|connection refused|unreachable|shutting down/i.test(err.message);
}

/**
 * Runs `attempt` against the target `pick` offers now, retrying with backoff while there is no
 * target or the failure is certainly harmless, until the hold timeout. `failed` hears of each
 * retried failure (a client rotates its server list).
 */
export async function holdAndRetry<T, K>(options: {
  clock: Clock;
  pick: () => K | undefined;
  attempt: (target: K) => Promise<T>;
  /** The error when the hold timeout passes with no target at all. */
  noTarget: string;
  failed?: (target: K, err: unknown) => void;
  minDelayMs: number;
  maxDelayMs: number;
}): Promise<T> {
  const { clock } = options;
  const deadline = clock.monotonic() + HOLD_TIMEOUT_MS;
  let delay = options.minDelayMs;
  for (;;) {
    const target = options.pick();
    if (target !== undefined) {
      try {
        return await options.attempt(target);
      } catch (err) {
        if (!certainlyNotApplied(err) || clock.monotonic() > deadline) throw err;
        options.failed?.(target, err);
      }
    } else if (clock.monotonic() > deadline) {
      throw new AppError('UNAVAILABLE', options.noTarget);
    }
    await sleep(clock, delay);
    delay = Math.min(delay * 2, options.maxDelayMs);
  }
}
