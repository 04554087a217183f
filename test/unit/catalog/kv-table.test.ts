import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KVTable, SortedKeys } from '../../../src/catalog/kv-table.js';
import type { KVRecord } from '../../../src/catalog/types.js';
import { seededRandom } from '../../../src/shared/random.js';

const row = (key: string, index: number): KVRecord => ({
  Key: key, Value: Buffer.from(`v${index}`), Flags: 0, LockIndex: 0, Session: '', CreateIndex: index, ModifyIndex: index,
});

/** The obvious implementation, to compare against. */
function modelList(model: Map<string, KVRecord>, prefix: string): KVRecord[] {
  return [...model.keys()].filter((k) => k.startsWith(prefix)).sort().map((k) => model.get(k)!);
}

describe('KVTable', () => {
  it('keeps prefix lists and key order right through many puts and deletes', () => {
    const random = seededRandom(42);
    const pick = (n: number): number => random.int(n);
    const table = new KVTable();
    const model = new Map<string, KVRecord>();
    const dirs = ['a/', 'a/b/', 'b/', 'c/x/', ''];
    const prefixes = ['', 'a', 'a/', 'a/b/', 'a/b/1', 'b/', 'c/', 'c/x/0', 'zz', 'a/b/2'];
    for (let i = 1; i <= 20_000; i++) {
      const key = `${dirs[pick(dirs.length)]!}${pick(3000)}`;
      if (pick(4) === 0) {
        assert.equal(table.delete(key, i), model.delete(key), `delete ${key}`);
      } else {
        table.put(row(key, i));
        model.set(key, row(key, i));
      }
      if (i % 997 === 0) {
        for (const prefix of prefixes) assert.deepEqual(table.list(prefix), modelList(model, prefix), `list ${prefix} after ${i}`);
      }
    }
    assert.equal(table.size, model.size);
    assert.deepEqual(table.all(), modelList(model, ''));
    assert.deepEqual(table.rows().map((r) => r.Key).sort(), [...model.keys()].sort());
    for (const prefix of prefixes) assert.deepEqual(table.list(prefix), modelList(model, prefix));
    // Restoring from the rows (in no particular order) gives the same table.
    const restored = new KVTable();
    restored.restore(table.rows(), table.tombstoneEntries());
    for (const prefix of prefixes) {
      assert.deepEqual(restored.list(prefix), table.list(prefix));
      assert.equal(restored.prefixIndex(prefix), table.prefixIndex(prefix));
    }
    // And it keeps working after a restore.
    restored.put(row('a/b/new', 30_000));
    assert.ok(restored.list('a/b/').some((r) => r.Key === 'a/b/new'));
    restored.delete('a/b/new', 30_001);
    assert.equal(restored.prefixIndex('a/b/new'), 30_001);
  });

  it('prefixIndex is the highest ModifyIndex or deletion index under the prefix', () => {
    const table = new KVTable();
    table.put(row('x/1', 5));
    table.put(row('x/2', 9));
    table.put(row('y/1', 12));
    assert.equal(table.prefixIndex('x/'), 9);
    assert.equal(table.delete('x/1', 20), true);
    assert.equal(table.prefixIndex('x/'), 20);
    assert.equal(table.prefixIndex('q/'), 0);
    table.put(row('x/1', 25));
    assert.equal(table.prefixIndex('x/'), 25);
  });
});

describe('SortedKeys', () => {
  it('splits and merges blocks as keys come and go, in increasing, decreasing and random order', () => {
    const keys = new SortedKeys();
    const live = new Set<string>();
    const name = (n: number): string => `k${String(n).padStart(6, '0')}`;
    for (let i = 0; i < 5000; i++) { keys.insert(name(i)); live.add(name(i)); }
    for (let i = 9999; i >= 5000; i--) { keys.insert(name(i)); live.add(name(i)); }
    for (let i = 0; i < 10_000; i += 3) { keys.remove(name(i)); live.delete(name(i)); }
    keys.remove('absent');
    assert.equal(keys.size, live.size);
    assert.deepEqual(keys.all(), [...live].sort());
    assert.deepEqual(keys.withPrefix('k0012'), [...live].filter((k) => k.startsWith('k0012')).sort());
    for (const k of [...live]) keys.remove(k);
    assert.equal(keys.size, 0);
    assert.deepEqual(keys.all(), []);
    assert.deepEqual(keys.withPrefix(''), []);
    keys.insert('again');
    assert.deepEqual(keys.all(), ['again']);
  });
});
