// Two agents claiming one node name from different addresses (memberlist aliveNode's "Conflicting
// address"): the claim is refused and reported, never adopted, never refuted into an incarnation war.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../src/shared/random.js';
import {
  DefaultLANConfig, Swim, type PushPullState, type SwimConfig, type SwimEffect,
} from '../../../src/gossip/core/index.js';
import { runTo } from './run-to.js';

const addrOf = (name: string): string => `10.0.0.${Number(name.slice(1)) + 1}:7946`;
const IMPOSTOR = '10.9.9.9:7946';
const quiet: SwimConfig = { ...DefaultLANConfig, gossipInterval: 0, pushPullInterval: 0, reconnectInterval: 0 };

function node(config: SwimConfig = quiet): Swim {
  const s = new Swim({ name: 'n0', addr: addrOf('n0'), config, random: seededRandom(1), now: 0 });
  const states: PushPullState[] = [1, 2, 3, 4].map((i) => ({ name: `n${i}`, addr: addrOf(`n${i}`), incarnation: 1, state: 'alive', meta: {} }));
  s.receiveStream(addrOf('n1'), { type: 'push-pull-reply', states }, 0);
  s.drainEffects();
  return s;
}

const conflicts = (eff: SwimEffect[]) => eff.filter((e) => e.kind === 'conflict');
const gossiped = (eff: SwimEffect[]) => eff.flatMap((e) => (e.kind === 'send' ? e.messages : []));

describe('name conflicts', () => {
  it('refuses an alive claim for a live member from another address, reports it once, never spreads it', () => {
    const s = node();
    s.receive(addrOf('n2'), { type: 'alive', name: 'n1', addr: IMPOSTOR, incarnation: 7, meta: { who: 'impostor' } }, 10);
    assert.deepEqual(s.member('n1'), { name: 'n1', addr: addrOf('n1'), incarnation: 1, state: 'alive', stateChangeAt: 0, meta: {} });
    const eff = s.drainEffects();
    assert.deepEqual(conflicts(eff), [{ kind: 'conflict', name: 'n1', knownAddr: addrOf('n1'), claimedAddr: IMPOSTOR, self: false }]);
    assert.ok(!eff.some((e) => e.kind === 'member-update' || e.kind === 'member-join'));
    // The same claim gossiped again is not reported again; the claim never rides on our packets.
    s.receive(addrOf('n3'), { type: 'alive', name: 'n1', addr: IMPOSTOR, incarnation: 7, meta: { who: 'impostor' } }, 20);
    s.receiveStream(addrOf('n3'), { type: 'push-pull', join: false, states: [{ name: 'n1', addr: IMPOSTOR, incarnation: 7, state: 'alive', meta: {} }] }, 30);
    const later = [...s.drainEffects(), ...runTo(s, 5_000, 30)];
    assert.deepEqual(conflicts(later), []);
    assert.ok(!gossiped(later).some((m) => m.type === 'alive' && m.addr === IMPOSTOR));
    // The real n1 still updates normally.
    s.receive(addrOf('n1'), { type: 'alive', name: 'n1', addr: addrOf('n1'), incarnation: 2, meta: { v: '2' } }, 5_001);
    assert.deepEqual([s.member('n1')?.incarnation, s.member('n1')?.meta], [2, { v: '2' }]);
  });

  it('does not refute an alive claim for its own name from another address (no incarnation war)', () => {
    const s = node();
    s.receive(addrOf('n2'), { type: 'alive', name: 'n0', addr: IMPOSTOR, incarnation: 5, meta: {} }, 10);
    assert.equal(s.local().incarnation, 1);
    assert.equal(s.local().addr, addrOf('n0'));
    assert.deepEqual(conflicts(s.drainEffects()), [{ kind: 'conflict', name: 'n0', knownAddr: addrOf('n0'), claimedAddr: IMPOSTOR, self: true }]);
    // Accusations (which carry no address) are still refuted as ever.
    s.receive(addrOf('n2'), { type: 'suspect', name: 'n0', incarnation: 1, from: 'n2' }, 20);
    assert.equal(s.local().incarnation, 2);
  });

  it('a left name may move to a new address at once; a dead one only after deadNodeReclaimTime', () => {
    const s = node();
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 3, from: 'n2' }, 0); // failed
    s.receive(addrOf('n2'), { type: 'dead', name: 'n3', incarnation: 3, from: 'n3' }, 0); // left
    s.drainEffects();
    // A fresh process on a new address starts again at incarnation 1: taken anyway (memberlist).
    s.receive(IMPOSTOR, { type: 'alive', name: 'n3', addr: IMPOSTOR, incarnation: 1, meta: {} }, 10);
    assert.deepEqual([s.member('n3')?.state, s.member('n3')?.addr], ['alive', IMPOSTOR]);
    s.receive('10.9.9.8:7946', { type: 'alive', name: 'n1', addr: '10.9.9.8:7946', incarnation: 4, meta: {} }, 10);
    assert.deepEqual([s.member('n1')?.state, s.member('n1')?.addr], ['dead', addrOf('n1')], 'dead 10 ms: not reclaimable yet');
    assert.equal(conflicts(s.drainEffects()).length, 1);
    const after = DefaultLANConfig.deadNodeReclaimTime + 1;
    s.receive('10.9.9.8:7946', { type: 'alive', name: 'n1', addr: '10.9.9.8:7946', incarnation: 1, meta: {} }, after);
    assert.deepEqual([s.member('n1')?.state, s.member('n1')?.addr], ['alive', '10.9.9.8:7946']);
    assert.ok(s.drainEffects().some((e) => e.kind === 'member-join' && e.member.name === 'n1'));
  });

  it('with deadNodeReclaimTime 0 a dead name never moves (memberlist default); the same address always comes back', () => {
    const s = node({ ...quiet, deadNodeReclaimTime: 0 });
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    s.receive(IMPOSTOR, { type: 'alive', name: 'n1', addr: IMPOSTOR, incarnation: 9, meta: {} }, 10_000_000);
    assert.deepEqual([s.member('n1')?.state, s.member('n1')?.addr], ['dead', addrOf('n1')]);
    s.receive(addrOf('n1'), { type: 'alive', name: 'n1', addr: addrOf('n1'), incarnation: 2, meta: {} }, 10_000_001);
    assert.equal(s.member('n1')?.state, 'alive');
  });
});
