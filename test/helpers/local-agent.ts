// A LocalAgent over a real in-memory catalog, a manual clock and seeded randomness, for tests.
import { AntiEntropy } from '../../src/agent/anti-entropy.js';
import type { NodeIdentity } from '../../src/agent/catalog-rows.js';
import { LocalAgent, type LocalAgentDeps } from '../../src/agent/local-agent.js';
import { LocalState } from '../../src/agent/local-state.js';
import { silentLogger } from '../../src/shared/logger.js';
import { seededRandom } from '../../src/shared/random.js';
import { newCatalog } from './catalog.js';
import { ManualClock } from './manual-clock.js';

export function testLocalAgent(extra: Partial<LocalAgentDeps> = {}) {
  const catalog = newCatalog();
  const clock = new ManualClock();
  const random = seededRandom(1);
  const node: NodeIdentity = { id: 'id-1', name: 'node1', address: '127.0.0.1', datacenter: 'dc1', meta: {} };
  const state = new LocalState();
  const sync = new AntiEntropy({ state, reader: catalog.store, log: catalog.log, node, logger: silentLogger(), clock, random });
  const agent = new LocalAgent({
    state, sync, reader: catalog.store, node, clock, random, logger: silentLogger(),
    self: () => { throw new Error('unused'); },
    members: () => [],
    join: async () => 0,
    forceLeave: async () => undefined,
    leave: async () => undefined,
    ...extra,
  });
  return { ...catalog, clock, agent, sync, state, node };
}
