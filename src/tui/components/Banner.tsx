import { Box, Text } from 'ink';
import type { Connection } from '../model.js';
import { formatAge } from '../view.js';

export interface BannerProps {
  readonly connection: Connection;
  readonly address: string;
  readonly now: number;
  /** True once a snapshot was ever received (the panes then show the last known state). */
  readonly hadData: boolean;
}

/** Shown only while the agent cannot be reached: what failed, and when the next try is. */
export function Banner({ connection, address, now, hadData }: BannerProps) {
  if (connection.status === 'live') return null;
  if (connection.status === 'connecting') {
    if (connection.attempt > 1 || hadData) return null;
    return (
      <Box>
        <Text color="yellow">Connecting to the agent at {address}…</Text>
      </Box>
    );
  }
  const wait = Math.max(0, connection.retryAt - now);
  return (
    <Box borderStyle="round" borderColor="red" paddingX={1} flexDirection="column">
      <Text color="red" bold wrap="truncate">
        Agent unreachable at {address} for {formatAge(now - connection.since)}: {connection.error}
      </Text>
      <Text wrap="truncate">
        Retrying {wait > 0 ? `in ${Math.ceil(wait / 1000)}s` : 'now'} (attempt {connection.attempt}).{' '}
        {hadData ? 'Showing the last known state.' : ''}
      </Text>
    </Box>
  );
}
