import { Box, Text } from 'ink';
import type { LocalSelf, RaftView } from '../../rpc/local-api-codec.js';
import type { Connection } from '../model.js';
import type { LocalMemberStatus } from '../../rpc/local-api-codec.js';
import { STATUS_COLOR } from '../view.js';

export interface HeaderProps {
  readonly self: LocalSelf | null;
  readonly address: string;
  readonly connection: Connection;
  readonly tab: 'lan' | 'wan';
  readonly counts: Record<LocalMemberStatus, number>;
  readonly raft: RaftView | null;
}

const STATE_TEXT = { live: ['live', 'green'], connecting: ['connecting', 'yellow'], unreachable: ['unreachable', 'red'] } as const;

/** One line: which agent, the connection, the pool's counts, the leader. */
export function Header({ self, address, connection, tab, counts, raft }: HeaderProps) {
  const [state, color] = STATE_TEXT[connection.status];
  const total = counts.alive + counts.suspect + counts.failed + counts.left;
  const statuses = (Object.keys(counts) as LocalMemberStatus[]).filter((s) => counts[s] > 0);
  const leader = raft ? (raft.leaderId ? raft.leaderName || raft.leaderId : 'none') : null;
  return (
    <Box>
      <Text wrap="truncate">
        <Text bold>roster monitor</Text>
        {' · '}
        {self ? `${self.name} (${self.server ? 'server' : 'client'}, ${self.datacenter})` : address}
        {' · '}
        <Text color={color}>{state}</Text>
        {' · '}
        <Text bold>{tab.toUpperCase()}</Text> {total} members
        {statuses.map((s) => (
          <Text key={s}>
            {' '}
            <Text color={STATUS_COLOR[s]}>
              {counts[s]} {s}
            </Text>
          </Text>
        ))}
        {leader !== null ? (
          <Text>
            {' · leader '}
            <Text color={raft?.leaderId ? 'cyan' : 'red'}>{leader}</Text>
            {raft ? ` term ${raft.term}` : ''}
          </Text>
        ) : null}
      </Text>
    </Box>
  );
}
