// Sample Raft messages of every variant, shared by the rpc tests.
import type { AppendMessage, Entry, RaftMessage, SnapshotMessage } from '../../../src/raft/core/types.js';

export const A = '0b6c1f62-1111-4aaa-a111-000000000001';
export const B = '0b6c1f62-2222-4bbb-a222-000000000002';

export function entry(index: number, term: number, size = 100, kind: Entry['kind'] = 'normal'): Entry {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index * 31 + i) & 0xff;
  return { index, term, kind, data };
}

export function append(i: number, entries = 16, size = 100): AppendMessage {
  return {
    type: 'append', from: A, to: B, term: 3, prevIndex: i * entries, prevTerm: 3, commit: i * entries,
    entries: Array.from({ length: entries }, (_, k) => entry(i * entries + k + 1, 3, size)),
  };
}

export const snapshotMessage: SnapshotMessage = {
  type: 'snapshot', from: A, to: B, term: 7,
  snapshot: {
    index: 1200, term: 6,
    membership: { servers: [{ id: A, address: '127.0.0.41:8300', voter: true }, { id: B, address: '127.0.0.42:8300', voter: false }] },
  },
};

export const allVariants: RaftMessage[] = [
  append(1, 3, 10),
  { type: 'append', from: A, to: B, term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [] },
  { type: 'append', from: A, to: B, term: 2, prevIndex: 5, prevTerm: 1, commit: 5, entries: [entry(6, 2, 0), entry(7, 2, 40, 'config')] },
  { type: 'append-response', from: B, to: A, term: 3, index: 48, reject: false, hintIndex: 0, hintTerm: 0 },
  { type: 'append-response', from: B, to: A, term: 3, index: 10, reject: true, hintIndex: 7, hintTerm: 2 },
  { type: 'heartbeat', from: A, to: B, term: 3, commit: 48, context: '' },
  { type: 'heartbeat', from: A, to: B, term: 3, commit: 48, context: 'read-42' },
  { type: 'heartbeat-response', from: B, to: A, term: 3, context: 'read-42' },
  { type: 'vote', from: A, to: B, term: 4, preVote: true, transfer: false, lastIndex: 48, lastTerm: 3 },
  { type: 'vote', from: A, to: B, term: 5, preVote: false, transfer: true, lastIndex: 48, lastTerm: 3 },
  { type: 'vote-response', from: B, to: A, term: 4, preVote: true, granted: true },
  { type: 'vote-response', from: B, to: A, term: 5, preVote: false, granted: false },
  snapshotMessage,
  { type: 'timeout-now', from: A, to: B, term: 5 },
  // Large numbers stay exact up to 2^53 - 1.
  { type: 'heartbeat', from: A, to: B, term: Number.MAX_SAFE_INTEGER, commit: 2 ** 40, context: 'x'.repeat(300) },
];
