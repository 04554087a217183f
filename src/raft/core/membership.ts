/**
 * Membership: the wire form of config entries, the single-server change rules (Raft
 * dissertation §4.1) and quorum arithmetic. A config entry holds the whole new server set, so a
 * server that reads one entry knows the complete configuration without replaying history.
 */
import { AppError } from '../../shared/errors.js';
import type { Membership, MembershipChange, ServerEntry, ServerId } from './types.js';

export const EMPTY_MEMBERSHIP: Membership = Object.freeze({ servers: Object.freeze([]) });

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeMembership(membership: Membership): Uint8Array {
  const servers = membership.servers.map((s) => ({ id: s.id, address: s.address, voter: s.voter }));
  return encoder.encode(JSON.stringify({ servers }));
}

/** Throws AppError('BAD_REQUEST') when `data` is not an encoded Membership. */
export function decodeMembership(data: Uint8Array): Membership {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new AppError('BAD_REQUEST', 'membership: not UTF-8 JSON', { cause: err });
  }
  const list = (raw as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(list)) throw new AppError('BAD_REQUEST', 'membership: missing servers');
  const seen = new Set<ServerId>();
  const servers: ServerEntry[] = [];
  for (const s of list as unknown[]) {
    const { id, address, voter } = (s ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || id === '' || typeof address !== 'string' || typeof voter !== 'boolean') {
      throw new AppError('BAD_REQUEST', 'membership: malformed server entry');
    }
    if (seen.has(id)) throw new AppError('BAD_REQUEST', `membership: duplicate server ${id}`);
    seen.add(id);
    servers.push({ id, address, voter });
  }
  return { servers };
}

/** decodeMembership for untrusted input inside the core, where throwing is not allowed. */
export function tryDecodeMembership(data: Uint8Array): Membership | null {
  try {
    return decodeMembership(data);
  } catch {
    return null;
  }
}

/**
 * The membership after `change`, or an error string. Like hashicorp/raft, changes that alter
 * nothing (removing an unknown server, adding a voter as a non-voter) are allowed: they still
 * produce a config entry, which gives the caller an index to wait for.
 */
export function applyMembershipChange(current: Membership, change: MembershipChange): Membership | string {
  if (typeof change.id !== 'string' || change.id === '') return 'server id must be non-empty';
  const servers = current.servers.slice();
  const at = servers.findIndex((s) => s.id === change.id);
  const existing = at >= 0 ? servers[at] : undefined;
  switch (change.type) {
    case 'add-nonvoter':
    case 'add-voter': {
      if (typeof change.address !== 'string' || change.address === '') return 'server address must be non-empty';
      // add-nonvoter never demotes: hashicorp/raft's AddNonvoter leaves an existing voter a voter.
      const voter = change.type === 'add-voter' || (existing?.voter ?? false);
      const entry: ServerEntry = { id: change.id, address: change.address, voter };
      if (existing) servers[at] = entry;
      else servers.push(entry);
      break;
    }
    case 'remove':
      if (existing) servers.splice(at, 1);
      break;
    default:
      return 'unknown change type';
  }
  if (!servers.some((s) => s.voter)) return 'a membership needs at least one voter';
  return { servers };
}

/** Votes (or matching logs) needed out of `voters`. */
export function quorumSize(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The highest index a quorum has reached, given each voter's match index. Sorting a handful of
 * numbers per response is cheaper than keeping an order-statistics structure up to date.
 */
export function quorumIndex(matches: number[]): number {
  if (matches.length === 0) return 0;
  // Insertion sort, descending: a handful of voters, asked on every append acknowledgement, and
  // Array#sort with a comparator allocates a work area each time.
  for (let i = 1; i < matches.length; i++) {
    const m = matches[i]!;
    let j = i - 1;
    while (j >= 0 && matches[j]! < m) {
      matches[j + 1] = matches[j]!;
      j--;
    }
    matches[j + 1] = m;
  }
  return matches[quorumSize(matches.length) - 1]!;
}

/** A Membership with lookup sets, built once per config entry instead of once per message. */
export class MembershipView {
  readonly voters: ReadonlySet<ServerId>;
  private readonly byId: ReadonlyMap<ServerId, ServerEntry>;

  constructor(readonly membership: Membership) {
    this.byId = new Map(membership.servers.map((s) => [s.id, s]));
    this.voters = new Set(membership.servers.filter((s) => s.voter).map((s) => s.id));
  }

  has(id: ServerId): boolean {
    return this.byId.has(id);
  }

  isVoter(id: ServerId): boolean {
    return this.voters.has(id);
  }

  get quorum(): number {
    return quorumSize(this.voters.size);
  }

  ids(): IterableIterator<ServerId> {
    return this.byId.keys();
  }
}
