import { Box, Text } from 'ink';

const KEYS: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move the selection (in the events pane: scroll)'],
  ['PgUp PgDn  g G', 'a page up or down, first, last'],
  ['Tab  Shift-Tab', 'next or previous pane: members, services, events, raft'],
  ['Enter', 'details of the selected node: its services and their checks (Esc closes)'],
  ['/', 'filter members by name, address, status, role or tag (key=value); Enter keeps, Esc clears'],
  ['s  S', 'sort by role, name, status, address, dc, since; S reverses'],
  ['w', 'switch between the LAN and WAN pools (servers only)'],
  ['?', 'this help (any key closes it)'],
  ['q  Ctrl-C', 'quit'],
];

/** The key bindings. */
export function Help() {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>roster monitor: keys</Text>
      {KEYS.map(([keys, what]) => (
        <Text key={keys}>
          <Text color="cyan">{keys.padEnd(16)}</Text> {what}
        </Text>
      ))}
      <Text dimColor>Status colours: alive green, suspect yellow, failed red, left grey. Leader: cyan, marked *.</Text>
    </Box>
  );
}
