import { Box, Text } from 'ink';
import type { ServiceSummary } from '../health.js';
import { cell, visibleWindow } from '../view.js';

export interface ServicesPaneProps {
  readonly services: readonly ServiceSummary[] | null;
  readonly selected: number;
  readonly height: number;
  readonly width: number;
  readonly focused: boolean;
  readonly error: string | null;
}

/** The catalog's services, each with its checks counted by state. */
export function ServicesPane({ services, selected, height, width, focused, error }: ServicesPaneProps) {
  const nameWidth = Math.max(8, width - 32);
  const list = services ?? [];
  const { start, end } = visibleWindow(list.length, selected, Math.max(1, height), 0);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color={focused ? 'blue' : undefined} inverse={focused}>
          {` Services ${services ? list.length : ''} `}
        </Text>
        {error ? <Text color="red"> {error}</Text> : null}
      </Text>
      <Text dimColor wrap="truncate">
        {' '}
        {cell('Service', nameWidth)} {cell('Passing', 8)} {cell('Warning', 8)} Critical
      </Text>
      {services === null ? <Text dimColor> loading…</Text> : list.length === 0 ? <Text dimColor> no services</Text> : null}
      {list.slice(start, end).map((s, i) => {
        const isSelected = start + i === selected && focused;
        return (
          <Text key={s.name} wrap="truncate" inverse={isSelected}>
            {' '}
            {cell(s.name, nameWidth)} <Text color="green">{cell(String(s.passing), 8)}</Text>{' '}
            <Text color={s.warning ? 'yellow' : undefined}>{cell(String(s.warning), 8)}</Text>{' '}
            <Text color={s.critical ? 'red' : undefined}>{String(s.critical)}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
