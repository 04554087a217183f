/**
 * The monitor's data: what the agent's stream (and the HTTP health reads) told it, folded by a
 * pure reducer. The UI state (selection, filter, pane) lives apart, in keys.ts.
 */
import type { LocalMember, LocalSelf, MemberChange, RaftView, WatchFrame } from '../rpc/local-api-codec.js';

export type Connection =
  | { readonly status: 'connecting'; readonly attempt: number }
  | { readonly status: 'live'; readonly since: number }
  | { readonly status: 'unreachable'; readonly attempt: number; readonly error: string; readonly retryAt: number; readonly since: number };

export type EventKind = MemberChange | 'leader' | 'check' | 'connection';

export interface EventLine {
  readonly at: number;
  readonly kind: EventKind;
  readonly level: 'info' | 'warn' | 'error';
  readonly text: string;
}

export interface MonitorState {
  readonly connection: Connection;
  readonly self: LocalSelf | null;
  readonly lan: ReadonlyMap<string, LocalMember>;
  /** Null on client agents (or before the first snapshot). */
  readonly wan: ReadonlyMap<string, LocalMember> | null;
  readonly raft: RaftView | null;
  /** Oldest first, at most MAX_EVENTS. */
  readonly events: readonly EventLine[];
  /** Epoch ms of the last frame (heartbeats included). */
  readonly lastFrameAt: number;
}

export type MonitorAction =
  | { readonly type: 'frames'; readonly frames: readonly WatchFrame[] }
  | { readonly type: 'connecting'; readonly attempt: number }
  | { readonly type: 'unreachable'; readonly error: string; readonly attempt: number; readonly retryAt: number; readonly at: number }
  | { readonly type: 'events'; readonly lines: readonly EventLine[] };

export const MAX_EVENTS = 500;

export const initialState: MonitorState = {
  connection: { status: 'connecting', attempt: 0 },
  self: null,
  lan: new Map(),
  wan: null,
  raft: null,
  events: [],
  lastFrameAt: 0,
};

const CHANGE_TEXT: Record<MemberChange, string> = {
  join: 'joined',
  update: 'updated (address or tags)',
  suspect: 'is suspected of failure',
  alive: 'refuted a suspicion: alive',
  failed: 'failed',
  left: 'left',
  reap: 'was reaped (forgotten)',
};

const CHANGE_LEVEL: Record<MemberChange, EventLine['level']> = {
  join: 'info', update: 'info', suspect: 'warn', alive: 'info', failed: 'error', left: 'warn', reap: 'info',
};

export function memberEventLine(at: number, pool: 'lan' | 'wan', change: MemberChange, member: LocalMember): EventLine {
  const where = pool === 'wan' ? ' (WAN)' : '';
  return { at, kind: change, level: CHANGE_LEVEL[change], text: `${member.name}${where} ${CHANGE_TEXT[change]}` };
}

/** Event lines for a Raft change: elections and leader loss. */
export function raftEventLines(at: number, before: RaftView | null, after: RaftView): EventLine[] {
  if (before && before.leaderId === after.leaderId && before.term === after.term) return [];
  if ((!before || before.leaderId === '') && after.leaderId === '') return [];
  const who = (v: RaftView) => v.leaderName || v.servers.find((s) => s.id === v.leaderId)?.address || v.leaderId;
  if (after.leaderId === '') return [{ at, kind: 'leader', level: 'error', text: `no leader (term ${after.term})` }];
  if (!before) return [{ at, kind: 'leader', level: 'info', text: `leader is ${who(after)} (term ${after.term})` }];
  return [{ at, kind: 'leader', level: 'warn', text: `leader elected: ${who(after)} (term ${after.term})` }];
}

function appendEvents(events: readonly EventLine[], lines: readonly EventLine[]): readonly EventLine[] {
  if (lines.length === 0) return events;
  const all = events.concat(lines);
  return all.length > MAX_EVENTS ? all.slice(all.length - MAX_EVENTS) : all;
}

function applyFrames(state: MonitorState, frames: readonly WatchFrame[]): MonitorState {
  let lan: Map<string, LocalMember> | undefined;
  let wan: Map<string, LocalMember> | null | undefined;
  let { self, raft, connection } = state;
  let lastFrameAt = state.lastFrameAt;
  const lines: EventLine[] = [];
  for (const frame of frames) {
    lastFrameAt = frame.at;
    switch (frame.kind) {
      case 'snapshot': {
        const wasDown = connection.status !== 'live';
        lan = new Map(frame.lan.map((m) => [m.name, m]));
        wan = frame.wan ? new Map(frame.wan.map((m) => [m.name, m])) : null;
        if (frame.raft) lines.push(...raftEventLines(frame.at, raft, frame.raft));
        raft = frame.raft;
        self = frame.self;
        if (wasDown && (state.self !== null || connection.status === 'unreachable')) {
          lines.push({ at: frame.at, kind: 'connection', level: 'info', text: `connected to ${frame.self.name}` });
        }
        connection = { status: 'live', since: frame.at };
        break;
      }
      case 'member': {
        let pool: Map<string, LocalMember>;
        if (frame.pool === 'lan') pool = lan ??= new Map(state.lan);
        else {
          if (wan === undefined) wan = state.wan ? new Map(state.wan) : new Map();
          pool = wan ??= new Map();
        }
        if (frame.change === 'reap') pool.delete(frame.member.name);
        else pool.set(frame.member.name, frame.member);
        lines.push(memberEventLine(frame.at, frame.pool, frame.change, frame.member));
        break;
      }
      case 'raft':
        lines.push(...raftEventLines(frame.at, raft, frame.raft));
        raft = frame.raft;
        break;
      case 'heartbeat':
        break;
    }
  }
  return {
    connection,
    self,
    lan: lan ?? state.lan,
    wan: wan === undefined ? state.wan : wan,
    raft,
    events: appendEvents(state.events, lines),
    lastFrameAt,
  };
}

export function reduce(state: MonitorState, action: MonitorAction): MonitorState {
  switch (action.type) {
    case 'frames':
      return action.frames.length === 0 ? state : applyFrames(state, action.frames);
    case 'connecting':
      return state.connection.status === 'unreachable'
        ? { ...state, connection: { ...state.connection, attempt: action.attempt } }
        : { ...state, connection: { status: 'connecting', attempt: action.attempt } };
    case 'unreachable': {
      const was = state.connection;
      const since = was.status === 'unreachable' ? was.since : action.at;
      const lines: EventLine[] =
        was.status === 'live' ? [{ at: action.at, kind: 'connection', level: 'error', text: `lost the agent: ${action.error}` }] : [];
      return {
        ...state,
        connection: { status: 'unreachable', attempt: action.attempt, error: action.error, retryAt: action.retryAt, since },
        events: appendEvents(state.events, lines),
      };
    }
    case 'events':
      return { ...state, events: appendEvents(state.events, action.lines) };
  }
}
