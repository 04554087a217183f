/**
 * Shape checks for messages from the network. The transport decodes into our types, but a peer
 * running a buggy or newer version can still send nonsense (negative indexes, gaps in entries);
 * step() must drop such a message rather than throw or corrupt state.
 */
import type { AppendMessage, RaftMessage } from './types.js';

const nat = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const bool = (b: unknown): boolean => typeof b === 'boolean';
const str = (s: unknown): boolean => typeof s === 'string';

export function isWellFormed(m: RaftMessage): boolean {
  if (typeof m !== 'object' || m === null) return false;
  if (!str(m.from) || !str(m.to) || m.from === '' || !nat(m.term)) return false;
  switch (m.type) {
    case 'append':
      return nat(m.prevIndex) && nat(m.prevTerm) && nat(m.commit) && Array.isArray(m.entries);
    case 'append-response':
      return nat(m.index) && bool(m.reject) && nat(m.hintIndex) && nat(m.hintTerm);
    case 'heartbeat':
      return nat(m.commit) && str(m.context);
    case 'heartbeat-response':
      return str(m.context);
    case 'vote':
      return bool(m.preVote) && bool(m.transfer) && nat(m.lastIndex) && nat(m.lastTerm);
    case 'vote-response':
      return bool(m.preVote) && bool(m.granted);
    case 'snapshot': {
      const s = m.snapshot as unknown as Record<string, unknown> | null;
      if (typeof s !== 'object' || s === null || !nat(s.index) || !nat(s.term) || s.index === 0) return false;
      const servers = (s.membership as { servers?: unknown } | null)?.servers;
      return Array.isArray(servers) && servers.every((x: unknown) => {
        const e = x as Record<string, unknown> | null;
        return typeof e === 'object' && e !== null && str(e.id) && str(e.address) && bool(e.voter);
      });
    }
    case 'timeout-now':
      return true;
    default:
      return false;
  }
}

/**
 * The entries of an append are usable: contiguous after prevIndex, terms never decreasing and
 * never beyond the message's term, known kinds. Costs one pass over the entries.
 */
export function wellFormedEntries(m: AppendMessage): boolean {
  let index = m.prevIndex;
  let term = m.prevTerm;
  for (const e of m.entries) {
    if (typeof e !== 'object' || e === null) return false;
    if (e.index !== index + 1 || !nat(e.term) || e.term < term || e.term > m.term) return false;
    if ((e.kind !== 'normal' && e.kind !== 'config') || !(e.data instanceof Uint8Array)) return false;
    index = e.index;
    term = e.term;
  }
  return true;
}
