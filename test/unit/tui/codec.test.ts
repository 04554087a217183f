import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { decodeWatchFrame, encodeWatchFrame, LOCAL_API_VERSION, type WatchFrame } from '../../../src/rpc/local-api-codec.js';
import { isAppError } from '../../../src/shared/errors.js';
import { member, raftView, snapshotFrame, T0 } from './fixtures.js';

const frames: WatchFrame[] = [
  snapshotFrame(),
  snapshotFrame({ wan: null, raft: null, self: { name: 'c4', datacenter: 'dc1', server: false } }),
  { kind: 'member', at: T0, pool: 'lan', change: 'failed', member: member('s2', { server: true, status: 'failed' }) },
  { kind: 'member', at: T0, pool: 'wan', change: 'reap', member: member('s2.dc1', { status: 'left' }) },
  { kind: 'raft', at: T0, raft: raftView('', ['s1', 's2'], { role: 'candidate' }) },
  { kind: 'heartbeat', at: T0 },
];

const packr = new Packr({ useRecords: false });
const raw = (value: unknown, version = LOCAL_API_VERSION): Buffer => Buffer.concat([Buffer.from([version]), packr.pack(value)]);

describe('local agent stream codec', () => {
  it('round-trips every frame kind', () => {
    for (const frame of frames) assert.deepEqual(decodeWatchFrame(encodeWatchFrame(frame)), frame);
  });

  it('starts every frame with the version byte', () => {
    assert.equal(encodeWatchFrame({ kind: 'heartbeat', at: 1 })[0], LOCAL_API_VERSION);
  });

  it('refuses another version, naming it', () => {
    assert.throws(() => decodeWatchFrame(raw({ kind: 'heartbeat', at: 1 }, 2)), (err: unknown) => isAppError(err) && /unsupported frame version 2/.test(err.message));
    assert.throws(() => decodeWatchFrame(new Uint8Array()), /unsupported frame version/);
  });

  it('refuses bytes that are not msgpack', () => {
    assert.throws(() => decodeWatchFrame(Buffer.from([LOCAL_API_VERSION, 0x92, 0xa5, 0x61])), /not valid msgpack/);
  });

  it('refuses malformed frames', () => {
    const bad: unknown[] = [
      null,
      { kind: 'heartbeat' },
      { kind: 'nope', at: 1 },
      { kind: 'member', at: 1, pool: 'lan', change: 'exploded', member: member('a') },
      { kind: 'member', at: 1, pool: 'moon', change: 'join', member: member('a') },
      { kind: 'member', at: 1, pool: 'lan', change: 'join', member: { ...member('a'), status: 'zombie' } },
      { kind: 'member', at: 1, pool: 'lan', change: 'join', member: { ...member('a'), port: -1 } },
      { kind: 'member', at: 1, pool: 'lan', change: 'join', member: { ...member('a'), tags: { a: 1 } } },
      { kind: 'raft', at: 1, raft: { ...raftView('s1', ['s1']), role: 'king' } },
      { kind: 'raft', at: 1, raft: { ...raftView('s1', ['s1']), servers: [{ id: 'x' }] } },
      { ...snapshotFrame(), lan: 'everyone' },
      { ...snapshotFrame(), self: { name: 'x' } },
    ];
    for (const value of bad) assert.throws(() => decodeWatchFrame(raw(value)), /malformed frame/, JSON.stringify(value));
  });

  it('carries a 1000-member snapshot in well under the message limit', () => {
    const lan = Array.from({ length: 1000 }, (_, i) => member(`node-${i}`));
    const bytes = encodeWatchFrame(snapshotFrame({ lan }));
    assert.ok(bytes.length < 1024 * 1024, `${bytes.length} bytes`);
    assert.equal((decodeWatchFrame(bytes) as Extract<WatchFrame, { kind: 'snapshot' }>).lan.length, 1000);
  });
});
