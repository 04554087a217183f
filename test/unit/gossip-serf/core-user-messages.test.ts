// The core's user-message facility: opaque bodies ride the piggyback queue with the usual
// retransmit limit, and what arrives is handed up without being read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../src/shared/random.js';
import {
  DefaultLANConfig, GossipMessageError, parseMessage, retransmitLimit, Swim, type PushPullState, type SwimEffect,
} from '../../../src/gossip/core/index.js';

const addrOf = (i: number): string => `10.0.0.${i + 1}:7946`;

function node(peers: number): Swim {
  const s = new Swim({ name: 'n0', addr: addrOf(0), config: DefaultLANConfig, random: seededRandom(3), now: 0 });
  const states: PushPullState[] = [];
  for (let i = 1; i <= peers; i++) states.push({ name: `n${i}`, addr: addrOf(i), incarnation: 1, state: 'alive', meta: {} });
  s.receiveStream(addrOf(1), { type: 'push-pull-reply', states }, 0);
  s.drainEffects();
  return s;
}

const userBodies = (effects: SwimEffect[]): Uint8Array[] =>
  effects.flatMap((e) => (e.kind === 'send' ? e.messages : [])).flatMap((m) => (m.type === 'user' ? [m.body] : []));

describe('core user messages', () => {
  it('piggybacks a user message on outgoing packets until its retransmit limit', () => {
    const s = node(4);
    s.broadcastUser(new Uint8Array([1, 2, 3]), 0);
    let sent = 0;
    for (let i = 0; i < 200; i++) {
      s.tick(s.nextDeadline());
      sent += userBodies(s.drainEffects()).length;
    }
    assert.equal(sent, retransmitLimit(DefaultLANConfig.retransmitMult, 5), 'sent exactly the limit for n=5');
  });

  it('rides on an ack as well as on gossip', () => {
    const s = node(4);
    s.broadcastUser(new Uint8Array([9]), 0);
    s.receive(addrOf(2), { type: 'ping', seqNo: 1, target: 'n0' }, 1);
    const eff = s.drainEffects();
    const ack = eff.find((e) => e.kind === 'send' && e.messages[0]?.type === 'ack');
    assert.ok(ack && ack.kind === 'send' && ack.messages.some((m) => m.type === 'user'));
  });

  it('two user messages are two broadcasts (never merged like news about one node)', () => {
    const s = node(4);
    s.broadcastUser(new Uint8Array([1]), 0);
    s.broadcastUser(new Uint8Array([1]), 0);
    s.receive(addrOf(2), { type: 'ping', seqNo: 1, target: 'n0' }, 1);
    assert.equal(userBodies(s.drainEffects()).length, 2);
  });

  it('hands received user messages up, in order, through drainUserMessages', () => {
    const s = node(2);
    s.receive(addrOf(1), { type: 'user', body: new Uint8Array([7]) }, 1);
    s.receive(addrOf(2), { type: 'user', body: new Uint8Array([8]) }, 2);
    assert.deepEqual(s.drainUserMessages().map((m) => [m.from, [...m.body]]), [[addrOf(1), [7]], [addrOf(2), [8]]]);
    assert.deepEqual(s.drainUserMessages(), []);
  });

  it('validates user messages from the wire and refuses oversized ones', () => {
    assert.deepEqual(parseMessage({ type: 'user', body: new Uint8Array([1]) }), { type: 'user', body: new Uint8Array([1]) });
    assert.throws(() => parseMessage({ type: 'user', body: 'text' }), GossipMessageError);
    assert.throws(() => parseMessage({ type: 'user', body: new Uint8Array(2000) }), GossipMessageError);
    assert.throws(() => node(1).broadcastUser(new Uint8Array(2000), 0), GossipMessageError);
    const pp = parseMessage({ type: 'push-pull', join: true, states: [], user: new Uint8Array([5]) });
    assert.deepEqual(pp, { type: 'push-pull', join: true, states: [], user: new Uint8Array([5]) });
  });
});
