import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../src/shared/random.js';
import {
  DefaultLANConfig, Swim, type Message, type PacketMessage, type PushPullState, type SwimEffect,
} from '../../../src/gossip/core/index.js';
import { runTo } from './run-to.js';

const cfg = DefaultLANConfig;
const addrOf = (name: string): string => `10.0.0.${Number(name.slice(1)) + 1}:7946`;

/** A Swim named n0 that already knows n1..n{peers}, all alive at incarnation 1. */
function node(peers = 4, now = 0): Swim {
  const s = new Swim({ name: 'n0', addr: addrOf('n0'), config: cfg, random: seededRandom(1), now });
  const states: PushPullState[] = [];
  for (let i = 1; i <= peers; i++) states.push({ name: `n${i}`, addr: addrOf(`n${i}`), incarnation: 1, state: 'alive', meta: {} });
  s.receiveStream(addrOf('n1'), { type: 'push-pull-reply', states }, now);
  s.drainEffects();
  return s;
}

const sends = (effects: SwimEffect[]): Extract<SwimEffect, { kind: 'send' }>[] =>
  effects.filter((e): e is Extract<SwimEffect, { kind: 'send' }> => e.kind === 'send');
const allMessages = (effects: SwimEffect[]): Message[] => sends(effects).flatMap((e) => e.messages);


/** Tick at successive deadlines until a probe ping goes out; returns it and the time sent. */
function nextProbe(s: Swim): { to: string; seqNo: number; target: string; at: number } {
  for (let guard = 0; guard < 1000; guard++) {
    const at = s.nextDeadline();
    s.tick(at);
    const eff = s.drainEffects();
    if (sends(eff).some((e) => e.messages[0]?.type === 'ping')) return { ...firstPing(eff), at };
  }
  throw new Error('never probed');
}

function firstPing(effects: SwimEffect[]): { to: string; seqNo: number; target: string } {
  for (const e of sends(effects)) {
    const p = e.messages[0];
    if (p?.type === 'ping') return { to: e.to, seqNo: p.seqNo, target: p.target };
  }
  throw new Error('no ping sent');
}

describe('Swim core', () => {
  it('acks a ping addressed to it (piggybacking broadcasts) and ignores a misdirected one', () => {
    const s = node();
    s.setMeta({ role: 'server' }, 0);
    s.receive(addrOf('n2'), { type: 'ping', seqNo: 7, target: 'n0' }, 10);
    const [out] = sends(s.drainEffects());
    assert.equal(out?.to, addrOf('n2'));
    assert.deepEqual(out?.messages[0], { type: 'ack', seqNo: 7 });
    assert.ok(out?.messages.some((m) => m.type === 'alive' && m.name === 'n0' && m.meta['role'] === 'server'));
    s.receive(addrOf('n2'), { type: 'ping', seqNo: 8, target: 'someone-else' }, 10);
    assert.deepEqual(s.drainEffects(), []);
  });

  it('a timely direct ack lowers awareness and leaves the target alive', () => {
    const s = node();
    s.receive(addrOf('n1'), { type: 'suspect', name: 'n0', incarnation: 1, from: 'n1' }, 0); // health 1
    assert.equal(s.healthScore(), 1);
    const ping = nextProbe(s);
    s.receive(ping.to, { type: 'ack', seqNo: ping.seqNo }, ping.at + 10);
    assert.equal(s.healthScore(), 0);
    assert.equal(s.member(ping.target)?.state, 'alive');
  });

  it('no ack: indirect probes through k helpers, then suspicion; missing nacks raise awareness', () => {
    const s = node(5);
    const ping = nextProbe(s);
    const start = ping.at;
    s.tick(start + cfg.probeTimeout);
    const indirect = allMessages(s.drainEffects()).filter((m) => m.type === 'indirect-ping');
    assert.equal(indirect.length, cfg.indirectChecks);
    for (const m of indirect) assert.equal(m.type === 'indirect-ping' && m.target, ping.target);
    s.receive(addrOf('n1'), { type: 'nack', seqNo: ping.seqNo }, start + 600); // one helper answered
    s.tick(start + cfg.probeInterval);
    assert.equal(s.member(ping.target)?.state, 'suspect');
    assert.equal(s.healthScore(), cfg.indirectChecks - 1, 'raised by the number of missing nacks');
    const out = allMessages(s.drainEffects());
    // the next probe's packet carries the suspicion broadcast
    assert.ok(out.some((m) => m.type === 'suspect' && m.name === ping.target && m.from === 'n0'));
  });

  it('asks the driver for a stream ping alongside the indirect probes, unless disabled', () => {
    for (const disableTcpPings of [false, true]) {
      const s = new Swim({ name: 'n0', addr: addrOf('n0'), config: { ...cfg, disableTcpPings }, random: seededRandom(5), now: 0 });
      s.receiveStream(addrOf('n1'), { type: 'push-pull-reply', states: [{ name: 'n1', addr: addrOf('n1'), incarnation: 1, state: 'alive', meta: {} }] }, 0);
      const ping = nextProbe(s);
      s.tick(ping.at + cfg.probeTimeout);
      const tcp = s.drainEffects().filter((e) => e.kind === 'tcp-ping');
      assert.deepEqual(tcp, disableTcpPings ? [] : [{ kind: 'tcp-ping', to: addrOf('n1'), seqNo: ping.seqNo, target: 'n1' }]);
      if (!disableTcpPings) {
        s.receive(addrOf('n1'), { type: 'ack', seqNo: ping.seqNo }, ping.at + 700);
        s.tick(ping.at + cfg.probeInterval);
        assert.equal(s.member('n1')?.state, 'alive', 'the stream ack saved it');
      }
    }
  });

  it('an ack relayed through a helper rescues the probe without lowering awareness', () => {
    const s = node(5);
    const ping = nextProbe(s);
    const start = ping.at;
    s.tick(start + cfg.probeTimeout);
    s.drainEffects();
    s.receive(addrOf('n3'), { type: 'ack', seqNo: ping.seqNo }, start + 700);
    s.tick(start + cfg.probeInterval);
    assert.equal(s.member(ping.target)?.state, 'alive');
    assert.equal(s.healthScore(), 0);
  });

  it('as a helper: pings the target, relays its ack, or nacks after the probe timeout', () => {
    const s = node();
    s.receive(addrOf('n1'), { type: 'indirect-ping', seqNo: 50, target: 'n2', targetAddr: addrOf('n2') }, 0);
    const [ping] = sends(s.drainEffects());
    assert.equal(ping?.to, addrOf('n2'));
    const p = ping?.messages[0];
    assert.ok(p?.type === 'ping');
    s.receive(addrOf('n2'), { type: 'ack', seqNo: p.seqNo }, 5);
    const [relayed] = sends(s.drainEffects());
    assert.deepEqual([relayed?.to, relayed?.messages[0]], [addrOf('n1'), { type: 'ack', seqNo: 50 }]);

    s.receive(addrOf('n1'), { type: 'indirect-ping', seqNo: 51, target: 'n3', targetAddr: addrOf('n3') }, 10);
    s.drainEffects();
    assert.ok(s.nextDeadline() <= 10 + cfg.probeTimeout);
    s.tick(10 + cfg.probeTimeout);
    const nack = sends(s.drainEffects()).find((e) => e.messages[0]?.type === 'nack');
    assert.deepEqual([nack?.to, nack?.messages[0]], [addrOf('n1'), { type: 'nack', seqNo: 51 }]);
  });

  it('refutes a suspicion or death about itself with a higher incarnation; ignores stale ones', () => {
    const s = node();
    s.receive(addrOf('n1'), { type: 'suspect', name: 'n0', incarnation: 0, from: 'n1' }, 0);
    assert.equal(s.local().incarnation, 1, 'stale accusation ignored');
    s.receive(addrOf('n1'), { type: 'suspect', name: 'n0', incarnation: 1, from: 'n1' }, 0);
    assert.equal(s.local().incarnation, 2);
    assert.equal(s.local().state, 'alive');
    s.receive(addrOf('n1'), { type: 'dead', name: 'n0', incarnation: 5, from: 'n2' }, 0);
    assert.equal(s.local().incarnation, 6);
    assert.equal(s.local().state, 'alive');
    s.receive(addrOf('n1'), { type: 'ping', seqNo: 1, target: 'n0' }, 0);
    const alive = allMessages(s.drainEffects()).filter((m) => m.type === 'alive' && m.name === 'n0');
    assert.deepEqual(alive.map((m) => m.type === 'alive' && m.incarnation), [6], 'only the newest refutation is gossiped');
  });

  it('re-sends its current alive to a peer still accusing an already-refuted incarnation', () => {
    const s = node();
    s.receive(addrOf('n1'), { type: 'suspect', name: 'n0', incarnation: 1, from: 'n1' }, 0);
    assert.equal(s.local().incarnation, 2);
    runTo(s, 20_000); // let the refutation's retransmits run out
    // n3 missed it: its probe carries the stale suspicion ahead of the ping
    s.receive(addrOf('n3'), { type: 'suspect', name: 'n0', incarnation: 1, from: 'n3' }, 20_001);
    s.receive(addrOf('n3'), { type: 'ping', seqNo: 77, target: 'n0' }, 20_001);
    const [ack] = sends(s.drainEffects());
    assert.deepEqual(ack?.messages[0], { type: 'ack', seqNo: 77 });
    assert.ok(ack?.messages.some((m) => m.type === 'alive' && m.name === 'n0' && m.incarnation === 2), 'the ack carries the refutation');
    assert.equal(s.local().incarnation, 2, 'no new incarnation for a stale accusation');
  });

  it('probing a suspect sends the suspicion ahead of the ping', () => {
    const s = node(1);
    s.receive(addrOf('n1'), { type: 'suspect', name: 'n1', incarnation: 1, from: 'n9' }, 0);
    const probe = (() => {
      for (let i = 0; i < 100; i++) {
        const at = s.nextDeadline();
        s.tick(at);
        const hit = sends(s.drainEffects()).find((e) => e.messages.some((m) => m.type === 'ping'));
        if (hit) return hit;
      }
      return undefined;
    })();
    assert.deepEqual(probe?.messages.slice(0, 2).map((m) => m.type), ['suspect', 'ping']);
  });

  it('applies SWIM precedence: stale messages lose, suspect beats alive at equal incarnation, higher alive clears it', () => {
    const s = node();
    s.receive(addrOf('n2'), { type: 'suspect', name: 'n1', incarnation: 0, from: 'n2' }, 0);
    assert.equal(s.member('n1')?.state, 'alive');
    s.receive(addrOf('n2'), { type: 'suspect', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    assert.equal(s.member('n1')?.state, 'suspect');
    s.receive(addrOf('n2'), { type: 'alive', name: 'n1', addr: addrOf('n1'), incarnation: 1, meta: {} }, 0);
    assert.equal(s.member('n1')?.state, 'suspect');
    s.receive(addrOf('n1'), { type: 'alive', name: 'n1', addr: addrOf('n1'), incarnation: 2, meta: {} }, 0);
    assert.equal(s.member('n1')?.state, 'alive');
    assert.ok(s.nextDeadline() < 10_000_000);
  });

  it('suspicion expires into dead, sooner with independent confirmations', () => {
    const s = node(4); // n = 5: min 4 s, max 24 s, k = 2
    s.receive(addrOf('n2'), { type: 'suspect', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    s.receive(addrOf('n3'), { type: 'suspect', name: 'n1', incarnation: 1, from: 'n3' }, 0);
    s.receive(addrOf('n4'), { type: 'suspect', name: 'n1', incarnation: 1, from: 'n4' }, 0);
    s.tick(3_999);
    assert.equal(s.member('n1')?.state, 'suspect');
    s.tick(4_000);
    assert.equal(s.member('n1')?.state, 'dead');
    const failed = s.drainEffects().filter((e) => e.kind === 'member-failed');
    assert.deepEqual(failed.map((e) => 'member' in e && e.member.name), ['n1']);
  });

  it('a dead or left name that comes back with a higher incarnation rejoins', () => {
    const s = node();
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    s.receive(addrOf('n3'), { type: 'dead', name: 'n3', incarnation: 1, from: 'n3' }, 0);
    assert.deepEqual([s.member('n1')?.state, s.member('n3')?.state], ['dead', 'left']);
    s.drainEffects();
    s.receive(addrOf('n1'), { type: 'alive', name: 'n1', addr: addrOf('n1'), incarnation: 1, meta: {} }, 5);
    assert.equal(s.member('n1')?.state, 'dead', 'same incarnation does not resurrect');
    // A new address for a failed member only after deadNodeReclaimTime (see name-conflict.test.ts).
    const reclaim = cfg.deadNodeReclaimTime + 1;
    s.receive(addrOf('n1'), { type: 'alive', name: 'n1', addr: '10.9.9.9:7946', incarnation: 2, meta: {} }, reclaim);
    s.receive(addrOf('n3'), { type: 'alive', name: 'n3', addr: addrOf('n3'), incarnation: 2, meta: {} }, reclaim);
    assert.deepEqual([s.member('n1')?.state, s.member('n1')?.addr, s.member('n3')?.state], ['alive', '10.9.9.9:7946', 'alive']);
    const joins = s.drainEffects().filter((e) => e.kind === 'member-join');
    assert.equal(joins.length, 2);
  });

  it('push-pull merge turns a remote "dead" into a local suspicion, and "left" into left', () => {
    const s = node();
    const reply = s.receiveStream(addrOf('n1'), {
      type: 'push-pull', join: false, states: [
        { name: 'n2', addr: addrOf('n2'), incarnation: 1, state: 'dead', meta: {} },
        { name: 'n3', addr: addrOf('n3'), incarnation: 1, state: 'left', meta: {} },
        { name: 'n9', addr: addrOf('n9'), incarnation: 4, state: 'alive', meta: { dc: 'x' } },
        { name: 'n0', addr: addrOf('n0'), incarnation: 3, state: 'dead', meta: {} },
      ],
    }, 0);
    assert.equal(s.member('n2')?.state, 'suspect');
    assert.equal(s.member('n3')?.state, 'left');
    assert.deepEqual(s.member('n9')?.meta, { dc: 'x' });
    assert.equal(s.local().incarnation, 4, 'refuted our own reported death');
    assert.ok(reply?.states.some((x) => x.name === 'n0' && x.incarnation === 4 && x.state === 'alive'), 'reply carries the refutation');
    assert.equal(s.receiveStream(addrOf('n1'), { type: 'push-pull-reply', states: [] }, 0), null);
  });

  it('leave: announces left, stops probing and push-pull, keeps gossiping', () => {
    const s = node();
    s.leave(0);
    assert.equal(s.hasLeft(), true);
    const eff = runTo(s, 5_000);
    const msgs = allMessages(eff);
    assert.ok(msgs.some((m) => m.type === 'dead' && m.name === 'n0' && m.from === 'n0'));
    assert.ok(!msgs.some((m) => m.type === 'ping' || m.type === 'indirect-ping'));
    assert.ok(!eff.some((e) => e.kind === 'push-pull'));
    s.receive(addrOf('n1'), { type: 'suspect', name: 'n0', incarnation: 9, from: 'n1' }, 6_000);
    assert.equal(s.local().incarnation, 1, 'a leaving node does not refute');
  });

  it('setMeta bumps the incarnation; peers see a member-update', () => {
    const a = node();
    a.setMeta({ role: 'server' }, 0);
    assert.equal(a.local().incarnation, 2);
    const b = new Swim({ name: 'n1', addr: addrOf('n1'), config: cfg, random: seededRandom(2), now: 0 });
    b.receive(addrOf('n0'), { type: 'alive', name: 'n0', addr: addrOf('n0'), incarnation: 1, meta: {} }, 0);
    b.receive(addrOf('n0'), { type: 'alive', name: 'n0', addr: addrOf('n0'), incarnation: 2, meta: { role: 'server' } }, 0);
    assert.deepEqual(b.drainEffects().filter((e) => e.kind.startsWith('member')).map((e) => e.kind), ['member-join', 'member-update']);
    assert.throws(() => a.setMeta({ big: 'x'.repeat(600) }, 0));
  });

  it('join asks for a push-pull with each seed; periodic push-pull picks a live member', () => {
    const s = new Swim({ name: 'n0', addr: addrOf('n0'), config: cfg, random: seededRandom(3), now: 0 });
    s.join([addrOf('n1'), addrOf('n0'), addrOf('n2')], 0);
    const pp = s.drainEffects().filter((e) => e.kind === 'push-pull');
    assert.deepEqual(pp.map((e) => e.kind === 'push-pull' && [e.to, e.message.join]), [[addrOf('n1'), true], [addrOf('n2'), true]]);
    const t = node();
    assert.ok(runTo(t, cfg.pushPullInterval + 1).some((e) => e.kind === 'push-pull'));
  });

  it('survives valid-but-senseless input without throwing', () => {
    const s = node();
    const junk: PacketMessage[] = [
      { type: 'ack', seqNo: 123456 }, { type: 'nack', seqNo: 9 },
      { type: 'suspect', name: 'ghost', incarnation: 1, from: 'x' },
      { type: 'dead', name: 'ghost', incarnation: 1, from: 'ghost' },
      { type: 'alive', name: 'n0', addr: '1.1.1.1:1', incarnation: 0, meta: {} },
    ];
    for (const m of junk) s.receive('9.9.9.9:1', m, 1);
    for (let i = 0; i < 5000; i++) s.receive('9.9.9.9:1', { type: 'indirect-ping', seqNo: i, target: 'n1', targetAddr: addrOf('n1') }, 1);
    assert.ok(sends(s.drainEffects()).length <= 1100, 'relay table is bounded');
    s.receiveStream('9.9.9.9:1', { type: 'push-pull', join: true, states: [] }, 2);
    assert.equal(s.local().state, 'alive');
  });

  it('gossipInterval 0 disables the gossip tick without busy-looping', () => {
    const s = new Swim({ name: 'n0', addr: addrOf('n0'), config: { ...cfg, gossipInterval: 0, pushPullInterval: 0, reconnectInterval: 0 }, random: seededRandom(4), now: 0 });
    assert.ok(s.nextDeadline() <= cfg.probeInterval);
    s.tick(s.nextDeadline());
    assert.ok(s.nextDeadline() > 0 && Number.isFinite(s.nextDeadline()));
  });

  it('nextDeadline always moves forward after a tick', () => {
    const s = node(8);
    let now = 0;
    for (let i = 0; i < 500; i++) {
      const d = s.nextDeadline();
      assert.ok(Number.isFinite(d));
      now = Math.max(now, d);
      s.tick(now);
      s.drainEffects();
      assert.ok(s.nextDeadline() > now, 'a tick always consumes the work that was due (no busy loop)');
    }
  });
});

describe('force-leave', () => {
  it('turns a failed member into a left one and broadcasts it; alive and unknown members are refused', () => {
    const s = node(2);
    assert.equal(s.forceLeave('n1', 0), false, 'alive members are not force-left');
    assert.equal(s.forceLeave('nope', 0), false);
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    assert.equal(s.member('n1')?.state, 'dead');
    s.drainEffects();
    assert.equal(s.forceLeave('n1', 10), true);
    assert.equal(s.member('n1')?.state, 'left');
    const effects = [...s.drainEffects(), ...runTo(s, 5_000, 10)];
    assert.ok(effects.some((e) => e.kind === 'member-leave' && e.member.name === 'n1'));
    assert.ok(allMessages(effects).some((m) => m.type === 'dead' && m.name === 'n1' && m.from === 'n1'), 'the leave is gossiped');
  });

  it('a peer that hears the leave of a member it holds as failed marks it left too', () => {
    const s = node(2);
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 1, from: 'n2' }, 0);
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 1, from: 'n1' }, 1);
    assert.equal(s.member('n1')?.state, 'left');
    s.receive(addrOf('n2'), { type: 'dead', name: 'n1', incarnation: 1, from: 'n2' }, 2);
    assert.equal(s.member('n1')?.state, 'left', 'a later failure report does not undo a leave');
  });
});

describe('a probe that resumes late (this process was paused)', () => {
  it('sends the indirect pings and waits their window before suspecting, so an indirect ack still saves the target', () => {
    const s = node(4);
    const probe = nextProbe(s);
    const late = probe.at + 10_000; // far past both the ack deadline and the probe's end
    s.tick(late);
    const effects = s.drainEffects();
    assert.ok(allMessages(effects).some((m) => m.type === 'indirect-ping' && m.target === probe.target), 'indirect probes go out');
    assert.equal(s.member(probe.target)?.state, 'alive', 'not suspected in the same tick');
    s.receive(addrOf('n2'), { type: 'ack', seqNo: probe.seqNo }, late + 50);
    runTo(s, late + 5_000, late + 50);
    assert.equal(s.member(probe.target)?.state, 'alive');
  });

  it('still suspects the target when no ack comes within the window', () => {
    const s = node(4);
    const probe = nextProbe(s);
    const late = probe.at + 10_000;
    s.tick(late);
    s.drainEffects();
    runTo(s, late + cfg.probeInterval, late);
    assert.equal(s.member(probe.target)?.state, 'suspect');
  });
});
