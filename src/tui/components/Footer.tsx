import { Text } from 'ink';
import type { UiState } from '../keys.js';

export interface FooterProps {
  readonly ui: UiState;
  /** A passing note (e.g. "no WAN pool on a client agent"). */
  readonly note?: string | undefined;
}

/** The filter being typed, or the key hints. */
export function Footer({ ui, note }: FooterProps) {
  if (ui.filtering) {
    return (
      <Text>
        <Text color="blue">/</Text>
        {ui.filter}
        <Text inverse> </Text>
        <Text dimColor>  Enter keep · Esc clear</Text>
      </Text>
    );
  }
  return (
    <Text dimColor wrap="truncate">
      {note ? <Text color="yellow">{note} · </Text> : null}
      ↑↓/jk move · Tab pane · Enter detail · / filter{ui.filter ? ` "${ui.filter}"` : ''} · s sort · w {ui.tab === 'lan' ? 'WAN' : 'LAN'} · ? help · q quit
    </Text>
  );
}
