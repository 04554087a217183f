import type { Timer } from '../../shared/clock.js';
import { badRequest } from '../../shared/errors.js';
import type { UserEventView } from '../agent-port.js';
import { parseBlockingParams } from '../blocking.js';
import { jsonReply, type HttpDeps } from '../context.js';
import { checkDatacenter } from '../read.js';
import type { Router } from '../router.js';

/** Serf's user event size limit: the event name and its payload share 512 bytes. */
export const USER_EVENT_BODY_LIMIT = 512;

/**
 * /v1/event/*: fire a user event into the gossip pool, and list the recent ones this agent
 * received. The list's X-Consul-Index is Consul's: the last event's ID folded to 64 bits, not
 * monotonic, so a blocking list waits while the index *equals* the caller's.
 */
export function registerEventRoutes(router: Router, deps: HttpDeps): void {
  const { agent } = deps;

  router.put('/v1/event/fire/*name', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    const name = ctx.params.name ?? '';
    if (name === '') throw badRequest('Missing name');
    const payload = await ctx.body(
      USER_EVENT_BODY_LIMIT,
      (limit) => `user event payload too large: the event name and payload together must fit in ${limit} bytes`,
    );
    const event = await agent.fireUserEvent({
      name,
      payload,
      nodeFilter: ctx.query.get('node') ?? '',
      serviceFilter: ctx.query.get('service') ?? '',
      tagFilter: ctx.query.get('tag') ?? '',
    });
    return jsonReply(event);
  });

  router.get('/v1/event/list', async (ctx) => {
    const name = ctx.query.get('name') ?? '';
    // The index is a uint64 hash, beyond JS numbers: compare it as a BigInt.
    const indexText = ctx.query.get('index') ?? '';
    if (indexText !== '' && !/^\d{1,20}$/.test(indexText)) throw badRequest('Invalid index');
    const minIndex = indexText === '' ? 0n : BigInt(indexText);
    const waitQuery = new URLSearchParams(ctx.query);
    waitQuery.delete('index');
    const { waitMs } = parseBlockingParams(waitQuery, deps.config);
    const deadline = deps.clock.monotonic() + waitMs;
    for (;;) {
      // Taken before reading, so an event landing in between still wakes us.
      const changed = agent.userEventsChanged();
      const events = agent.userEvents().filter((e) => name === '' || e.Name === name);
      const index = eventListIndex(events);
      const remaining = deadline - deps.clock.monotonic();
      if (minIndex === 0n || index !== minIndex || remaining <= 0 || ctx.signal.aborted) {
        return jsonReply(events, { headers: { 'X-Consul-Index': index.toString() } });
      }
      await waitFor(deps, changed, remaining, ctx.signal);
    }
  });
}

/** Consul's uuidToUint64 of the last event's ID (high 64 bits XOR low 64 bits); 1 when empty. */
export function eventListIndex(events: readonly Pick<UserEventView, 'ID'>[]): bigint {
  const last = events[events.length - 1];
  if (!last) return 1n;
  const hex = last.ID.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return 1n;
  return BigInt(`0x${hex.slice(0, 16)}`) ^ BigInt(`0x${hex.slice(16)}`);
}

function waitFor(deps: HttpDeps, changed: Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let timer: Timer | undefined;
    const done = (): void => {
      timer?.cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    timer = deps.clock.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void changed.then(done);
  });
}
