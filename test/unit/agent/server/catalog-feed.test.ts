import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CatalogFeed } from '../../../../src/agent/server/catalog-feed.js';
import { decodeFrame, encodeFrame, type CatalogFrame, type CatalogSubscriber } from '../../../../src/rpc/catalog-stream.js';
import type { RaftStateMachine } from '../../../../src/raft/node/state-machine.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

/** A state machine whose state is the list of applied payloads. */
class ListMachine implements RaftStateMachine {
  items: string[] = [];
  apply(_index: number, data: Uint8Array): unknown {
    this.items.push(Buffer.from(data).toString());
    return true;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.items));
  }
  restore(data: Uint8Array): void {
    this.items = JSON.parse(Buffer.from(data).toString()) as string[];
  }
}

function subscriber(): CatalogSubscriber & { frames: CatalogFrame[]; close(): void } {
  const frames: CatalogFrame[] = [];
  const listeners: (() => void)[] = [];
  return {
    frames,
    write: (frame) => (frames.push(frame), true),
    end: () => {},
    onClose: (l) => listeners.push(l),
    close: () => listeners.forEach((l) => l()),
  };
}

const tick = () => new Promise((r) => setImmediate(r));
const b = (s: string) => Buffer.from(s);

function feed() {
  const machine = new ListMachine();
  let applied = 0;
  const clock = new ManualClock();
  const f = new CatalogFeed(machine, {
    encodeState: () => machine.snapshot(),
    cluster: () => ({ leader: '127.0.0.2:8300', peers: ['127.0.0.2:8300'] }),
    appliedIndex: () => applied,
    clock,
    logger: silentLogger(),
  });
  const apply = (index: number, s: string) => {
    f.apply(index, b(s));
    applied = index;
  };
  return { f, machine, apply, clock };
}

describe('CatalogFeed', () => {
  it('gives a new subscriber the applied state, then every later entry in order, batched per turn', async () => {
    const { f, apply } = feed();
    apply(1, 'a');
    const sub = subscriber();
    f.subscribe(sub);
    assert.deepEqual(sub.frames[0], { kind: 'snapshot', index: 1, data: b('["a"]'), cluster: { leader: '127.0.0.2:8300', peers: ['127.0.0.2:8300'] } });
    apply(2, 'b');
    apply(3, 'c');
    await tick();
    assert.equal(sub.frames.length, 2);
    assert.deepEqual(sub.frames[1], { kind: 'entries', entries: [[2, b('b')], [3, b('c')]] });
    f.close();
  });

  it('after the state is replaced wholesale, sends a fresh snapshot before any further entry', async () => {
    const { f, machine, apply } = feed();
    apply(1, 'a');
    const sub = subscriber();
    f.subscribe(sub);
    f.restore(b('["x","y","z"]'));
    apply(10, 'after');
    await tick();
    const kinds = sub.frames.map((fr) => fr.kind);
    assert.deepEqual(kinds, ['snapshot', 'snapshot', 'entries']);
    assert.deepEqual(sub.frames[1], { kind: 'snapshot', index: 9, data: b('["x","y","z"]'), cluster: { leader: '127.0.0.2:8300', peers: ['127.0.0.2:8300'] } });
    assert.deepEqual(machine.items, ['x', 'y', 'z', 'after']);
    f.close();
  });

  it('heartbeats carry the leader, and closed subscribers get nothing more', async () => {
    const { f, apply, clock } = feed();
    const sub = subscriber();
    f.subscribe(sub);
    clock.advance(1_000);
    assert.equal(sub.frames.at(-1)?.kind, 'heartbeat');
    sub.close();
    const count = sub.frames.length;
    apply(1, 'a');
    await tick();
    clock.advance(1_000);
    assert.equal(sub.frames.length, count);
    f.close();
  });
});

describe('catalog stream frames', () => {
  it('round-trip, and malformed or foreign-version frames are refused with a clear error', () => {
    const frame: CatalogFrame = { kind: 'entries', entries: [[7, b('cmd')]] };
    assert.deepEqual(decodeFrame(encodeFrame(frame)), frame);
    const wrongVersion = encodeFrame(frame);
    wrongVersion[0] = 9;
    assert.throws(() => decodeFrame(wrongVersion), /unsupported version 9/);
    assert.throws(() => decodeFrame(Buffer.from([1, 0xc1])), /catalog stream/);
    assert.throws(() => decodeFrame(encodeFrame({ kind: 'entries', entries: [[-1, b('x')]] } as CatalogFrame)), /malformed frame/);
  });
});
