// A gossip-only agent for integration tests, run as its own process so a test can kill -9 it:
// builds the agent config from `roster agent`-style flags (JSON in argv[2]) and starts what
// start.ts starts for gossip: startGossipPools (Serf, snapshot, rejoin) and startRetryJoins.
// Prints "ready <lan addr>" when listening; SIGTERM leaves gracefully, then exits.
import { startGossipPools, startRetryJoins } from '../../src/agent/gossip.js';
import { selfTags } from '../../src/agent/membership.js';
import { loadAgentConfig, type AgentFlags } from '../../src/config/index.js';
import { systemClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { systemRandom } from '../../src/shared/random.js';

const flags = JSON.parse(process.argv[2] ?? '{}') as AgentFlags;
const config = await loadAgentConfig(flags, { cwd: process.cwd(), hostname: 'serf-node' });
const logger = createLogger({ level: 'warn', json: true });
const tags = selfTags({ serverPort: 8300, datacenter: config.datacenter, nodeId: systemRandom.uuid(), server: false, bootstrap: false, bootstrapExpect: 0 });
const gossip = await startGossipPools(config, tags, { clock: systemClock, random: systemRandom, logger });
const joins = startRetryJoins(gossip, config, {
  clock: systemClock,
  logger,
  onGiveUp: () => {
    process.stdout.write('gave-up\n');
    void gossip.lan.close().then(() => process.exit(1));
  },
});
process.stdout.write(`ready ${gossip.lan.addr}\n`);
process.on('SIGTERM', () => {
  joins.cancel();
  void gossip.lan.leave(500).then(() => process.exit(0));
});
// Keep the process alive (the clock's timers are unref'd).
setInterval(() => {}, 1 << 30);
