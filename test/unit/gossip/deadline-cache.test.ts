// Swim.nextDeadline() is asked after every input; its parts keep their earliest times instead of
// walking all members. These tests check the kept minima against a brute-force scan, and that
// asking is cheap in a large pool.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../../src/shared/random.js';
import {
  DefaultLANConfig, Swim, nextReapable, type MemberState, type PushPullState,
} from '../../../src/gossip/core/index.js';
import { MemberTable } from '../../../src/gossip/core/member-table.js';
import { Suspicions } from '../../../src/gossip/core/suspicions.js';

const STATES: MemberState[] = ['alive', 'suspect', 'dead', 'left'];

describe('MemberTable keeps the earliest reap time', () => {
  it('matches a full scan through random adds, state changes and deletes', () => {
    const c = { reconnectTimeout: 700, tombstoneTimeout: 300 };
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = seededRandom(seed);
      const t = new MemberTable('me', c);
      t.add({ name: 'me', addr: 'a:1', incarnation: 1, state: 'alive', stateChangeAt: 0, meta: {} });
      let now = 0;
      for (let step = 0; step < 2000; step++) {
        now += rnd.int(50);
        const name = `m${rnd.int(30)}`;
        const m = t.get(name);
        const op = rnd.int(10);
        if (!m) t.add({ name, addr: 'a:2', incarnation: 1, state: STATES[rnd.int(4)]!, stateChangeAt: now, meta: {} });
        else if (op < 7) t.setState(m, STATES[rnd.int(4)]!, now);
        else t.delete(name);
        if (rnd.int(3) === 0) t.setState(t.self(), STATES[rnd.int(4)]!, now); // self never counts
        assert.equal(t.nextReapable(), nextReapable(t.values(), 'me', c), `seed ${seed} step ${step}`);
      }
    }
  });
});

describe('Suspicions keeps the earliest deadline', () => {
  it('matches a full scan through random starts, confirmations, refutations, postponements and expiries', () => {
    const cfg = { ...DefaultLANConfig, probeInterval: 100 };
    for (const seed of [1, 2, 3]) {
      const rnd = seededRandom(seed);
      const s = new Suspicions(cfg);
      const open = new Map<string, true>();
      let now = 0;
      for (let step = 0; step < 3000; step++) {
        now += rnd.int(40);
        const name = `m${rnd.int(20)}`;
        const op = rnd.int(10);
        if (op < 3) {
          s.start(name, `a${rnd.int(5)}`, now, 5 + rnd.int(50));
          open.set(name, true);
        } else if (op < 6) s.confirm(name, `a${rnd.int(8)}`);
        else if (op < 7) {
          s.delete(name);
          open.delete(name);
        } else if (op < 8) s.postpone(name, now + rnd.int(3000));
        else for (const n of s.takeExpired(now)) open.delete(n);
        // Brute force through the public surface: the earliest time at which something expires.
        const names = s.names();
        assert.deepEqual(names.sort(), [...open.keys()].sort());
        const d = s.deadline();
        if (names.length === 0) assert.equal(d, Infinity);
        else {
          assert.deepEqual(probeExpiry(s, d - 1), [], `seed ${seed} step ${step}: nothing due before the deadline`);
          assert.ok(probeExpiry(s, d).length > 0, `seed ${seed} step ${step}: something due at the deadline`);
        }
      }
    }
  });
});

/** Which timers would expire at `t`, without consuming them (on a copy of the state). */
function probeExpiry(s: Suspicions, t: number): string[] {
  const timers = (s as unknown as { timers: Map<string, { deadline(): number }> }).timers;
  return [...timers].filter(([, x]) => x.deadline() <= t).map(([n]) => n);
}

describe('Swim.nextDeadline in a large pool', () => {
  it('is cheap to ask: far cheaper than one scan of 5000 members, some dead and some suspected', () => {
    const s = new Swim({ name: 'n0', addr: '10.0.0.1:7946', config: DefaultLANConfig, random: seededRandom(1), now: 0 });
    const states: PushPullState[] = [];
    for (let i = 1; i < 5000; i++) {
      const state: MemberState = i % 50 === 0 ? 'dead' : 'alive';
      states.push({ name: `n${i}`, addr: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}:7946`, incarnation: 1, state, meta: {} });
    }
    s.receiveStream('10.0.0.2:7946', { type: 'push-pull-reply', states }, 0);
    for (let i = 1; i < 5000; i += 97) s.receive('10.0.0.2:7946', { type: 'suspect', name: `n${i}`, incarnation: 1, from: 'n2' }, 0);
    s.drainEffects();
    // Relative to one scan of the members (the box may be busy, so no absolute bound).
    const list = s.allMembers();
    let sum = 0;
    let t0 = performance.now();
    for (let i = 0; i < 500; i++) sum += nextReapable(list, 'n0', DefaultLANConfig);
    const scanMs = (performance.now() - t0) / 500;
    t0 = performance.now();
    for (let i = 0; i < 200_000; i++) sum += s.nextDeadline();
    const callMs = (performance.now() - t0) / 200_000;
    assert.ok(!Number.isNaN(sum));
    assert.ok(callMs < scanMs / 20, `nextDeadline() ${(callMs * 1e6).toFixed(0)} ns per call vs ${(scanMs * 1e6).toFixed(0)} ns per member scan`);
  });

  it('moves out again when the member holding the earliest time is revived or refuted', () => {
    // A leaving node neither probes, gossips on a timer nor push-pulls: only the reap and
    // suspicion timers make its deadline, so each can be seen exactly.
    const cfg = { ...DefaultLANConfig, gossipInterval: 0, pushPullInterval: 0, reconnectInterval: 0, reconnectTimeout: 1_000, reapInterval: 1 };
    const s = new Swim({ name: 'n0', addr: '10.0.0.1:7946', config: cfg, random: seededRandom(3), now: 0 });
    const peers: PushPullState[] = [1, 2, 3, 4].map((i) => ({ name: `n${i}`, addr: `10.0.0.${i + 1}:7946`, incarnation: 1, state: 'alive', meta: {} }));
    s.receiveStream('10.0.0.2:7946', { type: 'push-pull-reply', states: peers }, 0);
    s.leave(0);
    assert.equal(s.nextDeadline(), Infinity);
    s.receive('10.0.0.3:7946', { type: 'dead', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    s.receive('10.0.0.3:7946', { type: 'suspect', name: 'n3', incarnation: 1, from: 'n2' }, 0);
    assert.equal(s.nextDeadline(), 1_001, 'n1 reapable just after reconnectTimeout');
    s.receive('10.0.0.2:7946', { type: 'alive', name: 'n1', addr: '10.0.0.2:7946', incarnation: 2, meta: {} }, 10);
    assert.equal(s.member('n1')?.state, 'alive');
    assert.equal(s.nextDeadline(), 24_000, 'n3 suspicion: max timeout (n = 5: 6 × 4 s), no confirmations');
    s.receive('10.0.0.5:7946', { type: 'suspect', name: 'n3', incarnation: 1, from: 'n4' }, 20);
    assert.ok(s.nextDeadline() < 24_000, 'a confirmation brings it in');
    s.receive('10.0.0.4:7946', { type: 'alive', name: 'n3', addr: '10.0.0.4:7946', incarnation: 2, meta: {} }, 30);
    assert.equal(s.nextDeadline(), Infinity, 'refuted: nothing left to do');
  });
});
