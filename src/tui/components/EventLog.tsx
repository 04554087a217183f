import { Box, Text } from 'ink';
import type { EventLine } from '../model.js';
import { formatClock } from '../view.js';

export interface EventLogProps {
  readonly events: readonly EventLine[];
  /** Lines scrolled back from the newest. */
  readonly back: number;
  readonly height: number;
  readonly focused: boolean;
}

const LEVEL_COLOR = { info: undefined, warn: 'yellow', error: 'red' } as const;

/** The newest `height` events (or older ones when scrolled back), oldest at the top. */
export function EventLog({ events, back, height, focused }: EventLogProps) {
  const end = Math.max(0, events.length - back);
  const shown = events.slice(Math.max(0, end - height), end);
  return (
    <Box flexDirection="column" height={height + 1}>
      <Text>
        <Text bold color={focused ? 'blue' : undefined} inverse={focused}>
          {' Events '}
        </Text>
        {back > 0 ? <Text dimColor> ({back} newer below)</Text> : null}
      </Text>
      {shown.length === 0 ? <Text dimColor> nothing yet</Text> : null}
      {shown.map((e, i) => (
        <Text key={`${end - shown.length + i}`} wrap="truncate">
          {' '}
          <Text dimColor>{formatClock(e.at)}</Text> <Text color={LEVEL_COLOR[e.level]}>{e.text}</Text>
        </Text>
      ))}
    </Box>
  );
}
