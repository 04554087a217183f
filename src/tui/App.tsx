/**
 * The monitor screen: header, unreachable banner, members (virtualised) beside Raft and
 * services (or the selected node's detail), the event log, and the key hints. Data comes from
 * the hooks; layout and keys are decided here; every pane is a pure component.
 */
import { useMemo, useRef, useState } from 'react';
import { Box, useApp, useInput } from 'ink';
import type { LocalMember } from '../rpc/local-api-codec.js';
import { Banner } from './components/Banner.js';
import { EventLog } from './components/EventLog.js';
import { Footer } from './components/Footer.js';
import { Header } from './components/Header.js';
import { Help } from './components/Help.js';
import { MemberList } from './components/MemberList.js';
import { NodeDetail } from './components/NodeDetail.js';
import { RaftPane } from './components/RaftPane.js';
import { ServicesPane } from './components/ServicesPane.js';
import type { BlockingGet } from './health.js';
import { useAgentStream, useHealth, useNodeServices, useNow, useTerminalSize, type Connector, type StreamOptions } from './hooks.js';
import { initialUi, onKey, splitKeys, type KeyInfo, type UiState } from './keys.js';
import { clamp, countStatuses, filterMembers, memberRole, sortMembers, visibleWindow } from './view.js';

export interface AppProps {
  readonly connect: Connector;
  /** Null: no HTTP reads (the services pane and node detail then stay empty). */
  readonly httpGet: BlockingGet | null;
  /** What the header and banner call the agent (its gRPC address). */
  readonly address: string;
  readonly initialTab?: 'lan' | 'wan';
  readonly stream?: StreamOptions;
  readonly now?: () => number;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  readonly size?: { columns: number; rows: number };
}

const WIDE = 110;
const NO_MEMBERS: ReadonlyMap<string, LocalMember> = new Map();

export function App(props: AppProps) {
  const { connect, httpGet, address } = props;
  const nowFn = props.now ?? Date.now;
  const { exit } = useApp();
  const terminal = useTerminalSize();
  const { columns, rows } = props.size ?? terminal;
  const [state, dispatch] = useAgentStream(connect, { ...props.stream, now: nowFn });
  const health = useHealth(httpGet, dispatch, nowFn);
  const now = useNow(nowFn);
  const [ui, setUi] = useState<UiState>({ ...initialUi, tab: props.initialTab ?? 'lan' });
  const [note, setNote] = useState<string | undefined>(undefined);
  const pinned = useRef<string | undefined>(undefined);
  const top = useRef(0);

  const wanAvailable = state.wan !== null;
  const tab = ui.tab === 'wan' && (wanAvailable || state.self === null) ? 'wan' : 'lan';
  const pool = (tab === 'wan' ? state.wan : state.lan) ?? NO_MEMBERS;
  const sorted = useMemo(() => sortMembers(pool.values(), ui.sort, state.raft, ui.reverse), [pool, ui.sort, ui.reverse, state.raft]);
  const members = useMemo(() => filterMembers(sorted, ui.filter, state.raft), [sorted, ui.filter, state.raft]);
  const counts = useMemo(() => countStatuses(pool.values()), [pool]);

  // The selection follows its node when rows move around it (joins, re-sorts).
  const byName = pinned.current === undefined ? -1 : members.findIndex((m) => m.name === pinned.current);
  const selected = byName >= 0 ? byName : clamp(ui.selected, 0, Math.max(0, members.length - 1));
  const selectedMember = members[selected];
  const services = health.services ?? null;

  // Layout.
  const wide = columns >= WIDE;
  const bannerRows = state.connection.status === 'unreachable' ? 4 : state.connection.status === 'connecting' && state.self === null ? 1 : 0;
  const eventRows = clamp(Math.floor(rows * 0.22), 3, 10);
  const mainRows = Math.max(4, rows - 1 - bannerRows - 1 - (eventRows + 1));
  const leftWidth = wide ? Math.floor(columns * 0.58) : columns;
  const rightWidth = wide ? columns - leftWidth - 1 : columns;
  const listRows = Math.max(1, mainRows - 2);
  const raftRows = state.raft ? 3 + state.raft.servers.length : 2;
  const servicesRows = Math.max(1, mainRows - raftRows - 1 - 2);

  const window = visibleWindow(members.length, selected, listRows, top.current);
  top.current = window.start;

  const detailNode = ui.detail && selectedMember ? selectedMember.name : null;
  const nodeServices = useNodeServices(httpGet, detailNode);

  // Keys can arrive faster than renders: the handler reads the latest state through refs.
  const uiRef = useRef<UiState>(ui);
  uiRef.current = { ...ui, selected, tab };
  const latest = useRef({ members, serviceCount: 0, eventCount: 0, pageSize: 1, wanAvailable, note });
  latest.current = { members, serviceCount: services?.length ?? 0, eventCount: state.events.length, pageSize: Math.max(1, listRows - 1), wanAvailable, note };

  useInput((input, key) => {
    const keys: [string, KeyInfo][] = input.length > 1 && !key.ctrl && !key.meta ? splitKeys(input) : [[input, key]];
    for (const [char, info] of keys) {
      const next = applyKey(uiRef.current, char, info);
      if (!next) return;
      uiRef.current = next;
    }
    setUi(uiRef.current);
  });

  /** One key: the new UI state, or undefined when the monitor quits. */
  function applyKey(ui: UiState, input: string, key: KeyInfo): UiState | undefined {
    const { members, serviceCount, eventCount, pageSize, wanAvailable, note } = latest.current;
    const result = onKey(ui, input, key, { memberCount: members.length, serviceCount, eventCount, pageSize, wanAvailable });
    if (result.quit) {
      exit();
      return undefined;
    }
    if (input === 'w' && !wanAvailable && !ui.filtering && !ui.help) setNote('no WAN pool: this agent is a client');
    else if (note) setNote(undefined);
    // Moving pins the newly selected node; a new filter, sort or pool starts from the top.
    if (result.ui.filter !== ui.filter || result.ui.sort !== ui.sort || result.ui.reverse !== ui.reverse || result.ui.tab !== ui.tab) {
      pinned.current = undefined;
      top.current = 0;
    } else if (result.ui.selected !== ui.selected || (result.ui.detail && !ui.detail)) {
      pinned.current = members[result.ui.selected]?.name;
    }
    return result.ui;
  }

  const hadData = state.self !== null;
  const client = state.self !== null && !state.self.server;

  let right;
  if (ui.detail && selectedMember) {
    right = (
      <NodeDetail
        member={selectedMember}
        role={memberRole(selectedMember, state.raft)}
        services={httpGet ? nodeServices : 'absent'}
        checks={(health.checks ?? []).filter((c) => c.Node === selectedMember.name)}
        height={mainRows}
        width={rightWidth}
      />
    );
  } else {
    right = (
      <Box flexDirection="column">
        <RaftPane raft={state.raft} client={client} focused={ui.pane === 'raft'} width={rightWidth} />
        <Box marginTop={1}>
          <ServicesPane
            services={services}
            selected={ui.serviceSelected}
            height={servicesRows}
            width={rightWidth}
            focused={ui.pane === 'services'}
            error={httpGet ? health.error : 'no HTTP address'}
          />
        </Box>
      </Box>
    );
  }

  const list = (
    <MemberList
      rows={members}
      total={pool.size}
      selected={selected}
      top={window.start}
      height={listRows}
      width={leftWidth}
      raft={state.raft}
      now={now}
      focused={ui.pane === 'members'}
      tab={tab}
      filter={ui.filter}
      sort={ui.sort}
      reverse={ui.reverse}
    />
  );

  // Narrow terminals show one main pane: the detail, the focused side pane, or the members.
  const main = wide ? (
    <Box flexDirection="row" height={mainRows}>
      {list}
      <Box width={1} />
      {right}
    </Box>
  ) : (
    <Box height={mainRows} flexDirection="column">
      {ui.detail || ui.pane === 'raft' || ui.pane === 'services' ? right : list}
    </Box>
  );

  return (
    <Box flexDirection="column" width={columns}>
      <Header self={state.self} address={address} connection={state.connection} tab={tab} counts={counts} raft={state.raft} />
      <Banner connection={state.connection} address={address} now={now} hadData={hadData} />
      {ui.help ? <Help /> : main}
      {ui.help ? null : <EventLog events={state.events} back={ui.eventsBack} height={eventRows} focused={ui.pane === 'events'} />}
      <Footer ui={ui} note={note} />
    </Box>
  );
}
