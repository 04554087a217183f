import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileLogStorage } from '../../../../src/raft/storage/wal.js';
import { parseSegmentFileName } from '../../../../src/raft/storage/wal-format.js';
import { entries, plain, tempDir } from './helpers.js';
import { logStorageCompliance } from './log-storage-compliance.js';

const segments = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.wal')).sort();

describe('FileLogStorage', () => {
  logStorageCompliance('file', async () => {
    const t = tempDir();
    const open: FileLogStorage[] = [];
    const make = (): FileLogStorage => {
      const s = new FileLogStorage(join(t.dir, 'raft'), { segmentBytes: 2048 });
      open.push(s);
      return s;
    };
    const storage = make();
    return {
      storage,
      reopen: async () => {
        await storage.close();
        return make();
      },
      cleanup: async () => {
        for (const s of open) await s.close();
        t.cleanup();
      },
    };
  });

  it('rolls segments, names them by id and base, and reads them all back', async () => {
    const t = tempDir();
    try {
      const s = new FileLogStorage(t.dir, { segmentBytes: 4096 });
      await s.open();
      for (let i = 1; i <= 1000; i += 10) await s.save({ term: 1, vote: 'a', commit: i }, entries(i, i + 9), true);
      await s.close();
      const names = segments(t.dir);
      assert.ok(names.length > 10, `${names.length} segments`);
      const parsed = names.map((n) => parseSegmentFileName(n)!);
      parsed.forEach((p, i) => assert.equal(p.id, i + 1));
      assert.equal(parsed[0]!.base, 1);
      for (let i = 1; i < parsed.length; i++) assert.ok(parsed[i]!.base > parsed[i - 1]!.base);
      for (const n of names.slice(0, -1)) assert.ok(statSync(join(t.dir, n)).size >= 4096);
      const r = await new FileLogStorage(t.dir, { segmentBytes: 4096 }).open();
      assert.deepEqual(plain(r.entries), plain(entries(1, 1000)));
      assert.deepEqual(r.hardState, { term: 1, vote: 'a', commit: 991 });
    } finally {
      t.cleanup();
    }
  });

  it('a truncation reaching back into an earlier segment never lets stale entries reappear after a crash', async () => {
    const t = tempDir();
    try {
      const a = new FileLogStorage(t.dir, { segmentBytes: 2048 });
      await a.open();
      for (let i = 1; i <= 300; i += 10) await a.save(null, entries(i, i + 9, 1), true);
      // A follower's conflicting suffix from 20: replaced by term 2 entries, then the process "dies"
      // (no close(): the second instance reads the files as a crash left them).
      await a.save({ term: 2, vote: '', commit: 10 }, entries(20, 25, 2), true);
      const r1 = await new FileLogStorage(t.dir, { segmentBytes: 2048 }).open();
      assert.deepEqual(plain(r1.entries), plain([...entries(1, 19), ...entries(20, 25, 2)]));
      // Later appends land after the new suffix; the old 26..300 stay dead across more reopens.
      await a.save(null, entries(26, 40, 2), true);
      const b = new FileLogStorage(t.dir, { segmentBytes: 2048 });
      const r2 = await b.open();
      assert.deepEqual(plain(r2.entries), plain([...entries(1, 19), ...entries(20, 40, 2)]));
      await a.close();
      await b.close();
    } finally {
      t.cleanup();
    }
  });

  it('compact deletes whole segments only, never the active one, and keeps the hard state', async () => {
    const t = tempDir();
    try {
      const s = new FileLogStorage(t.dir, { segmentBytes: 2048 });
      await s.open();
      await s.save({ term: 4, vote: 'me', commit: 0 }, [], true);
      for (let i = 1; i <= 500; i += 10) await s.save(null, entries(i, i + 9), true);
      const before = segments(t.dir).length;
      await s.compact(1_000_000);
      assert.equal(segments(t.dir).length, 1, 'all but the active segment');
      assert.ok(before > 5);
      await s.close();
      const r = await new FileLogStorage(t.dir).open();
      assert.deepEqual(r.hardState, { term: 4, vote: 'me', commit: 0 });
      assert.equal(r.entries[r.entries.length - 1]?.index, 500);
      assert.deepEqual(plain(r.entries), plain(entries(r.firstIndex, 500)));
    } finally {
      t.cleanup();
    }
  });

  it('resetTo removes the superseded segments', async () => {
    const t = tempDir();
    try {
      const s = new FileLogStorage(t.dir, { segmentBytes: 2048 });
      await s.open();
      for (let i = 1; i <= 300; i += 10) await s.save(null, entries(i, i + 9), true);
      await s.resetTo({ index: 1000, term: 5, membership: { servers: [] } });
      const names = segments(t.dir);
      assert.equal(names.length, 1);
      assert.equal(parseSegmentFileName(names[0]!)!.base, 1001);
      await s.save(null, entries(1001, 1003, 5), true);
      await s.close();
      const r = await new FileLogStorage(t.dir).open();
      assert.equal(r.firstIndex, 1001);
      assert.deepEqual(plain(r.entries), plain(entries(1001, 1003, 5)));
    } finally {
      t.cleanup();
    }
  });

  it('group commit: concurrent sync saves share fsyncs and one write', async () => {
    const t = tempDir();
    try {
      const s = new FileLogStorage(t.dir);
      await s.open();
      const base = s.stats();
      const saves: Promise<void>[] = [];
      for (let i = 1; i <= 64; i++) saves.push(s.save({ term: 1, vote: '', commit: i - 1 }, entries(i, i), true));
      await Promise.all(saves);
      const st = s.stats();
      assert.equal(st.writes - base.writes, 1, 'one write syscall for the 64 records');
      assert.equal(st.fsyncs - base.fsyncs, 1, 'one fdatasync for the 64 callers');
      // Saves arriving while an fdatasync runs wait for, and share, the next one.
      const first = s.save(null, entries(65, 65), true);
      await new Promise((r) => setImmediate(r));
      const more: Promise<void>[] = [];
      for (let i = 66; i <= 100; i++) more.push(s.save(null, entries(i, i), true));
      await Promise.all([first, ...more]);
      assert.ok(s.stats().fsyncs - st.fsyncs <= 3, `fsyncs ${s.stats().fsyncs - st.fsyncs} for 36 saves`);
      await s.close();
      const r = await new FileLogStorage(t.dir).open();
      assert.deepEqual(plain(r.entries), plain(entries(1, 100)));
    } finally {
      t.cleanup();
    }
  });

  it('saves without sync are written but not fsynced; a later sync covers them', async () => {
    const t = tempDir();
    try {
      const s = new FileLogStorage(t.dir);
      await s.open();
      const f0 = s.stats().fsyncs;
      await s.save(null, entries(1, 5), false);
      await s.save({ term: 1, vote: '', commit: 5 }, [], false);
      assert.equal(s.stats().fsyncs, f0);
      await s.save(null, [], true);
      assert.equal(s.stats().fsyncs, f0 + 1);
      await s.close();
      const r = await new FileLogStorage(t.dir).open();
      assert.equal(r.entries.length, 5);
      assert.equal(r.hardState.commit, 5);
    } finally {
      t.cleanup();
    }
  });

  it('refuses to be used after close', async () => {
    const t = tempDir();
    try {
      const s = new FileLogStorage(t.dir);
      await s.open();
      await s.close();
      await assert.rejects(s.save(null, entries(1, 1), true), { code: 'UNAVAILABLE' });
    } finally {
      t.cleanup();
    }
  });
});
