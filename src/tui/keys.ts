/**
 * The monitor's UI state and what each key does to it: pure, so every binding is testable
 * without a terminal. App.tsx feeds ink's useInput events through `onKey`.
 */
import { SORT_KEYS, type SortKey } from './view.js';

export type Pane = 'members' | 'services' | 'events' | 'raft';
export const PANES: readonly Pane[] = ['members', 'services', 'events', 'raft'];

export interface UiState {
  readonly pane: Pane;
  readonly tab: 'lan' | 'wan';
  /** Selected row of the members and services lists. */
  readonly selected: number;
  readonly serviceSelected: number;
  /** Events scrolled back from the newest (0 = follow the tail). */
  readonly eventsBack: number;
  /** First visible member row (the list keeps the selection in view from here). */
  readonly top: number;
  readonly filter: string;
  readonly filtering: boolean;
  readonly sort: SortKey;
  readonly reverse: boolean;
  readonly detail: boolean;
  readonly help: boolean;
}

export const initialUi: UiState = {
  pane: 'members',
  tab: 'lan',
  selected: 0,
  serviceSelected: 0,
  eventsBack: 0,
  top: 0,
  filter: '',
  filtering: false,
  sort: 'role',
  reverse: false,
  detail: false,
  help: false,
};

/** The subset of ink's Key that the bindings read. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

export interface KeyContext {
  /** Rows in the members list after filtering, the services list, the event log. */
  readonly memberCount: number;
  readonly serviceCount: number;
  readonly eventCount: number;
  /** Rows one page moves. */
  readonly pageSize: number;
  /** False on client agents: `w` then only says so. */
  readonly wanAvailable: boolean;
}

export interface KeyResult {
  readonly ui: UiState;
  readonly quit?: boolean;
}

const clampTo = (n: number, count: number): number => Math.max(0, Math.min(n, Math.max(0, count - 1)));

function move(ui: UiState, delta: number | 'start' | 'end', ctx: KeyContext): UiState {
  const step = (current: number, count: number): number =>
    delta === 'start' ? 0 : delta === 'end' ? Math.max(0, count - 1) : clampTo(current + delta, count);
  switch (ui.pane) {
    case 'members':
      return { ...ui, selected: step(ui.selected, ctx.memberCount) };
    case 'services':
      return { ...ui, serviceSelected: step(ui.serviceSelected, ctx.serviceCount) };
    case 'events': {
      // Up goes back in time.
      const back = delta === 'start' ? ctx.eventCount - 1 : delta === 'end' ? 0 : ui.eventsBack - delta;
      return { ...ui, eventsBack: clampTo(back, ctx.eventCount) };
    }
    case 'raft':
      return ui;
  }
}

export function onKey(ui: UiState, input: string, key: KeyInfo, ctx: KeyContext): KeyResult {
  if (key.ctrl && input === 'c') return { ui, quit: true };

  if (ui.filtering) {
    if (key.return) return { ui: { ...ui, filtering: false } };
    if (key.escape) return { ui: { ...ui, filtering: false, filter: '', selected: 0, top: 0 } };
    if (key.backspace || key.delete) return { ui: { ...ui, filter: ui.filter.slice(0, -1), selected: 0, top: 0 } };
    // eslint-disable-next-line no-control-regex
    const text = input.replace(/[\u0000-\u001f\u007f]/g, '');
    if (text && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow) {
      return { ui: { ...ui, filter: ui.filter + text, selected: 0, top: 0 } };
    }
    return { ui };
  }

  if (ui.help) {
    if (input === 'q') return { ui, quit: true };
    // Any key closes the help.
    return { ui: { ...ui, help: false } };
  }

  if (input === 'q') return { ui, quit: true };
  if (input === '?') return { ui: { ...ui, help: true } };
  if (key.escape) {
    if (ui.detail) return { ui: { ...ui, detail: false } };
    if (ui.filter) return { ui: { ...ui, filter: '', selected: 0, top: 0 } };
    return { ui };
  }
  if (key.tab) {
    const i = PANES.indexOf(ui.pane);
    const next = PANES[(i + (key.shift ? PANES.length - 1 : 1)) % PANES.length] ?? 'members';
    return { ui: { ...ui, pane: next } };
  }
  if (input === '/') return { ui: { ...ui, filtering: true, pane: 'members' } };
  if (input === 'w') return { ui: ctx.wanAvailable ? { ...ui, tab: ui.tab === 'lan' ? 'wan' : 'lan', selected: 0, top: 0, detail: false } : ui };
  if (input === 's') {
    const next = SORT_KEYS[(SORT_KEYS.indexOf(ui.sort) + 1) % SORT_KEYS.length] ?? 'role';
    return { ui: { ...ui, sort: next, selected: 0, top: 0 } };
  }
  if (input === 'S') return { ui: { ...ui, reverse: !ui.reverse, selected: 0, top: 0 } };
  if (key.return) {
    if (ui.pane === 'members' && ctx.memberCount > 0) return { ui: { ...ui, detail: !ui.detail } };
    return { ui };
  }
  if (key.upArrow || input === 'k') return { ui: move(ui, -1, ctx) };
  if (key.downArrow || input === 'j') return { ui: move(ui, 1, ctx) };
  if (key.pageUp) return { ui: move(ui, -ctx.pageSize, ctx) };
  if (key.pageDown || input === ' ') return { ui: move(ui, ctx.pageSize, ctx) };
  if (key.home || input === 'g') return { ui: move(ui, 'start', ctx) };
  if (key.end || input === 'G') return { ui: move(ui, 'end', ctx) };
  return { ui };
}

/**
 * Keys typed faster than a frame (or pasted, or sent by tmux) reach ink as one string: split it
 * into single keys, with Enter, Tab, Backspace and Escape recognised.
 */
export function splitKeys(input: string): [string, KeyInfo][] {
  const out: [string, KeyInfo][] = [];
  for (const char of input) {
    if (char === '\r' || char === '\n') out.push(['', { return: true }]);
    else if (char === '\t') out.push(['', { tab: true }]);
    else if (char === '\u007f' || char === '\b') out.push(['', { backspace: true }]);
    else if (char === '\u001b') out.push(['', { escape: true }]);
    else if (char === '\u0003') out.push(['c', { ctrl: true }]);
    else if (char >= ' ') out.push([char, {}]);
  }
  return out;
}
