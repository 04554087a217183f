import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLogStorage } from '../../../../src/raft/storage/memory-log-storage.js';
import { MemorySnapshotStore } from '../../../../src/raft/storage/memory-snapshot-store.js';
import { entries, plain } from './helpers.js';
import { logStorageCompliance } from './log-storage-compliance.js';

describe('MemoryLogStorage', () => {
  logStorageCompliance('memory', () => {
    const storage = new MemoryLogStorage();
    return Promise.resolve({ storage, reopen: () => Promise.resolve(storage), cleanup: () => Promise.resolve() });
  });

  it('crashed() keeps only what a sync made durable', async () => {
    const s = new MemoryLogStorage();
    await s.open();
    await s.save({ term: 1, vote: 'a', commit: 0 }, entries(1, 5), true);
    await s.save({ term: 2, vote: 'b', commit: 3 }, entries(4, 8, 2), false);
    const live = await s.open();
    assert.deepEqual(plain(live.entries), plain([...entries(1, 3), ...entries(4, 8, 2)]));
    const after = await s.crashed().open();
    assert.deepEqual(plain(after.entries), plain(entries(1, 5)));
    assert.deepEqual(after.hardState, { term: 1, vote: 'a', commit: 0 });
    await s.save(null, [], true);
    assert.deepEqual(plain((await s.crashed().open()).entries), plain(live.entries));
  });
});

describe('MemorySnapshotStore', () => {
  const membership = { servers: [{ id: 'a', address: '127.0.0.1:8300', voter: true }] };

  it('stores, streams and retains the newest N', async () => {
    const store = new MemorySnapshotStore({ retain: 2, chunkBytes: 4 });
    assert.equal(await store.latest(), null);
    for (const index of [10, 20, 30]) {
      const sink = await store.create({ index, term: 1, membership });
      await sink.write(Buffer.from(`snap-${index}-`));
      await sink.write(Buffer.from('data'));
      await sink.commit();
    }
    const aborted = await store.create({ index: 40, term: 1, membership });
    await aborted.write(Buffer.from('x'));
    await aborted.abort();
    assert.deepEqual(await store.latest(), { index: 30, term: 1, membership });
    assert.equal(Buffer.from(await store.read({ index: 30, term: 1 })).toString(), 'snap-30-data');
    const chunks: Uint8Array[] = [];
    for await (const c of store.open({ index: 20, term: 1 })) chunks.push(c);
    assert.ok(chunks.every((c) => c.length <= 4));
    assert.equal(Buffer.concat(chunks).toString(), 'snap-20-data');
    await assert.rejects(store.read({ index: 10, term: 1 }), { code: 'NOT_FOUND' });
  });
});
