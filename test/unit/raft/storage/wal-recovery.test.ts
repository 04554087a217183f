import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileLogStorage, WalCorruptionError } from '../../../../src/raft/storage/wal.js';
import { isAppError } from '../../../../src/shared/errors.js';
import { entries, plain, tempDir } from './helpers.js';

const segmentPaths = (dir: string): string[] =>
  readdirSync(dir).filter((n) => n.endsWith('.wal')).sort().map((n) => join(dir, n));

/** Writes batches of 5 entries, each saved with sync; returns the file end after each batch. */
async function writeBatches(dir: string, batches: number, segmentBytes?: number): Promise<number[]> {
  const s = new FileLogStorage(dir, segmentBytes ? { segmentBytes } : {});
  await s.open();
  const ends: number[] = [];
  for (let b = 0; b < batches; b++) {
    await s.save({ term: 1, vote: 'v', commit: b * 5 }, entries(b * 5 + 1, b * 5 + 5), true);
    const last = segmentPaths(dir).at(-1)!;
    ends.push(statSync(last).size);
  }
  await s.close();
  return ends;
}

function flipByte(path: string, offset: number): void {
  const buf = readFileSync(path);
  buf[offset] = buf[offset]! ^ 0x10;
  writeFileSync(path, buf);
}

async function openNotes(dir: string): Promise<{ log: Awaited<ReturnType<FileLogStorage['open']>>; notes: string[]; s: FileLogStorage }> {
  const notes: string[] = [];
  const s = new FileLogStorage(dir, { onNote: (m) => notes.push(m) });
  return { log: await s.open(), notes, s };
}

describe('FileLogStorage recovery', () => {
  it('drops a partial last record (torn write) with a note, and keeps working', async () => {
    const t = tempDir();
    try {
      const ends = await writeBatches(t.dir, 10);
      const file = segmentPaths(t.dir)[0]!;
      truncateSync(file, ends[9]! - 13); // cut the last batch mid-record
      const { log, notes, s } = await openNotes(t.dir);
      assert.deepEqual(plain(log.entries), plain(entries(1, 45)));
      assert.equal(notes.length, 1);
      assert.match(notes[0]!, /torn tail/);
      assert.equal(statSync(file).size, ends[8]);
      await s.save(null, entries(46, 50, 2), true);
      await s.close();
      const again = await openNotes(t.dir);
      assert.deepEqual(plain(again.log.entries), plain([...entries(1, 45), ...entries(46, 50, 2)]));
      assert.equal(again.notes.length, 0);
      await again.s.close();
    } finally {
      t.cleanup();
    }
  });

  it('drops garbage appended after the last record', async () => {
    const t = tempDir();
    try {
      await writeBatches(t.dir, 4);
      const file = segmentPaths(t.dir)[0]!;
      appendFileSync(file, Buffer.from('this is not a wal record, just some trailing junk!!'));
      const { log, notes, s } = await openNotes(t.dir);
      assert.deepEqual(plain(log.entries), plain(entries(1, 20)));
      assert.equal(notes.length, 1);
      await s.close();
      appendFileSync(file, Buffer.alloc(4096)); // zeros, as a crash after a size-extending write leaves
      const z = await openNotes(t.dir);
      assert.deepEqual(plain(z.log.entries), plain(entries(1, 20)));
      await z.s.close();
    } finally {
      t.cleanup();
    }
  });

  it('treats a bad CRC in the final batch as a torn tail', async () => {
    const t = tempDir();
    try {
      const ends = await writeBatches(t.dir, 6);
      flipByte(segmentPaths(t.dir)[0]!, ends[4]! + 60);
      const { log, notes, s } = await openNotes(t.dir);
      assert.deepEqual(plain(log.entries), plain(entries(1, 25)));
      assert.equal(notes.length, 1);
      await s.close();
    } finally {
      t.cleanup();
    }
  });

  it('refuses to open when corruption is followed by fsynced data (mid-log bit flip)', async () => {
    const t = tempDir();
    try {
      const ends = await writeBatches(t.dir, 10);
      const file = segmentPaths(t.dir)[0]!;
      const offset = ends[3]! + 40;
      flipByte(file, offset);
      const err = await new FileLogStorage(t.dir).open().then(() => null, (e: unknown) => e);
      assert.ok(err instanceof WalCorruptionError, String(err));
      assert.ok(isAppError(err));
      assert.equal(err.code, 'INTERNAL');
      assert.equal(err.file, file);
      assert.equal(err.offset, ends[3]);
      assert.match(err.message, /corrupt/);
      assert.ok(err.message.includes(file));
      // Nothing was repaired: the file is as it was.
      assert.equal(statSync(file).size, ends[9]);
    } finally {
      t.cleanup();
    }
  });

  it('refuses to open on damage in a sealed (non-last) segment, even at its end', async () => {
    const t = tempDir();
    try {
      await writeBatches(t.dir, 40, 2048);
      const paths = segmentPaths(t.dir);
      assert.ok(paths.length >= 3);
      const sealed = paths[1]!;
      truncateSync(sealed, statSync(sealed).size - 5);
      await assert.rejects(new FileLogStorage(t.dir).open(), (e: unknown) => e instanceof WalCorruptionError && e.file === sealed);
    } finally {
      t.cleanup();
    }
  });

  it('refuses to open when a middle segment is missing', async () => {
    const t = tempDir();
    try {
      await writeBatches(t.dir, 40, 2048);
      const paths = segmentPaths(t.dir);
      rmSync(paths[1]!);
      await assert.rejects(new FileLogStorage(t.dir).open(), (e: unknown) => e instanceof WalCorruptionError && /missing/.test(e.message));
    } finally {
      t.cleanup();
    }
  });

  for (const variant of ['empty file', 'header only'] as const) {
    it(`survives a resetTo that crashed before its reset record was durable (${variant})`, async () => {
      const t = tempDir();
      try {
        await writeBatches(t.dir, 40, 2048);
        const { encodeHeaderRecord, parseSegmentFileName, segmentFileName } = await import('../../../../src/raft/storage/wal-format.js');
        const lastId = parseSegmentFileName(segmentPaths(t.dir).at(-1)!.split('/').at(-1)!)!.id;
        // resetTo(5000) created segment id+1 with base 5001, then the process died.
        const name = segmentFileName(lastId + 1, 5001);
        writeFileSync(join(t.dir, name), variant === 'empty file' ? Buffer.alloc(0) : encodeHeaderRecord(lastId + 1, 5001));
        const { log, s } = await openNotes(t.dir);
        assert.deepEqual(plain(log.entries), plain(entries(1, 200)), 'the old log is intact');
        assert.equal(log.hardState.vote, 'v');
        const names = segmentPaths(t.dir).map((p) => p.split('/').at(-1)!);
        assert.ok(names.includes(segmentFileName(lastId + 1, 201)), names.join(','));
        await s.save(null, entries(201, 205), true);
        await s.resetTo({ index: 5000, term: 2, membership: { servers: [] } }); // the retry
        await s.save(null, entries(5001, 5002, 2), true);
        await s.close();
        const r = await openNotes(t.dir);
        assert.equal(r.log.firstIndex, 5001);
        assert.deepEqual(plain(r.log.entries), plain(entries(5001, 5002, 2)));
        assert.equal(segmentPaths(t.dir).length, 1);
        await r.s.close();
      } finally {
        t.cleanup();
      }
    });
  }

  it('repairs a last segment whose header was torn (crash right after a roll)', async () => {
    const t = tempDir();
    try {
      await writeBatches(t.dir, 40, 2048);
      const paths = segmentPaths(t.dir);
      const last = paths.at(-1)!;
      // What the last segment held: drop it, then fake a roll that died before its header landed.
      const keep = new FileLogStorage(t.dir, { segmentBytes: 2048 });
      const full = await keep.open();
      await keep.close();
      rmSync(last);
      const lastIndex = (await new FileLogStorage(t.dir).open()).entries.at(-1)!.index;
      const { parseSegmentFileName, segmentFileName } = await import('../../../../src/raft/storage/wal-format.js');
      const id = parseSegmentFileName(last.split('/').at(-1)!)!.id;
      writeFileSync(join(t.dir, segmentFileName(id, lastIndex + 1)), Buffer.from([1, 2, 3]));
      const { log, notes, s } = await openNotes(t.dir);
      assert.equal(log.entries.at(-1)!.index, lastIndex);
      assert.ok(full.entries.length >= log.entries.length);
      assert.deepEqual(log.hardState.vote, 'v');
      assert.equal(notes.length, 1);
      await s.save(null, entries(lastIndex + 1, lastIndex + 3), true);
      await s.compact(lastIndex); // older segments go; the hard state must survive in the repaired one
      await s.close();
      const r = await openNotes(t.dir);
      assert.equal(r.log.entries.at(-1)!.index, lastIndex + 3);
      assert.equal(r.log.hardState.vote, 'v');
      await r.s.close();
    } finally {
      t.cleanup();
    }
  });
});
