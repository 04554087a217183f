/**
 * Cheap non-cryptographic hashes for the simulator's invariants: an entry digest and a rolling
 * prefix hash over a log (two 26-bit lanes packed in a safe integer), so "same index and term ⇒
 * same prefix" and "same applied index ⇒ same committed prefix" are O(1) comparisons.
 */
import type { Entry } from '../../../src/raft/core/types.js';

export function fnv1a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function fnv1aString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Digest of an entry's identity and content (index excluded: the prefix hash carries position). */
export function entryDigest(e: Entry): number {
  return fnv1a(e.data, (0x811c9dc5 ^ Math.imul(e.term, 0x9e3779b1) ^ (e.kind === 'config' ? 0x5bd1e995 : 0)) >>> 0);
}

const LANE = 0x4000000; // 2^26

/** Prefix hash after appending an entry with this term and digest to a prefix hashed `prev`. */
export function extendPrefix(prev: number, index: number, term: number, digest: number): number {
  const lo = prev % LANE;
  const hi = Math.floor(prev / LANE);
  let a = Math.imul(lo ^ digest, 0x85ebca6b) ^ Math.imul(index, 0xc2b2ae35);
  a = Math.imul(a ^ (a >>> 13), 0x27d4eb2f);
  a = (a ^ (a >>> 16)) >>> 0;
  let b = Math.imul(hi ^ term, 0x9e3779b1) ^ Math.imul(digest ^ (digest >>> 11), 0x165667b1) ^ a;
  b = Math.imul(b ^ (b >>> 15), 0x2c1b3c6d);
  b = (b ^ (b >>> 12)) >>> 0;
  return (b % LANE) * LANE + (a % LANE);
}

/** The prefix hash of the empty log. */
export const EMPTY_PREFIX = 0;
