import type { RaftConfiguration } from '../client/types.js';
import type { DecodedSnapshot } from '../shared/snapshot-archive.js';
import { formatTable } from './table.js';

/**
 * `operator raft list-peers` and `snapshot inspect` output, laid out as Consul 1.17 lays them out.
 */

export const RAFT_PEERS_HEADER = ['Node', 'ID', 'Address', 'State', 'Voter', 'RaftProtocol', 'Commit Index', 'Trails Leader By'];

/** "-" for the leader (and when no leader is listed); "1 commit", "N commits" for the others. */
export function trailsLeaderBy(lastIndex: number, leaderLastIndex: number | undefined, isLeader: boolean): string {
  if (isLeader || leaderLastIndex === undefined) return '-';
  const behind = Math.max(0, leaderLastIndex - lastIndex);
  return `${behind} commit${behind === 1 ? '' : 's'}`;
}

export function raftPeerRows(config: RaftConfiguration): string[][] {
  const leader = config.Servers.find((s) => s.Leader);
  return config.Servers.map((s) => [
    s.Node || '(unknown)',
    s.ID,
    s.Address,
    s.Leader ? 'leader' : 'follower',
    String(s.Voter),
    s.ProtocolVersion || '<=1',
    String(s.LastIndex ?? 0),
    trailsLeaderBy(s.LastIndex ?? 0, leader?.LastIndex, s.Leader),
  ]);
}

export function formatRaftPeers(config: RaftConfiguration): string {
  return formatTable(RAFT_PEERS_HEADER, raftPeerRows(config));
}

/** `snapshot inspect`'s summary: one `Name  value` line per field. */
export function formatSnapshotSummary(snapshot: DecodedSnapshot): string {
  const h = snapshot.header;
  return formatTable(null, [
    ['Index', String(h.Index)],
    ['Term', String(h.Term)],
    ['Size', `${h.Size} bytes`],
    ['Archive Size', `${snapshot.archiveBytes} bytes`],
    ['SHA256', h.SHA256],
    ['Format', `${h.Format} version ${h.Version}`],
  ]);
}
