/**
 * FileLogStorage against MemoryLogStorage as a model: a seeded random mix of appends, suffix
 * truncations, hard-state updates, compactions, resets and reopens with tiny segments (so rolls
 * and segment deletions happen all the time). After each reopen the file log must equal the model
 * from the model's first index on (compaction may keep more on disk, never less).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FileLogStorage } from '../../../../src/raft/storage/wal.js';
import { MemoryLogStorage } from '../../../../src/raft/storage/memory-log-storage.js';
import { seededRandom } from '../../../../src/shared/random.js';
import { entry, plain, tempDir } from './helpers.js';

describe('FileLogStorage vs the in-memory model', () => {
  for (const seed of [1, 2]) {
    it(`agrees after 300 random operations (seed ${seed})`, async () => {
      const t = tempDir();
      const rng = seededRandom(seed);
      const model = new MemoryLogStorage();
      await model.open();
      let file = new FileLogStorage(t.dir, { segmentBytes: 1024 });
      await file.open();
      let last = 0;
      let term = 1;
      let floor = 1; // nothing at or below a compaction/reset point is ever truncated (it is committed)
      try {
        for (let op = 0; op < 300; op++) {
          const r = rng.float();
          if (r < 0.6) {
            const from = rng.float() < 0.2 && last >= floor ? Math.max(floor, last - rng.int(6)) : last + 1;
            if (from <= last) term++;
            const es = Array.from({ length: 1 + rng.int(8) }, (_, i) => entry(from + i, term, 'normal', rng.int(120)));
            const hs = rng.float() < 0.3 ? { term, vote: rng.float() < 0.5 ? '' : `n${rng.int(3)}`, commit: Math.max(0, floor - 1) } : null;
            const sync = rng.float() < 0.8;
            // Sometimes two saves at once, to exercise grouping.
            await Promise.all([file.save(hs, es, sync), model.save(hs, es, sync)]);
            last = from + es.length - 1;
          } else if (r < 0.7 && last >= floor) {
            const through = floor + rng.int(last - floor + 1);
            await Promise.all([file.compact(through), model.compact(through)]);
            floor = through + 1;
          } else if (r < 0.73) {
            const meta = { index: last + rng.int(50), term, membership: { servers: [] } };
            await Promise.all([file.resetTo(meta), model.resetTo(meta)]);
            last = meta.index;
            floor = last + 1;
          } else if (r < 0.85) {
            await file.close();
            file = new FileLogStorage(t.dir, { segmentBytes: 1024 });
            const got = await file.open();
            const want = await model.open();
            assert.ok(got.firstIndex <= want.firstIndex, `op ${op}: first ${got.firstIndex} > model ${want.firstIndex}`);
            const skip = want.firstIndex - got.firstIndex;
            assert.deepEqual(plain(got.entries.slice(skip)), plain(want.entries), `op ${op}: entries`);
            assert.deepEqual(got.hardState, want.hardState, `op ${op}: hard state`);
            got.entries.forEach((e, i) => assert.equal(e.index, got.firstIndex + i));
          }
        }
      } finally {
        await file.close();
        t.cleanup();
      }
    });
  }
});
