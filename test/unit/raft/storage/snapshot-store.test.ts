import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSnapshotStore } from '../../../../src/raft/storage/snapshot-store.js';
import { tempDir } from './helpers.js';

const membership = { servers: [{ id: 'a', address: '127.0.0.1:8300', voter: true }] };
const data = (index: number, size = 1000): Buffer => Buffer.alloc(size, `snapshot ${index};`);

async function put(store: FileSnapshotStore, index: number, term = 1, size = 1000): Promise<void> {
  const sink = await store.create({ index, term, membership });
  const d = data(index, size);
  for (let off = 0; off < d.length; off += 300) await sink.write(d.subarray(off, off + 300));
  await sink.commit();
}

describe('FileSnapshotStore', () => {
  it('commits, finds the latest, reads whole and streams in chunks', async () => {
    const t = tempDir();
    try {
      let clock = 1000;
      const store = new FileSnapshotStore(t.dir, { chunkBytes: 256, now: () => clock++ });
      assert.equal(await store.latest(), null);
      await put(store, 10, 1, 5000);
      assert.deepEqual(await store.latest(), { index: 10, term: 1, membership });
      assert.deepEqual(Buffer.from(await store.read({ index: 10, term: 1 })), data(10, 5000));
      const chunks: Uint8Array[] = [];
      for await (const c of store.open({ index: 10, term: 1 })) chunks.push(c);
      assert.ok(chunks.length >= 19 && chunks.every((c) => c.length <= 256));
      assert.deepEqual(Buffer.concat(chunks), data(10, 5000));
      assert.deepEqual(readdirSync(join(t.dir, 'snapshots')), ['1-10-1000']);
      const meta = JSON.parse(readFileSync(join(t.dir, 'snapshots', '1-10-1000', 'meta.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(meta.size, 5000);
      assert.equal(typeof meta.crc32c, 'number');
      await assert.rejects(store.read({ index: 11, term: 1 }), { code: 'NOT_FOUND' });
    } finally {
      t.cleanup();
    }
  });

  it('retains the newest N and removes leftover temp directories', async () => {
    const t = tempDir();
    try {
      const store = new FileSnapshotStore(t.dir, { retain: 2 });
      await put(store, 10);
      mkdirSync(join(t.dir, 'snapshots', '1-15-5.tmp'));
      writeFileSync(join(t.dir, 'snapshots', '1-15-5.tmp', 'state.bin'), 'half a snapshot');
      await put(store, 20);
      await put(store, 30, 2);
      await put(store, 40, 2);
      const names = readdirSync(join(t.dir, 'snapshots')).sort();
      assert.equal(names.length, 2, names.join(','));
      assert.ok(names.every((n) => n.startsWith('2-30-') || n.startsWith('2-40-')));
      assert.deepEqual(await store.latest(), { index: 40, term: 2, membership });
    } finally {
      t.cleanup();
    }
  });

  it('ignores an uncommitted snapshot (a crash mid-write) and abort removes its temp directory', async () => {
    const t = tempDir();
    try {
      const store = new FileSnapshotStore(t.dir);
      await put(store, 10);
      const crashed = await store.create({ index: 20, term: 1, membership });
      await crashed.write(data(20));
      // A fresh process sees only the complete one.
      assert.deepEqual(await new FileSnapshotStore(t.dir).latest(), { index: 10, term: 1, membership });
      const aborted = await store.create({ index: 30, term: 1, membership });
      await aborted.write(data(30));
      await aborted.abort();
      assert.ok(!readdirSync(join(t.dir, 'snapshots')).some((n) => n.startsWith('1-30-')));
      await assert.rejects(aborted.write(data(30)), { code: 'BAD_REQUEST' });
    } finally {
      t.cleanup();
    }
  });

  it('skips a corrupt or incomplete newest snapshot in favour of an older good one', async () => {
    const t = tempDir();
    try {
      let clock = 1;
      const store = new FileSnapshotStore(t.dir, { retain: 3, now: () => clock++ });
      await put(store, 10);
      await put(store, 20);
      await put(store, 30);
      const dir = join(t.dir, 'snapshots');
      const bin = join(dir, '1-30-3', 'state.bin');
      const buf = readFileSync(bin);
      buf[500] = buf[500]! ^ 1;
      writeFileSync(bin, buf);
      const notes: string[] = [];
      const fresh = new FileSnapshotStore(t.dir, { onNote: (m) => notes.push(m) });
      assert.deepEqual(await fresh.latest(), { index: 20, term: 1, membership });
      assert.equal(notes.length, 1);
      mkdirSync(join(dir, '1-50-9')); // a directory with no meta.json at all
      assert.deepEqual(await new FileSnapshotStore(t.dir).latest(), { index: 20, term: 1, membership });
      await assert.rejects(new FileSnapshotStore(t.dir).read({ index: 30, term: 1 }), { code: 'NOT_FOUND' });
      assert.ok(existsSync(bin));
    } finally {
      t.cleanup();
    }
  });
});
