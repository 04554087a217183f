import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { LocalMember } from '../../rpc/local-api-codec.js';
import type { CheckRow, ServiceRow } from '../health.js';
import { CHECK_COLOR, STATUS_COLOR, type Role } from '../view.js';

export interface NodeDetailProps {
  readonly member: LocalMember;
  readonly role: Role;
  /** Null while loading; 'absent' when the node is not in the catalog. */
  readonly services: readonly ServiceRow[] | null | 'absent';
  /** This node's checks (node-level and per service). */
  readonly checks: readonly CheckRow[];
  readonly height: number;
  readonly width: number;
}

/** The selected node: its gossip facts, then its services, each with its checks. */
export function NodeDetail({ member, role, services, checks, height, width }: NodeDetailProps) {
  const lines: ReactNode[] = [];
  const nodeChecks = checks.filter((c) => !c.ServiceID);
  for (const c of nodeChecks) lines.push(<CheckLine key={`n-${c.CheckID}`} check={c} indent=" " />);
  if (services === null) lines.push(<Text key="loading" dimColor> loading services…</Text>);
  else if (services === 'absent') lines.push(<Text key="absent" dimColor> not in the catalog</Text>);
  else if (services.length === 0) lines.push(<Text key="none" dimColor> no services</Text>);
  else {
    for (const s of services) {
      lines.push(
        <Text key={`s-${s.ID}`} wrap="truncate">
          {' '}
          <Text bold>{s.Service}</Text>
          {s.ID !== s.Service ? ` (${s.ID})` : ''} {s.Address || member.addr}:{s.Port}
          {s.Tags && s.Tags.length > 0 ? <Text dimColor> [{s.Tags.join(',')}]</Text> : null}
        </Text>,
      );
      for (const c of checks.filter((c) => c.ServiceID === s.ID)) lines.push(<CheckLine key={`c-${s.ID}-${c.CheckID}`} check={c} indent="   " />);
    }
  }
  const tags = Object.entries(member.tags)
    .filter(([k]) => !['vsn', 'vsn_min', 'vsn_max', 'segment', 'id'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const room = Math.max(1, height - 4);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold inverse>
          {` ${member.name} `}
        </Text>{' '}
        <Text color={STATUS_COLOR[member.status]}>{member.status}</Text> · {role} · {member.addr}:{member.port} · incarnation {member.incarnation}
      </Text>
      <Text dimColor wrap="truncate">
        {' '}
        {tags}
      </Text>
      <Text bold> Services and checks</Text>
      {lines.slice(0, room)}
      {lines.length > room ? <Text dimColor> … {lines.length - room} more</Text> : null}
    </Box>
  );
}

function CheckLine({ check, indent }: { check: CheckRow; indent: string }) {
  return (
    <Text wrap="truncate">
      {indent}
      <Text color={CHECK_COLOR[check.Status] ?? 'white'}>{check.Status.padEnd(9)}</Text> {check.Name || check.CheckID}
      {check.Output ? <Text dimColor> {check.Output.split('\n')[0]}</Text> : null}
    </Text>
  );
}
