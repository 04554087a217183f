/**
 * Frames of the local agent API stream (`roster.agent.v1.LocalAgent/Watch`, see local-api.ts):
 * what `roster monitor` receives from the agent it watches. The first frame is a full snapshot
 * of the gossip pools and the Raft state; after it, one frame per membership change or Raft
 * change as it happens, and a heartbeat every few seconds when nothing happens.
 *
 * Wire: every response message is [version 1][msgpack frame]. A reader that meets another
 * version refuses the stream (the monitor then says which agent version it needs).
 */
import { packFrame, unpackFrame } from './frame-stream.js';
import { AppError } from '../shared/errors.js';

export const LOCAL_API_VERSION = 1;

/** A gossip member's state as the agent sees it (a suspect is still in the pool). */
export type LocalMemberStatus = 'alive' | 'suspect' | 'failed' | 'left';
export const LOCAL_MEMBER_STATUSES: readonly LocalMemberStatus[] = ['alive', 'suspect', 'failed', 'left'];

export interface LocalMember {
  readonly name: string;
  /** Gossip IP (no port). */
  readonly addr: string;
  readonly port: number;
  readonly status: LocalMemberStatus;
  /** Gossip tags: role (consul = server), dc, build, id, ... */
  readonly tags: Readonly<Record<string, string>>;
  readonly incarnation: number;
  /** Epoch ms of the last status change as this agent saw it (first sight for members it met alive). */
  readonly since: number;
}

/**
 * What changed: `join` (new, or back from failed/left), `update` (address or tags), `suspect`,
 * `alive` (a suspicion refuted), `failed`, `left`, `reap` (forgotten after the reconnect or
 * tombstone timeout; the member is gone from the list).
 */
export type MemberChange = 'join' | 'update' | 'suspect' | 'alive' | 'failed' | 'left' | 'reap';
export const MEMBER_CHANGES: readonly MemberChange[] = ['join', 'update', 'suspect', 'alive', 'failed', 'left', 'reap'];

export interface RaftServerInfo {
  readonly id: string;
  /** Node name from gossip ('' when no gossip member carries this server ID). */
  readonly name: string;
  readonly address: string;
  readonly voter: boolean;
  readonly leader: boolean;
  /** Highest index known replicated there (the leader's view); null when this server is not the leader. */
  readonly match: number | null;
  /** Ms since the leader last heard from it (0 for the leader itself); null when unknown. */
  readonly lastContactMs: number | null;
}

export interface RaftView {
  readonly id: string;
  readonly role: 'leader' | 'follower' | 'candidate' | 'pre-candidate';
  readonly term: number;
  readonly leaderId: string;
  /** Leader's node name ('' when unknown or no leader). */
  readonly leaderName: string;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** Ms since this server last heard from a leader (0 on the leader). */
  readonly lastContactMs: number;
  readonly servers: readonly RaftServerInfo[];
}

export interface LocalSelf {
  readonly name: string;
  readonly datacenter: string;
  readonly server: boolean;
}

export type WatchFrame =
  | {
      readonly kind: 'snapshot';
      readonly at: number;
      readonly self: LocalSelf;
      readonly lan: readonly LocalMember[];
      /** Null on client agents (they are not in the WAN pool). */
      readonly wan: readonly LocalMember[] | null;
      /** Null on client agents (no Raft). */
      readonly raft: RaftView | null;
    }
  | { readonly kind: 'member'; readonly at: number; readonly pool: 'lan' | 'wan'; readonly change: MemberChange; readonly member: LocalMember }
  | { readonly kind: 'raft'; readonly at: number; readonly raft: RaftView }
  | { readonly kind: 'heartbeat'; readonly at: number };

export function encodeWatchFrame(frame: WatchFrame): Buffer {
  return packFrame(LOCAL_API_VERSION, frame);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNatOrNull = (v: unknown): boolean => v === null || isNat(v);

function isMember(v: unknown): v is LocalMember {
  return (
    isObj(v) && isStr(v.name) && isStr(v.addr) && isNat(v.port) && LOCAL_MEMBER_STATUSES.includes(v.status as LocalMemberStatus) &&
    isObj(v.tags) && Object.values(v.tags).every(isStr) && isNat(v.incarnation) && isTime(v.since)
  );
}

const isMembers = (v: unknown): v is LocalMember[] => Array.isArray(v) && v.every(isMember);

function isRaft(v: unknown): v is RaftView {
  return (
    isObj(v) && isStr(v.id) && ['leader', 'follower', 'candidate', 'pre-candidate'].includes(v.role as string) && isNat(v.term) &&
    isStr(v.leaderId) && isStr(v.leaderName) && isNat(v.commit) && isNat(v.applied) && isNat(v.lastIndex) && isNat(v.lastContactMs) &&
    Array.isArray(v.servers) &&
    v.servers.every(
      (s) => isObj(s) && isStr(s.id) && isStr(s.name) && isStr(s.address) && typeof s.voter === 'boolean' && typeof s.leader === 'boolean' &&
        isNatOrNull(s.match) && isNatOrNull(s.lastContactMs),
    )
  );
}

const isSelf = (v: unknown): v is LocalSelf => isObj(v) && isStr(v.name) && isStr(v.datacenter) && typeof v.server === 'boolean';

/** Decodes and validates one frame; anything malformed or of another version is a typed error. */
export function decodeWatchFrame(bytes: Uint8Array): WatchFrame {
  const frame = unpackFrame(
    bytes,
    LOCAL_API_VERSION,
    'local agent stream',
    (got) => `local agent stream: unsupported frame version ${got} (this monitor reads version ${LOCAL_API_VERSION})`,
  );
  if (isObj(frame) && isTime(frame.at)) {
    const f = frame;
    switch (f.kind) {
      case 'snapshot':
        if (isSelf(f.self) && isMembers(f.lan) && (f.wan === null || isMembers(f.wan)) && (f.raft === null || isRaft(f.raft))) {
          return f as unknown as WatchFrame;
        }
        break;
      case 'member':
        if ((f.pool === 'lan' || f.pool === 'wan') && MEMBER_CHANGES.includes(f.change as MemberChange) && isMember(f.member)) {
          return f as unknown as WatchFrame;
        }
        break;
      case 'raft':
        if (isRaft(f.raft)) return f as unknown as WatchFrame;
        break;
      case 'heartbeat':
        return f as unknown as WatchFrame;
    }
  }
  throw new AppError('BAD_REQUEST', 'local agent stream: malformed frame');
}
