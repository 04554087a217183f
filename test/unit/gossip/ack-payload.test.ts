import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../src/shared/random.js';
import { DefaultLANConfig, Swim, parseMessage, type PushPullState, type SwimEffect } from '../../../src/gossip/core/index.js';

const addrOf = (name: string): string => `10.0.0.${Number(name.slice(1)) + 1}:7946`;

function node(): Swim {
  const s = new Swim({ name: 'n0', addr: addrOf('n0'), config: DefaultLANConfig, random: seededRandom(1), now: 0 });
  const states: PushPullState[] = [1, 2, 3].map((i) => ({ name: `n${i}`, addr: addrOf(`n${i}`), incarnation: 1, state: 'alive', meta: {} }));
  s.receiveStream(addrOf('n1'), { type: 'push-pull-reply', states }, 0);
  s.drainEffects();
  return s;
}

const pingsOf = (effects: SwimEffect[]) =>
  effects.flatMap((e) => (e.kind === 'send' ? e.messages.filter((m) => m.type === 'ping').map((m) => ({ to: e.to, msg: m })) : []));

function probe(s: Swim): { to: string; seqNo: number; target: string; at: number } {
  for (let guard = 0; guard < 1000; guard++) {
    const at = s.nextDeadline();
    s.tick(at);
    const [ping] = pingsOf(s.drainEffects());
    if (ping && ping.msg.type === 'ping') return { to: ping.to, seqNo: ping.msg.seqNo, target: ping.msg.target, at };
  }
  throw new Error('never probed');
}

describe('ack payloads and round trips (the core side of network coordinates)', () => {
  it('puts the payload it was given in every ack it sends', () => {
    const s = node();
    s.setAckPayload(new Uint8Array([1, 2, 3]));
    s.receive(addrOf('n2'), { type: 'ping', seqNo: 7, target: 'n0' }, 10);
    const sent = s.drainEffects().find((e) => e.kind === 'send');
    assert.ok(sent?.kind === 'send');
    assert.deepEqual(sent.messages[0], { type: 'ack', seqNo: 7, payload: new Uint8Array([1, 2, 3]) });
    s.setAckPayload(undefined);
    s.receive(addrOf('n2'), { type: 'ping', seqNo: 8, target: 'n0' }, 10);
    const plain = s.drainEffects().find((e) => e.kind === 'send');
    assert.ok(plain?.kind === 'send');
    assert.deepEqual(plain.messages[0], { type: 'ack', seqNo: 8 });
    assert.throws(() => s.setAckPayload(new Uint8Array(600)), /exceeds/);
  });

  it('reports a timely direct ack as a ping-complete with the round trip and the peer\'s payload', () => {
    const s = node();
    const p = probe(s);
    s.receive(p.to, { type: 'ack', seqNo: p.seqNo, payload: new Uint8Array([9]) }, p.at + 37);
    assert.deepEqual(s.drainEffects().filter((e) => e.kind === 'ping-complete'), [
      { kind: 'ping-complete', name: p.target, rttMs: 37, payload: new Uint8Array([9]) },
    ]);
  });

  it('reports nothing for a late or indirect ack (its time says nothing about the path)', () => {
    const s = node();
    const p = probe(s);
    const late = p.at + DefaultLANConfig.probeTimeout + 1;
    s.tick(late); // indirect probes go out
    s.drainEffects();
    s.receive(p.to, { type: 'ack', seqNo: p.seqNo }, late + 1);
    assert.deepEqual(s.drainEffects().filter((e) => e.kind === 'ping-complete'), []);
  });

  it('validates the payload off the wire', () => {
    assert.deepEqual(parseMessage({ type: 'ack', seqNo: 1, payload: new Uint8Array([1]) }), { type: 'ack', seqNo: 1, payload: new Uint8Array([1]) });
    assert.deepEqual(parseMessage({ type: 'ack', seqNo: 1, payload: null }), { type: 'ack', seqNo: 1 });
    assert.throws(() => parseMessage({ type: 'ack', seqNo: 1, payload: 'coordinates' }), /payload must be bytes/);
    assert.throws(() => parseMessage({ type: 'ack', seqNo: 1, payload: new Uint8Array(513) }), /payload exceeds/);
  });
});
