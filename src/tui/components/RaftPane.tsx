import { Box, Text } from 'ink';
import type { RaftView } from '../../rpc/local-api-codec.js';
import { cell } from '../view.js';

export interface RaftPaneProps {
  readonly raft: RaftView | null;
  /** The watched agent is a client (it has no Raft state of its own). */
  readonly client: boolean;
  readonly focused: boolean;
  readonly width: number;
}

const ms = (v: number | null): string => (v === null ? '-' : v < 1000 ? `${v}ms` : `${(v / 1000).toFixed(1)}s`);

/** Leader, term, indexes, and each server's match index, lag and last contact. */
export function RaftPane({ raft, client, focused, width }: RaftPaneProps) {
  const title = (
    <Text bold color={focused ? 'blue' : undefined} inverse={focused}>
      {' Raft '}
    </Text>
  );
  if (!raft) {
    return (
      <Box flexDirection="column" width={width}>
        {title}
        <Text dimColor wrap="truncate">
          {client ? ' this agent is a client: no Raft state here (watch a server for it)' : ' waiting for the Raft status…'}
        </Text>
      </Box>
    );
  }
  const leaderText = raft.leaderId ? raft.leaderName || raft.leaderId : 'none';
  const nameWidth = Math.max(6, Math.min(16, width - 47));
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        {title} <Text color={raft.leaderId ? 'cyan' : 'red'}>leader {leaderText}</Text> term {raft.term} · this server: {raft.role}
      </Text>
      <Text wrap="truncate">
        {' '}commit {raft.commit} · applied {raft.applied} · last index {raft.lastIndex}
        {raft.role !== 'leader' ? ` · last contact ${ms(raft.lastContactMs)}` : ''}
      </Text>
      <Text dimColor wrap="truncate">
        {' '}
        {cell('Server', nameWidth)} {cell('Address', 18)} {cell('Voter', 5)} {cell('Match', 6)} {cell('Lag', 4)} Contact
      </Text>
      {raft.servers.map((s) => {
        const lag = s.match === null ? '-' : String(Math.max(0, raft.lastIndex - s.match));
        return (
          <Text key={s.id} wrap="truncate">
            {s.leader ? <Text color="cyan">*</Text> : ' '}
            <Text color={s.leader ? 'cyan' : undefined}>{cell(s.name || s.id.slice(0, 8), nameWidth)}</Text> {cell(s.address, 18)}{' '}
            {cell(s.voter ? 'yes' : 'no', 5)} {cell(s.match === null ? '-' : String(s.match), 6)}{' '}
            <Text color={lag !== '-' && Number(lag) > 100 ? 'yellow' : undefined}>{cell(lag, 4)}</Text> {ms(s.lastContactMs)}
          </Text>
        );
      })}
    </Box>
  );
}
