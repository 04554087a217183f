import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { decodeCommand, decodeSnapshot, encodeCommand, encodeSnapshot, encodeSnapshotChunks } from '../../../src/catalog/command-codec.js';
import type { CatalogCommand } from '../../../src/catalog/commands.js';
import { CatalogFsm } from '../../../src/catalog/fsm.js';
import { ReplicatedCatalogFsm } from '../../../src/catalog/replicated-fsm.js';
import { StateStore, type StoreSnapshot } from '../../../src/catalog/store.js';
import { validateStoreSnapshot } from '../../../src/catalog/snapshot-schema.js';
import { nodeInput } from '../../helpers/catalog.js';

const packr = new Packr({ useRecords: false, moreTypes: false });
/** What a v1 writer produced: a version byte and one msgpack value. */
const v1 = (value: unknown): Uint8Array => Buffer.concat([Buffer.from([1]), packr.pack(value)]);

const set = (key: string, value: string | Uint8Array): CatalogCommand => ({ type: 'kv', op: 'set', key, value });

function replicated(): { store: StateStore; fsm: ReplicatedCatalogFsm } {
  const store = new StateStore();
  return { store, fsm: new ReplicatedCatalogFsm(new CatalogFsm(store)) };
}

describe('catalog command codec', () => {
  it('writes KV values as raw bytes (v2) and still applies v1 commands with base64 values', () => {
    const { store, fsm } = replicated();
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const encoded = encodeCommand(set('bin', bytes));
    assert.equal(encoded[0], 2);
    const decoded = decodeCommand(encoded);
    assert.ok(decoded.type === 'kv' && decoded.value instanceof Uint8Array, 'the value travels as bytes, not base64');
    fsm.apply(1, encoded);
    fsm.apply(2, v1(set('old', Buffer.from('hello').toString('base64'))));
    assert.deepEqual(store.kvGet('bin')?.Value, bytes);
    assert.equal(store.kvGet('old')?.Value.toString(), 'hello');
    // The stored value is a copy, not a view into the log entry.
    encoded.fill(0);
    assert.deepEqual(store.kvGet('bin')?.Value, bytes);
  });

  it('refuses a command or snapshot format it does not know', () => {
    assert.throws(() => decodeCommand(Uint8Array.from([9, 0xc0])), /unknown catalog command format 9/);
    assert.throws(() => decodeSnapshot(Uint8Array.from([9, 0xc0])), /unknown catalog snapshot format 9/);
  });
});

describe('catalog snapshots', () => {
  function filled(keys: number): { store: StateStore; fsm: ReplicatedCatalogFsm; next: number } {
    const r = replicated();
    let index = 1;
    r.fsm.apply(index++, encodeCommand({ type: 'register', node: nodeInput('n1', '10.0.0.1') }));
    for (let i = 0; i < keys; i++) r.fsm.apply(index++, encodeCommand(set(`k/${i}`, Buffer.from(`value-${i}`))));
    r.fsm.apply(index++, encodeCommand({ type: 'kv', op: 'delete', key: 'k/3' }));
    return { ...r, next: index };
  }

  it('a capture is point-in-time: writes applied while it is encoded piece by piece do not reach it', () => {
    const { store, fsm, next } = filled(10_000);
    const expected = store.kvList('k/').map((e) => [e.Key, e.Value.toString(), e.ModifyIndex]);
    const expectedIndex = store.index();
    const pieces = fsm.snapshotPieces()[Symbol.iterator]();
    const out: Uint8Array[] = [];
    let index = next;
    for (let r = pieces.next(); !r.done; r = pieces.next()) {
      out.push(r.value);
      // Between pieces the store moves on: overwrites, deletes, new keys, a new node.
      fsm.apply(index++, encodeCommand(set('k/1', 'changed')));
      fsm.apply(index++, encodeCommand({ type: 'kv', op: 'delete', key: `k/${index}` }));
      fsm.apply(index++, encodeCommand(set(`new/${index}`, 'x')));
      fsm.apply(index++, encodeCommand({ type: 'register', node: nodeInput(`n${index}`, '10.0.0.2') }));
    }
    assert.ok(out.length >= 3, `encoded in several pieces (${out.length})`);
    const restored = replicated();
    restored.fsm.restore(Buffer.concat(out));
    assert.deepEqual(restored.store.kvList('k/').map((e) => [e.Key, e.Value.toString(), e.ModifyIndex]), expected);
    assert.deepEqual(restored.store.kvList('new/'), []);
    assert.deepEqual(restored.store.nodes().map((n) => n.Node), ['n1']);
    assert.equal(restored.store.index(), expectedIndex);
    assert.ok(restored.store.kvPrefixIndex('k/3') > 0, 'tombstones travel');
  });

  it('restores v1 snapshots (base64 values), and v2 ones pass the restore schema', () => {
    const { store } = filled(20);
    const snap = decodeSnapshot(encodeSnapshot(store.snapshot()));
    const asV1: StoreSnapshot = {
      ...snap,
      kvs: snap.kvs.map((e) => ({ ...e, Value: Buffer.from(e.Value as Uint8Array).toString('base64') })),
    };
    const fromV1 = replicated();
    fromV1.fsm.restore(v1(asV1));
    assert.deepEqual(fromV1.store.kvList(''), store.kvList(''));
    assert.deepEqual(fromV1.store.nodes(), store.nodes());
    // An operator's restore of either format is accepted, and applies as a log entry.
    for (const s of [snap, asV1]) {
      const target = replicated();
      const validated = validateStoreSnapshot(s);
      target.fsm.apply(1, encodeCommand({ type: 'restore', snapshot: validated }));
      assert.deepEqual(target.store.kvList('').map((e) => [e.Key, e.Value.toString()]), store.kvList('').map((e) => [e.Key, e.Value.toString()]));
    }
  });

  it('encodes empty stores and values, and checks the row count', () => {
    const empty = replicated();
    const bytes = empty.fsm.snapshot();
    const again = replicated();
    again.fsm.restore(bytes);
    assert.deepEqual(again.store.kvList(''), []);
    empty.fsm.apply(1, encodeCommand(set('e', new Uint8Array(0))));
    const one = replicated();
    one.fsm.restore(empty.fsm.snapshot());
    assert.equal(one.store.kvGet('e')?.Value.length, 0);
    const pieces = [...encodeSnapshotChunks(empty.store.snapshot())];
    assert.throws(() => decodeSnapshot(pieces[0]!), /holds 0 KV rows, its header says 1/);
  });
});
