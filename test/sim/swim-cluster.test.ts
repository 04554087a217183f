import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultLANConfig } from '../../src/gossip/core/index.js';
import { formCluster, Sim } from './simulator.js';

const N = 20;

describe('SWIM cluster simulation (LAN preset, 20 nodes)', () => {
  it('join propagation: every node learns every other node', () => {
    const sim = new Sim({ seed: 1, config: DefaultLANConfig });
    const names = formCluster(sim, N);
    assert.ok(sim.allSee(names, 'alive'));
    for (const n of sim.nodes) assert.equal(n.swim.allMembers().length, N);
    assert.ok(sim.now <= 30_000, `converged at ${sim.now}`);
  });

  it('failure detection: a crashed node is declared dead by all within a bound', () => {
    const sim = new Sim({ seed: 2, config: DefaultLANConfig });
    const names = formCluster(sim, N);
    sim.runFor(5_000);
    const start = sim.now;
    sim.crash('node-7');
    const at = sim.runUntilTrue(() => sim.allSee(['node-7'], 'dead'), 60_000);
    assert.ok(at !== undefined, 'node-7 declared dead everywhere');
    // Bound: a probe round to notice, plus the suspicion max (31.2 s for n=20), plus gossip slack.
    assert.ok(at - start <= 45_000, `took ${at - start} ms`);
    const others = names.filter((n) => n !== 'node-7');
    assert.ok(sim.allSee(others, 'alive'), 'nobody else was harmed');
    assert.equal(sim.eventsAbout('node-7', 'member-failed').length, N - 1);
  });

  it('a slow-but-alive node (paused shorter than the suspicion window) refutes and is never declared dead', () => {
    for (const seed of [3, 4, 5]) {
      const sim = new Sim({ seed, config: DefaultLANConfig });
      const names = formCluster(sim, N);
      sim.runFor(3_000);
      sim.pause('node-4', 2_000);
      sim.runFor(40_000);
      assert.deepEqual(sim.eventsAbout('node-4', 'member-failed'), [], `seed ${seed}`);
      assert.ok(sim.allSee(names, 'alive'), `seed ${seed}: everyone alive`);
    }
  });

  it('leave vs fail: a graceful leave ends as left, never dead', () => {
    const sim = new Sim({ seed: 6, config: DefaultLANConfig });
    formCluster(sim, N);
    sim.leave('node-3');
    sim.runFor(3_000); // the leaving node keeps gossiping its farewell briefly, then stops
    sim.crash('node-3');
    const at = sim.runUntilTrue(() => sim.allSee(['node-3'], 'left'), 30_000);
    assert.ok(at !== undefined, 'everyone sees node-3 as left');
    sim.runFor(40_000);
    assert.ok(sim.allSee(['node-3'], 'left'), 'and it stays left');
    assert.deepEqual(sim.eventsAbout('node-3', 'member-failed'), []);
    assert.equal(sim.eventsAbout('node-3', 'member-leave').length, N - 1);
  });

  it('partition heal: after healing, everyone is alive again', () => {
    const sim = new Sim({ seed: 7, config: DefaultLANConfig });
    const names = formCluster(sim, N);
    const a = names.slice(0, N / 2);
    const b = names.slice(N / 2);
    sim.partition([a, b]);
    const split = sim.runUntilTrue(() => sim.allSee(b, 'dead', a.map((n) => sim.node(n))), 120_000);
    assert.ok(split !== undefined, 'each side declares the other dead');
    sim.runFor(10_000);
    sim.heal();
    const healed = sim.runUntilTrue(() => sim.allSee(names, 'alive'), 120_000);
    assert.ok(healed !== undefined, 'cluster merged again');
  });

  for (const disableTcpPings of [false, true]) {
    it(`10% packet loss: no false dead declarations (${disableTcpPings ? 'UDP only' : 'with stream-ping fallback'})`, () => {
      const sim = new Sim({ seed: 8, config: { ...DefaultLANConfig, disableTcpPings } });
      const names = formCluster(sim, N);
      sim.loss = 0.1;
      sim.runFor(60_000);
      const failed = sim.trace.filter((l) => l.includes('member-failed'));
      assert.deepEqual(failed, []);
      sim.loss = 0;
      assert.ok(sim.runUntilTrue(() => sim.allSee(names, 'alive'), 10_000) !== undefined, 'any transient suspicion resolves');
    });
  }

  it('determinism: the same seed gives the identical trace', () => {
    const run = (seed: number): string[] => {
      const sim = new Sim({ seed, config: DefaultLANConfig, loss: 0.05 });
      formCluster(sim, 10);
      sim.crash('node-2');
      sim.pause('node-5', 1_500);
      sim.runFor(30_000);
      return sim.trace;
    };
    const first = run(42);
    assert.ok(first.some((l) => l.includes('member-failed node-2')));
    assert.deepEqual(run(42), first);
    assert.notDeepEqual(run(43), first);
  });
});
