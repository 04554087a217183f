import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/shared/random.js';
import { DefaultLANConfig } from '../../src/gossip/core/index.js';
import { formCluster, Sim } from './simulator.js';

/** Pause `share` of the members for `ms` once per simulated minute each, at random; run `minutes`. */
export function randomPauses(sim: Sim, names: string[], seed: number, minutes: number, share = 0.1, ms = 2_000): void {
  const rnd = seededRandom(seed);
  const chosen = new Set<string>();
  while (chosen.size < Math.max(1, Math.round(names.length * share))) chosen.add(names[rnd.int(names.length)]!);
  const start = sim.now;
  const pauses: [number, string][] = [];
  for (const x of chosen) for (let m = 0; m < minutes; m++) pauses.push([start + m * 60_000 + rnd.int(60_000), x]);
  pauses.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  for (const [at, x] of pauses) {
    sim.runUntil(at);
    sim.pause(x, ms);
  }
  sim.runUntil(start + minutes * 60_000);
}

describe('SWIM simulation: paused members (stalled processes)', () => {
  it('an observer paused while a suspect refuted does not declare it dead on its stale suspicion', () => {
    for (const pauseMs of [3_000, 9_000]) { // resumes before / after its stale timer ran out
      const sim = new Sim({ seed: 21, config: DefaultLANConfig });
      const names = formCluster(sim, 20);
      sim.runFor(2_000);
      const observer = sim.node('node-1');
      // node-1 has just heard node-9 suspected by three members: its timer runs min (5.2 s) ...
      for (const from of ['node-5', 'node-6', 'node-7']) {
        observer.swim.receive(sim.node(from).addr, { type: 'suspect', name: 'node-9', incarnation: 1, from }, sim.now);
      }
      // ... and stalls. Meanwhile node-9 hears the accusation too, refutes, and the news spreads
      // to everyone but the sleeper; its retransmits run out long before the sleeper wakes.
      sim.pause('node-1', pauseMs);
      sim.node('node-9').swim.receive(sim.node('node-5').addr, { type: 'suspect', name: 'node-9', incarnation: 1, from: 'node-5' }, sim.now);
      sim.runFor(40_000);
      assert.deepEqual(sim.eventsAbout('node-9', 'member-failed'), [], `paused ${pauseMs} ms`);
      assert.ok(sim.allSee(names, 'alive'), `paused ${pauseMs} ms: everyone alive`);
      assert.ok(sim.node('node-1').swim.stallCount() >= 1);
    }
  });

  it('a member paused past the suspicion timeout is declared dead, then comes back by itself', () => {
    const sim = new Sim({ seed: 22, config: DefaultLANConfig });
    const names = formCluster(sim, 10);
    sim.runFor(2_000);
    sim.pause('node-4', 40_000); // n = 10: suspicion 4 s .. 24 s
    const dead = sim.runUntilTrue(() => sim.allSee(['node-4'], 'dead', sim.running().filter((n) => n.name !== 'node-4')), 40_000);
    assert.ok(dead !== undefined, 'declared dead while paused');
    sim.runUntil(sim.now + 40_000);
    const back = sim.runUntilTrue(() => sim.allSee(names, 'alive'), 10_000);
    assert.ok(back !== undefined, 'refuted its death on resume, alive everywhere');
  });

  it('100 members, 10% paused 2 s at random once a minute: no live member is ever declared dead', () => {
    const sim = new Sim({ seed: 23, config: DefaultLANConfig, keepTrace: false, onEvent: (now, obs, kind, m) => {
      if (kind === 'member-failed') failures.push(`${now} ${obs} declares ${m.name}@${m.incarnation}`);
    } });
    const failures: string[] = [];
    const names = formCluster(sim, 100);
    randomPauses(sim, names, 23, 8);
    sim.runFor(10_000);
    assert.deepEqual(failures, []);
  });
});

describe('SWIM simulation: two nodes with one name', () => {
  it('the impostor is refused everywhere and reported; the real node stays alive, with no incarnation war', () => {
    const sim = new Sim({ seed: 24, config: DefaultLANConfig });
    const names = formCluster(sim, 10);
    const impostor = sim.addNode('node-3');
    sim.join(impostor, ['node-0']);
    sim.runFor(60_000);
    for (const n of sim.nodes) {
      if (n === impostor) continue;
      assert.equal(n.swim.member('node-3')?.addr, sim.node('node-3').addr, `${n.name} keeps node-3's address`);
    }
    assert.ok(sim.allSee(names, 'alive', sim.nodes.filter((n) => n !== impostor)), 'everyone alive, node-3 included');
    assert.ok(sim.node('node-3').swim.local().incarnation <= 2, 'the real node-3 did not fight for its name');
    assert.ok(impostor.swim.local().incarnation <= 2, 'neither did the impostor');
    assert.ok(sim.conflicts.some((c) => c.name === 'node-3' && c.claimedAddr === impostor.addr), 'the conflict was reported');
    assert.ok(sim.conflicts.length <= 100, `reported a bounded number of times (${sim.conflicts.length})`);
    assert.deepEqual(sim.eventsAbout('node-3', 'member-failed'), []);
    // When the real node-3 dies, its name can be reclaimed after deadNodeReclaimTime.
    sim.crash('node-3');
    assert.ok(sim.runUntilTrue(() => sim.allSee(['node-3'], 'dead', sim.nodes.filter((n) => n.name !== 'node-3')), 60_000) !== undefined);
    sim.runFor(DefaultLANConfig.deadNodeReclaimTime + 35_000); // the impostor's next push-pull carries its claim
    const held = sim.nodes.filter((n) => n.name !== 'node-3').map((n) => n.swim.member('node-3'));
    assert.ok(held.every((m) => m?.state === 'alive' && m.addr === impostor.addr), 'the name moved to the surviving claimant');
  });
});
