import type { Random } from '../shared/random.js';
import { CoordinateTracker } from './coordinate/tracker.js';
import type { GossipPool } from './pool.js';

/**
 * Network coordinates on a gossip pool, as serf keeps them: our coordinate rides in every ack
 * we send; each timely direct ack we get back updates our coordinate with the measured round
 * trip and caches the peer's. A member that leaves or is reaped is forgotten.
 */
export function trackCoordinates(pool: GossipPool, random: Random): CoordinateTracker {
  const tracker = new CoordinateTracker(pool.local().name, random);
  pool.setAckPayload(tracker.payload());
  pool.onPingComplete((ping) => {
    if (tracker.observe(ping.name, ping.rttMs, ping.payload)) pool.setAckPayload(tracker.payload());
  });
  pool.onEvent((event) => {
    if (event.kind === 'member-leave' || event.kind === 'member-reap') tracker.forget(event.member.name);
  });
  return tracker;
}
