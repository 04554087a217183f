/**
 * The simulator's single seam to the Raft core (src/raft/core): construction, the bootstrap log,
 * the default config and membership decoding. Optional exports are looked up by name so the
 * simulator keeps working while the core's surface settles.
 */
import * as core from '../../../src/raft/core/index.js';
import type {
  Entry, HardState, Membership, RaftConfig, RaftCore, RestoredState, ServerId,
} from '../../../src/raft/core/types.js';
import type { Random } from '../../../src/shared/random.js';

const exported = core as unknown as Record<string, unknown>;

export function createCore(config: RaftConfig, random: Random, restored: RestoredState): RaftCore {
  return new core.Raft(config, random, restored);
}

export function bootstrapLog(membership: Membership): { hardState: HardState; entries: readonly Entry[] } {
  return core.bootstrapLog(membership);
}

export function raftConfig(id: ServerId): RaftConfig {
  const f = exported['defaultRaftConfig'];
  if (typeof f === 'function') return { ...(f as (id: ServerId) => RaftConfig)(id), id };
  return { id, electionTicks: 10, heartbeatTicks: 1, preVote: true, checkQuorum: true, maxSizePerMsg: 64 * 1024, maxInflightMsgs: 64 };
}

export function decodeMembership(data: Uint8Array): Membership {
  const f = exported['decodeMembership'];
  if (typeof f === 'function') return (f as (d: Uint8Array) => Membership)(data);
  return JSON.parse(new TextDecoder().decode(data)) as Membership;
}
