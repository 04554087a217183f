import { Box, Text } from 'ink';
import type { LocalMember, RaftView } from '../../rpc/local-api-codec.js';
import { buildOf, cell, formatAge, memberRole, STATUS_COLOR, visibleWindow, type SortKey } from '../view.js';

export interface MemberListProps {
  /** Every row after sorting and filtering; only the visible window is rendered. */
  readonly rows: readonly LocalMember[];
  /** Members in the pool before the filter. */
  readonly total: number;
  readonly selected: number;
  readonly top: number;
  /** Rows available for members (the header line not included). */
  readonly height: number;
  readonly width: number;
  readonly raft: RaftView | null;
  readonly now: number;
  readonly focused: boolean;
  readonly tab: 'lan' | 'wan';
  readonly filter: string;
  readonly sort: SortKey;
  readonly reverse: boolean;
}

const ROLE_COLOR = { leader: 'cyan', server: 'white', client: 'gray' } as const;
const FIXED = { addr: 22, status: 8, role: 8, dc: 6, build: 8, since: 6 };

export function memberColumns(width: number): { name: number } & typeof FIXED {
  const fixed = Object.values(FIXED).reduce((a, b) => a + b, 0) + 7;
  return { name: Math.max(8, width - fixed), ...FIXED };
}

/** The gossip pool as a table: a window of `height` rows around the selection, nothing more. */
export function MemberList(props: MemberListProps) {
  const { rows, total, selected, top, height, width, raft, now, focused, tab, filter, sort, reverse } = props;
  const cols = memberColumns(width);
  const { start, end } = visibleWindow(rows.length, selected, height, top);
  const visible = rows.slice(start, end);
  const title = `${tab === 'lan' ? 'LAN' : 'WAN'} members ${filter ? `${rows.length}/${total} matching "${filter}"` : String(total)}`;
  const range = rows.length > height ? ` [${start + 1}-${end} of ${rows.length}]` : '';
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color={focused ? 'blue' : undefined} inverse={focused}>
          {' '}
          {title}{' '}
        </Text>
        <Text dimColor>
          {range} sort: {sort}
          {reverse ? ' (reversed)' : ''}
        </Text>
      </Text>
      <Text dimColor wrap="truncate">
        {' '}
        {cell('Node', cols.name)} {cell('Address', cols.addr)} {cell('Status', cols.status)} {cell('Role', cols.role)} {cell('DC', cols.dc)}{' '}
        {cell('Build', cols.build)} {cell('Since', cols.since)}
      </Text>
      {visible.length === 0 ? <Text dimColor> {total === 0 ? 'no members yet' : 'no member matches the filter'}</Text> : null}
      {visible.map((m, i) => {
        const role = memberRole(m, raft);
        const isSelected = start + i === selected;
        return (
          <Text key={m.name} wrap="truncate" inverse={isSelected && focused} bold={isSelected}>
            {isSelected ? '›' : ' '}
            {cell(m.name, cols.name)} {cell(`${m.addr}:${m.port}`, cols.addr)} <Text color={STATUS_COLOR[m.status]}>{cell(m.status, cols.status)}</Text>{' '}
            <Text color={ROLE_COLOR[role]}>{cell(role === 'leader' ? 'leader*' : role, cols.role)}</Text> {cell(m.tags.dc ?? '', cols.dc)}{' '}
            {cell(buildOf(m), cols.build)} {cell(formatAge(now - m.since), cols.since)}
          </Text>
        );
      })}
    </Box>
  );
}
