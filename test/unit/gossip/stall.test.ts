// False positives around stalled (paused) nodes: a node that wakes up late resyncs at once, and a
// suspicion of a newer incarnation is a new suspicion, not a confirmation of an older one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../src/shared/random.js';
import {
  DefaultLANConfig, Swim, suspicionTimeout, type PushPullState, type SwimConfig, type SwimEffect,
} from '../../../src/gossip/core/index.js';
import { runTo } from './run-to.js';

const addrOf = (name: string): string => `10.0.0.${Number(name.slice(1)) + 1}:7946`;
const cfg: SwimConfig = { ...DefaultLANConfig, pushPullInterval: 0, reconnectInterval: 0 };

/** n0 knowing n1..n4 alive (n = 5: suspicion min 4 s, max 24 s, k = 2). */
function node(): Swim {
  const s = new Swim({ name: 'n0', addr: addrOf('n0'), config: cfg, random: seededRandom(1), now: 0 });
  const states: PushPullState[] = [1, 2, 3, 4].map((i) => ({ name: `n${i}`, addr: addrOf(`n${i}`), incarnation: 1, state: 'alive', meta: {} }));
  s.receiveStream(addrOf('n1'), { type: 'push-pull-reply', states }, 0);
  s.drainEffects();
  return s;
}

/** Tick on time until `until`, every ping answered at once (a healthy network). */
function runHealthy(s: Swim, from: number, until: number): SwimEffect[] {
  return runTo(s, until, from, (e, now) => {
    if (e.kind !== 'send') return;
    for (const m of e.messages) if (m.type === 'ping') s.receive(e.to, { type: 'ack', seqNo: m.seqNo }, now);
  });
}

/** Ack the pings among `eff` (the probe of a late tick must not fail the test's peers). */
function answer(s: Swim, eff: SwimEffect[], now: number): SwimEffect[] {
  for (const e of eff) {
    if (e.kind !== 'send') continue;
    for (const m of e.messages) if (m.type === 'ping') s.receive(e.to, { type: 'ack', seqNo: m.seqNo }, now);
  }
  return eff;
}

const pushPulls = (eff: SwimEffect[]) => eff.filter((e): e is Extract<SwimEffect, { kind: 'push-pull' }> => e.kind === 'push-pull');
const failed = (eff: SwimEffect[]) => eff.filter((e) => e.kind === 'member-failed').map((e) => 'member' in e && e.member.name);

describe('suspicion of a newer incarnation', () => {
  it('starts a new timer instead of confirming (and so expiring at once) the older suspicion', () => {
    const s = node();
    s.receive(addrOf('n2'), { type: 'suspect', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    runHealthy(s, 0, 15_000);
    // n1 refuted (incarnation 2) while we were not listening, and is now accused again, twice.
    s.receive(addrOf('n3'), { type: 'suspect', name: 'n1', incarnation: 2, from: 'n3' }, 15_000);
    s.receive(addrOf('n4'), { type: 'suspect', name: 'n1', incarnation: 2, from: 'n4' }, 15_000);
    assert.equal(s.member('n1')?.incarnation, 2);
    // Counted as confirmations of the 0 ms suspicion, the timer would be min (4 s) from 0: dead now.
    const eff = runHealthy(s, 15_000, 15_000 + 4_000);
    assert.deepEqual(failed(eff), []);
    assert.equal(s.member('n1')?.state, 'suspect');
    // Its own timer: started at 15 s by n3, confirmed once by n4.
    const due = 15_000 + suspicionTimeout(1, 2, 4_000, 24_000);
    assert.deepEqual(failed(runHealthy(s, 19_000, due - 1)), []);
    assert.deepEqual(failed(runHealthy(s, due - 1, due + 1)), ['n1']);
  });
});

describe('a node that finds itself stalled', () => {
  it('is not fooled by ticks on time', () => {
    const s = node();
    runHealthy(s, 0, 120_000);
    assert.equal(s.stallCount(), 0);
  });

  it('raises its health score and push-pulls at once, so an accusation of it is refuted on the reply', () => {
    const s = node();
    runHealthy(s, 0, 10_000);
    const health = s.healthScore();
    const late = s.nextDeadline() + 3_000; // SIGSTOP for 3 s
    s.tick(late);
    assert.equal(s.stallCount(), 1);
    assert.equal(s.healthScore(), health + 1);
    const eff = answer(s, s.drainEffects(), late);
    const [pp] = pushPulls(eff);
    assert.ok(pp && pp.message.join === false, 'a resync push-pull with a live member');
    // The peer's view: we are suspected. The reply makes us refute straight away.
    const states = pp.message.states.map((x) => (x.name === 'n0' ? { ...x, state: 'suspect' as const } : x));
    assert.equal(s.receiveStream(pp.to, { type: 'push-pull-reply', states }, late + 5), null);
    assert.equal(s.local().incarnation, 2);
    const out = runHealthy(s, late + 5, late + 1_000).flatMap((e) => (e.kind === 'send' ? e.messages : []));
    assert.ok(out.some((m) => m.type === 'alive' && m.name === 'n0' && m.incarnation === 2), 'the refutation goes out');
  });

  it('does not declare a member dead on a suspicion that ran out while it slept; the resync clears it', () => {
    const s = node();
    runHealthy(s, 0, 5_000);
    for (const from of ['n2', 'n3', 'n4']) s.receive(addrOf(from), { type: 'suspect', name: 'n1', incarnation: 1, from }, 5_000);
    // Timer: min 4 s (two confirmations) → due at 9 s. We stall from 5.2 s to 12 s.
    const late = 12_000;
    s.tick(late);
    const eff = answer(s, s.drainEffects(), late);
    assert.deepEqual(failed(eff), [], 'not in the tick that ends the stall');
    assert.equal(s.member('n1')?.state, 'suspect');
    const [pp] = pushPulls(eff);
    assert.ok(pp);
    // n1 refuted while we slept: the reply says so.
    const states = pp.message.states.map((x) => (x.name === 'n1' ? { ...x, state: 'alive' as const, incarnation: 2 } : x));
    s.receiveStream(pp.to, { type: 'push-pull-reply', states }, late + 5);
    assert.equal(s.member('n1')?.state, 'alive');
    assert.deepEqual(failed(runHealthy(s, late + 5, late + 30_000)), []);
  });

  it('still declares it dead a probe interval later when nobody says otherwise', () => {
    const s = node();
    runHealthy(s, 0, 5_000);
    for (const from of ['n2', 'n3', 'n4']) s.receive(addrOf(from), { type: 'suspect', name: 'n1', incarnation: 1, from }, 5_000);
    s.tick(12_000);
    assert.deepEqual(failed(answer(s, s.drainEffects(), 12_000)), []);
    assert.deepEqual(failed(runHealthy(s, 12_000, 12_000 + cfg.probeInterval - 1)), []);
    assert.deepEqual(failed(runHealthy(s, 12_000 + cfg.probeInterval - 1, 12_000 + cfg.probeInterval)), ['n1']);
  });
});
