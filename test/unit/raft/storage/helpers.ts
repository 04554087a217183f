import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry, EntryKind } from '../../../../src/raft/core/types.js';

/** Deterministic entry content, so a reader can check an entry is intact from (index, term) alone. */
export function payload(index: number, term: number, size = 24): Uint8Array {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (index * 31 + term * 7 + i) & 0xff;
  if (size >= 4) b.writeUInt32LE(index >>> 0, 0);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function entry(index: number, term = 1, kind: EntryKind = 'normal', size = 24): Entry {
  return { index, term, kind, data: payload(index, term, size) };
}

export function entries(from: number, to: number, term = 1, size = 24): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, i % 7 === 0 ? 'config' : 'normal', size));
  return out;
}

/** Comparable view of entries (data as plain arrays, so Buffer vs Uint8Array does not matter). */
export function plain(es: readonly Entry[]): { index: number; term: number; kind: EntryKind; data: number[] }[] {
  return es.map((e) => ({ index: e.index, term: e.term, kind: e.kind, data: Array.from(e.data) }));
}

export function tempDir(prefix = 'roster-raft-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
