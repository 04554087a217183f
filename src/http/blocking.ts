import type { CatalogReader } from '../catalog/reader.js';
import type { Table } from '../catalog/watch.js';
import type { Clock, Timer } from '../shared/clock.js';
import { parseDuration } from '../shared/duration.js';
import { badRequest } from '../shared/errors.js';
import type { Random } from '../shared/random.js';

/**
 * Blocking queries (`?index=N&wait=10s`), as Consul's RPC layer runs them: compute the result;
 * if its index is not past N, wait for a change to the tables it reads, or for the wait to
 * elapse, and compute again. Returning does not promise a change — clients compare indexes.
 */

export interface BlockingParams {
  /** The caller's last index; 0 = do not block. */
  minIndex: number;
  /** How long to wait, already defaulted and capped, jitter not yet added. */
  waitMs: number;
}

/** Consul adds up to wait/16 of random jitter so many watchers do not all return at once. */
export const JITTER_FRACTION = 16;

/** Parses `?index` and `?wait`, applying the default and the cap as Consul does. */
export function parseBlockingParams(
  query: URLSearchParams,
  limits: { defaultQueryTimeMs: number; maxQueryTimeMs: number },
): BlockingParams {
  let minIndex = 0;
  const indexText = query.get('index');
  if (indexText !== null && indexText !== '') {
    if (!/^\d+$/.test(indexText) || !Number.isSafeInteger(Number(indexText))) throw badRequest('Invalid index');
    minIndex = Number(indexText);
  }
  let waitMs = 0;
  const waitText = query.get('wait');
  if (waitText !== null && waitText !== '') {
    try {
      waitMs = parseDuration(waitText);
    } catch {
      throw badRequest('Invalid wait time');
    }
  }
  if (waitMs <= 0) waitMs = limits.defaultQueryTimeMs;
  if (waitMs > limits.maxQueryTimeMs) waitMs = limits.maxQueryTimeMs;
  return { minIndex, waitMs };
}

export interface Indexed<T> {
  index: number;
  value: T;
}

export interface BlockingDeps {
  reader: CatalogReader;
  clock: Clock;
  random: Random;
}

/**
 * Runs `compute` until its index passes `params.minIndex` or the wait runs out. The watch is
 * registered before each computation, so a write landing between computing and waiting still
 * wakes us (no lost wake-ups). A spurious wake (another row of the same table changed) just
 * computes again. The index handed back is never below 1: Consul clients treat 0 as "never
 * blocked" and would spin.
 */
export async function blockingQuery<T>(
  deps: BlockingDeps,
  tables: readonly Table[],
  params: BlockingParams,
  signal: AbortSignal,
  compute: () => Indexed<T>,
): Promise<Indexed<T>> {
  if (params.minIndex === 0) return atLeastOne(compute());
  const waitMs = params.waitMs + deps.random.float() * (params.waitMs / JITTER_FRACTION);
  const deadline = deps.clock.monotonic() + waitMs;
  for (;;) {
    const handle = deps.reader.watch(tables);
    const result = atLeastOne(compute());
    const remaining = deadline - deps.clock.monotonic();
    if (result.index > params.minIndex || remaining <= 0 || signal.aborted) {
      handle.cancel();
      return result;
    }
    const outcome = await waitForChange(deps.clock, handle.changed, remaining, signal);
    handle.cancel();
    // On timeout or abort nothing we watch has changed since `result` was computed, so it is
    // still the current answer.
    if (outcome !== 'changed') return result;
  }
}

function atLeastOne<T>(result: Indexed<T>): Indexed<T> {
  return result.index >= 1 ? result : { index: 1, value: result.value };
}

function waitForChange(
  clock: Clock,
  changed: Promise<void>,
  ms: number,
  signal: AbortSignal,
): Promise<'changed' | 'timeout' | 'aborted'> {
  return new Promise((resolve) => {
    let timer: Timer | undefined;
    const finish = (outcome: 'changed' | 'timeout' | 'aborted'): void => {
      timer?.cancel();
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => finish('aborted');
    timer = clock.setTimeout(() => finish('timeout'), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    void changed.then(() => finish('changed'));
  });
}

/** How often a hash-blocking query re-reads local agent state (see hashBlockingQuery). */
export const HASH_POLL_MS = 250;

/**
 * Consul's hash-based blocking for agent-local endpoints (`?hash=H&wait=`): return once the
 * content hash differs from H, or when the wait runs out. The agent port has no change
 * notification, so this re-reads the (in-memory) local state every HASH_POLL_MS; without any
 * wait a client looping on `?hash` would spin against us.
 */
export async function hashBlockingQuery<T>(
  deps: { clock: Clock; random: Random },
  params: { hash: string; waitMs: number },
  signal: AbortSignal,
  compute: () => { hash: string; value: T },
): Promise<{ hash: string; value: T }> {
  const waitMs = params.waitMs + deps.random.float() * (params.waitMs / JITTER_FRACTION);
  const deadline = deps.clock.monotonic() + waitMs;
  for (;;) {
    const result = compute();
    const remaining = deadline - deps.clock.monotonic();
    if (params.hash === '' || result.hash !== params.hash || remaining <= 0 || signal.aborted) return result;
    const outcome = await waitForChange(deps.clock, new Promise<void>(() => {}), Math.min(HASH_POLL_MS, remaining), signal);
    if (outcome === 'aborted') return result;
  }
}
