import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DefaultLANConfig, DefaultLocalConfig, DefaultWANConfig, FastTestConfig, suspicionMinTimeout, type SwimConfig,
} from '../../src/gossip/core/index.js';
import { formCluster, Sim } from './simulator.js';

describe('SWIM simulation across presets and lifecycles', () => {
  const presets: [string, SwimConfig][] = [
    ['LAN', DefaultLANConfig], ['WAN', DefaultWANConfig], ['local', DefaultLocalConfig], ['fast test', FastTestConfig],
  ];
  for (const [label, config] of presets) {
    it(`${label}: detects a crash within probe round + max suspicion, with no collateral`, () => {
      const n = 10;
      const sim = new Sim({ seed: 11, config, delay: [1, 30] });
      const names = formCluster(sim, n, 120_000);
      sim.runFor(2 * config.probeInterval);
      const start = sim.now;
      sim.crash('node-3');
      const min = suspicionMinTimeout(config.suspicionMult, n, config.probeInterval);
      const bound = n * config.probeInterval + config.suspicionMaxTimeoutMult * min + 5_000;
      const at = sim.runUntilTrue(() => sim.allSee(['node-3'], 'dead'), bound, config.probeInterval);
      assert.ok(at !== undefined, `dead everywhere within ${bound} ms`);
      assert.ok(sim.allSee(names.filter((x) => x !== 'node-3'), 'alive'));
    });
  }

  it('a crashed node restarted with fresh state reclaims its name with a higher incarnation', () => {
    const sim = new Sim({ seed: 12, config: DefaultLANConfig });
    const names = formCluster(sim, 12);
    sim.crash('node-5');
    assert.ok(sim.runUntilTrue(() => sim.allSee(['node-5'], 'dead'), 60_000) !== undefined);
    const deadInc = sim.node('node-0').swim.member('node-5')!.incarnation;
    sim.restart('node-5', 'node-1');
    const at = sim.runUntilTrue(() => sim.allSee(names, 'alive'), 30_000);
    assert.ok(at !== undefined, 'everyone sees node-5 alive again');
    assert.ok(sim.node('node-5').swim.local().incarnation > deadInc);
    assert.ok(sim.eventsAbout('node-5', 'member-join').length >= 2 * 11, 'joined, then rejoined, everywhere');
  });

  it('a left node that restarts and rejoins comes back alive', () => {
    const sim = new Sim({ seed: 13, config: DefaultLANConfig });
    const names = formCluster(sim, 8);
    sim.leave('node-2');
    sim.runFor(3_000);
    sim.crash('node-2');
    assert.ok(sim.runUntilTrue(() => sim.allSee(['node-2'], 'left'), 30_000) !== undefined);
    sim.restart('node-2', 'node-0');
    assert.ok(sim.runUntilTrue(() => sim.allSee(names, 'alive'), 30_000) !== undefined);
  });

  it('50 nodes under 5% loss with jitter: converge, detect two crashes, no false positives', () => {
    const sim = new Sim({ seed: 14, config: FastTestConfig, delay: [1, 40] });
    const names = formCluster(sim, 50, 60_000);
    sim.loss = 0.05;
    sim.runFor(5_000);
    sim.crash('node-10');
    sim.crash('node-20');
    const crashed = ['node-10', 'node-20'];
    assert.ok(sim.runUntilTrue(() => sim.allSee(crashed, 'dead'), 60_000) !== undefined);
    sim.runFor(10_000);
    const wrongly = sim.trace.filter((l) => l.includes('member-failed') && !crashed.some((c) => l.includes(`member-failed ${c} `)));
    assert.deepEqual(wrongly, []);
    // Under loss a live node may be transiently suspect; once the loss stops, all settle alive.
    sim.loss = 0;
    assert.ok(sim.runUntilTrue(() => sim.allSee(names.filter((x) => !crashed.includes(x)), 'alive'), 10_000) !== undefined);
  });
});
