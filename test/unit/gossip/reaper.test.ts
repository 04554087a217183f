import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../src/shared/random.js';
import {
  DefaultLANConfig, DefaultLocalConfig, DefaultWANConfig, FastTestConfig, Swim,
  type Member, type PushPullState, type SwimConfig, type SwimEffect,
} from '../../../src/gossip/core/index.js';
import { membersToReap, nextReapable, reapAt } from '../../../src/gossip/core/reaper.js';
import { runTo } from './run-to.js';

const HOUR = 3_600_000;
const addrOf = (name: string): string => `10.0.0.${Number(name.slice(1)) + 1}:7946`;
// Quiet config: no periodic push-pull, reconnect or gossip noise; short reap timeouts.
const cfg: SwimConfig = {
  ...DefaultLANConfig, pushPullInterval: 0, gossipInterval: 0,
  reconnectTimeout: 10_000, tombstoneTimeout: 5_000, reapInterval: 1_000,
};

function node(config: SwimConfig = cfg, peers = 4): Swim {
  const s = new Swim({ name: 'n0', addr: addrOf('n0'), config, random: seededRandom(1), now: 0 });
  const states: PushPullState[] = [];
  for (let i = 1; i <= peers; i++) states.push({ name: `n${i}`, addr: addrOf(`n${i}`), incarnation: 1, state: 'alive', meta: {} });
  s.receiveStream(addrOf('n1'), { type: 'push-pull-reply', states }, 0);
  s.drainEffects();
  return s;
}


const reaps = (eff: SwimEffect[]): string[] =>
  eff.flatMap((e) => (e.kind === 'member-reap' ? [`${e.member.name}:${e.member.state}`] : []));

function member(name: string, state: Member['state'], stateChangeAt: number): Member {
  return { name, addr: addrOf(name), incarnation: 1, state, stateChangeAt, meta: {} };
}

describe('reaper (pure decisions)', () => {
  const c = { reconnectTimeout: 100, tombstoneTimeout: 50 };
  it('dead after reconnectTimeout, left after tombstoneTimeout, never alive/suspect/self', () => {
    const ms = [member('a', 'dead', 0), member('b', 'left', 0), member('c', 'alive', 0), member('d', 'suspect', 0), member('me', 'left', 0)];
    assert.deepEqual([reapAt(ms[0]!, c), reapAt(ms[1]!, c), reapAt(ms[2]!, c), reapAt(ms[3]!, c)], [100, 50, Infinity, Infinity]);
    assert.deepEqual(membersToReap(ms, 'me', 50, c), []);
    assert.deepEqual(membersToReap(ms, 'me', 51, c), ['b']);
    assert.deepEqual(membersToReap(ms, 'me', 101, c), ['a', 'b']);
    assert.equal(nextReapable(ms, 'me', c), 50);
    assert.equal(nextReapable([member('c', 'alive', 0)], 'me', c), Infinity);
  });

  it('a timeout of 0 never reaps', () => {
    const ms = [member('a', 'dead', 0), member('b', 'left', 0)];
    assert.deepEqual(membersToReap(ms, 'me', 1e12, { reconnectTimeout: 0, tombstoneTimeout: 0 }), []);
  });
});

describe('Swim reaping', () => {
  it('every preset carries serf/Consul reap settings', () => {
    for (const p of [DefaultLANConfig, DefaultWANConfig, DefaultLocalConfig]) {
      assert.deepEqual([p.reconnectTimeout, p.tombstoneTimeout, p.reapInterval], [72 * HOUR, 24 * HOUR, 15_000]);
    }
    assert.ok(FastTestConfig.reconnectTimeout > 0 && FastTestConfig.tombstoneTimeout > 0 && FastTestConfig.reapInterval > 0);
  });

  it('reaps a dead member after reconnectTimeout, not before, emitting member-reap', () => {
    const s = node();
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    s.drainEffects();
    const early = runTo(s, 10_000);
    assert.equal(s.member('n1')?.state, 'dead', 'still known at exactly reconnectTimeout');
    assert.deepEqual(reaps(early), []);
    const eff = runTo(s, 12_000);
    assert.equal(s.member('n1'), undefined);
    assert.ok(!s.allMembers().some((m) => m.name === 'n1'));
    assert.deepEqual(reaps(eff), ['n1:dead']);
    assert.ok(s.nextDeadline() < Infinity);
  });

  it('reaps a left member after tombstoneTimeout', () => {
    const s = node();
    s.receive(addrOf('n3'), { type: 'dead', name: 'n3', incarnation: 1, from: 'n3' }, 1_000);
    s.drainEffects();
    s.tick(6_000);
    assert.equal(s.member('n3')?.state, 'left');
    s.tick(6_001);
    assert.equal(s.member('n3')?.state, 'left', 'next reap check is a reapInterval after the last one');
    s.tick(7_000);
    assert.equal(s.member('n3'), undefined);
    assert.deepEqual(reaps(s.drainEffects()), ['n3:left']);
  });

  it('checks at most every reapInterval', () => {
    const s = node({ ...cfg, reapInterval: 5_000 });
    s.tick(0); // reap check at 0; next no sooner than 5000
    s.receive(addrOf('n3'), { type: 'dead', name: 'n3', incarnation: 1, from: 'n3' }, 0);
    s.receive(addrOf('n2'), { type: 'dead', name: 'n4', incarnation: 1, from: 'n2' }, 0);
    s.tick(5_000);
    assert.equal(s.member('n3')?.state, 'left', 'tombstone not yet passed at the 5 s check');
    s.tick(5_001);
    assert.equal(s.member('n3')?.state, 'left', 'within the interval: no check');
    assert.equal(s.nextDeadline() <= 10_000, true);
    s.tick(10_000);
    assert.equal(s.member('n3'), undefined);
    assert.equal(s.member('n4')?.state, 'dead', 'reconnectTimeout not passed yet');
  });

  it('a reaped name that comes back alive is a fresh member-join, even at its old incarnation', () => {
    const s = node();
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 3, from: 'n2' }, 0);
    s.tick(10_001);
    assert.equal(s.member('n1'), undefined);
    s.drainEffects();
    // Stale dead/suspect/left news from peers that have not reaped yet does not resurrect it.
    s.receiveStream(addrOf('n2'), {
      type: 'push-pull-reply', states: [{ name: 'n1', addr: addrOf('n1'), incarnation: 3, state: 'dead', meta: {} }],
    }, 10_002);
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 3, from: 'n1' }, 10_002);
    assert.equal(s.member('n1'), undefined);
    s.receive(addrOf('n1'), { type: 'alive', name: 'n1', addr: addrOf('n1'), incarnation: 1, meta: { v: '2' } }, 10_003);
    assert.equal(s.member('n1')?.state, 'alive');
    const eff = s.drainEffects();
    assert.deepEqual(eff.filter((e) => e.kind === 'member-join').map((e) => 'member' in e && e.member.name), ['n1']);
  });

  it('reaped members leave push-pull state, reconnect targets and gossip-to-the-dead', () => {
    const s = node({ ...cfg, gossipInterval: 200, gossipToTheDeadTime: 60_000, reconnectInterval: 1_000 });
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    s.receive(addrOf('n3'), { type: 'dead', name: 'n3', incarnation: 1, from: 'n3' }, 0);
    runTo(s, 10_500);
    const reply = s.receiveStream(addrOf('n2'), { type: 'push-pull', join: false, states: [] }, 10_500);
    assert.deepEqual(reply?.states.map((x) => x.name).sort(), ['n0', 'n1', 'n2', 'n4'], 'left n3 reaped, dead n1 not yet');
    s.drainEffects();
    const before = runTo(s, 12_000);
    assert.ok(before.some((e) => e.kind === 'push-pull' && e.to === addrOf('n1')), 'reconnect tried dead n1 while known');
    assert.deepEqual(reaps(before), ['n1:dead']);
    const reply2 = s.receiveStream(addrOf('n2'), { type: 'push-pull', join: false, states: [] }, 12_000);
    assert.deepEqual(reply2?.states.map((x) => x.name).sort(), ['n0', 'n2', 'n4']);
    // Probes fail (no acks here), so n2/n4 turn dead too; still nothing may go to reaped n1 or n3.
    const later = runTo(s, 40_000);
    const toReaped = later.filter((e) => 'to' in e && (e.to === addrOf('n1') || e.to === addrOf('n3')));
    assert.deepEqual(toReaped, []);
  });
});
