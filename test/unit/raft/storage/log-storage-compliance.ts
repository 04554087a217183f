/**
 * Behaviour every LogStorage must share (run against FileLogStorage and MemoryLogStorage): what
 * open() returns after saves, truncations, resets and compactions, across a reopen.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogStorage } from '../../../../src/raft/storage/types.js';
import { entries, plain } from './helpers.js';

export interface Harness {
  readonly storage: LogStorage;
  /** The same data, opened by a fresh instance (after a clean close). */
  reopen(): Promise<LogStorage>;
  cleanup(): Promise<void>;
}

export function logStorageCompliance(name: string, make: () => Promise<Harness>): void {
  const withHarness = (fn: (h: Harness) => Promise<void>) => async () => {
    const h = await make();
    try {
      await fn(h);
    } finally {
      await h.cleanup();
    }
  };

  it(`${name}: a fresh store is empty`, withHarness(async (h) => {
    const log = await h.storage.open();
    assert.deepEqual(log.hardState, { term: 0, vote: '', commit: 0 });
    assert.equal(log.entries.length, 0);
    assert.equal(log.firstIndex, 1);
  }));

  it(`${name}: round trip of hard state and entries`, withHarness(async (h) => {
    await h.storage.open();
    await h.storage.save({ term: 1, vote: 'node-a', commit: 0 }, [], true);
    await h.storage.save(null, entries(1, 10), true);
    await h.storage.save({ term: 2, vote: 'node-ü', commit: 7 }, entries(11, 12, 2), true);
    const r = await (await h.reopen()).open();
    assert.deepEqual(r.hardState, { term: 2, vote: 'node-ü', commit: 7 });
    assert.equal(r.firstIndex, 1);
    assert.deepEqual(plain(r.entries), plain([...entries(1, 10), ...entries(11, 12, 2)]));
  }));

  it(`${name}: a batch starting inside the log replaces the suffix`, withHarness(async (h) => {
    await h.storage.open();
    await h.storage.save(null, entries(1, 10), true);
    await h.storage.save({ term: 3, vote: '', commit: 4 }, entries(5, 7, 3), true);
    const r = await (await h.reopen()).open();
    assert.deepEqual(plain(r.entries), plain([...entries(1, 4), ...entries(5, 7, 3)]));
  }));

  it(`${name}: a gap is refused`, withHarness(async (h) => {
    await h.storage.open();
    await h.storage.save(null, entries(1, 3), true);
    await assert.rejects(h.storage.save(null, entries(5, 6), true), /gap/);
  }));

  it(`${name}: resetTo supersedes the log`, withHarness(async (h) => {
    await h.storage.open();
    await h.storage.save({ term: 2, vote: 'a', commit: 40 }, entries(1, 50, 2), true);
    await h.storage.resetTo({ index: 100, term: 3, membership: { servers: [] } });
    const r1 = await (await h.reopen()).open();
    assert.equal(r1.firstIndex, 101);
    assert.equal(r1.entries.length, 0);
    assert.deepEqual(r1.hardState, { term: 2, vote: 'a', commit: 40 });
  }));

  it(`${name}: appends after resetTo start at index + 1`, withHarness(async (h) => {
    await h.storage.open();
    await h.storage.save(null, entries(1, 50, 2), true);
    await h.storage.resetTo({ index: 100, term: 3, membership: { servers: [] } });
    await h.storage.save({ term: 3, vote: '', commit: 100 }, entries(101, 105, 3), true);
    const r = await (await h.reopen()).open();
    assert.equal(r.firstIndex, 101);
    assert.deepEqual(plain(r.entries), plain(entries(101, 105, 3)));
  }));

  it(`${name}: compact keeps everything after the compaction point`, withHarness(async (h) => {
    await h.storage.open();
    await h.storage.save({ term: 1, vote: 'x', commit: 0 }, [], true);
    for (let i = 1; i <= 400; i += 20) await h.storage.save(null, entries(i, i + 19), true);
    await h.storage.compact(300);
    await h.storage.save(null, entries(401, 410), true);
    const r = await (await h.reopen()).open();
    assert.ok(r.firstIndex <= 301, `firstIndex ${r.firstIndex}`);
    assert.equal(r.entries[r.entries.length - 1]?.index, 410);
    assert.deepEqual(plain(r.entries), plain(entries(r.firstIndex, 410)));
    assert.deepEqual(r.hardState, { term: 1, vote: 'x', commit: 0 });
  }));
}
