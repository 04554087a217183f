/**
 * `roster monitor` without a terminal (piped, CI): one snapshot of what the TUI would show,
 * as plain text or JSON. It comes from the agent's stream when its gRPC port answers, and from
 * the HTTP API otherwise (then without Raft indexes, and without "since" times).
 */
import { formatTable } from '../cli/table.js';
import type { Member, RaftConfiguration } from '../client/types.js';
import { agentBaseUrl } from '../client/address.js';
import { DEFAULT_GRPC_PORT, watchLocalAgent } from '../rpc/local-api.js';
import type { LocalMember, LocalMemberStatus, LocalSelf, RaftView, WatchFrame } from '../rpc/local-api-codec.js';
import { AppError } from '../shared/errors.js';
import { asChecks, summarizeServices, type BlockingGet, type ServiceSummary } from './health.js';
import { buildOf, countStatuses, formatAge, memberRole, sortMembers } from './view.js';

export interface MonitorSnapshot {
  /** Where the membership came from. */
  readonly source: 'stream' | 'http';
  readonly at: string;
  readonly agent: { readonly grpc: string; readonly http: string };
  readonly self: LocalSelf | null;
  readonly members: { readonly lan: readonly LocalMember[]; readonly wan: readonly LocalMember[] | null };
  /** From the stream (servers only). */
  readonly raft: RaftView | null;
  /** From HTTP when the stream was not available (servers only). */
  readonly raftConfiguration: RaftConfiguration | null;
  readonly services: readonly ServiceSummary[] | null;
  /** Why a part is missing (e.g. the stream was refused). */
  readonly notes: readonly string[];
}

/** The gRPC address to stream from when none is given: the HTTP address's host, port 8502. */
export function defaultGrpcAddr(httpAddr: string): string {
  const host = new URL(agentBaseUrl(httpAddr)).hostname;
  return `${host}:${DEFAULT_GRPC_PORT}`;
}

type FirstSnapshot = Extract<WatchFrame, { kind: 'snapshot' }>;

/** The stream's first frame, then the stream is closed. */
export function streamSnapshot(address: string, timeoutMs = 5_000): Promise<FirstSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      handle.cancel();
      reject(new AppError('UNAVAILABLE', `no snapshot from ${address} within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    const handle = watchLocalAgent(address, {
      onFrame(frame) {
        if (frame.kind !== 'snapshot') return;
        clearTimeout(timer);
        handle.cancel();
        resolve(frame);
      },
      onEnd(reason) {
        clearTimeout(timer);
        reject(reason);
      },
    });
  });
}

const HTTP_STATUS: Record<number, LocalMemberStatus> = { 1: 'alive', 2: 'left', 3: 'left', 4: 'failed' };

export function memberFromHttp(m: Member): LocalMember {
  return { name: m.Name, addr: m.Addr, port: m.Port, status: HTTP_STATUS[m.Status] ?? 'failed', tags: m.Tags, incarnation: 0, since: 0 };
}

export async function takeSnapshot(options: {
  grpcAddr: string;
  httpAddr: string;
  get: BlockingGet;
  stream?: (address: string) => Promise<FirstSnapshot>;
  now?: () => number;
}): Promise<MonitorSnapshot> {
  const notes: string[] = [];
  const never = new AbortController().signal;
  const read = async <T>(path: string): Promise<T | null> => (await options.get(path, 0, never)).body as T | null;
  let source: MonitorSnapshot['source'] = 'stream';
  let self: LocalSelf | null = null;
  let lan: LocalMember[] = [];
  let wan: LocalMember[] | null = null;
  let raft: RaftView | null = null;
  let raftConfiguration: RaftConfiguration | null = null;
  try {
    const frame = await (options.stream ?? streamSnapshot)(options.grpcAddr);
    ({ self, raft } = frame);
    lan = [...frame.lan];
    wan = frame.wan ? [...frame.wan] : null;
  } catch (streamErr) {
    source = 'http';
    notes.push(`stream: ${streamErr instanceof Error ? streamErr.message : String(streamErr)}; membership read over HTTP instead`);
    try {
      const agentSelf = await read<{ Config: { NodeName: string; Datacenter: string; Server: boolean } }>('/v1/agent/self');
      if (agentSelf) self = { name: agentSelf.Config.NodeName, datacenter: agentSelf.Config.Datacenter, server: agentSelf.Config.Server };
      lan = ((await read<Member[]>('/v1/agent/members')) ?? []).map(memberFromHttp);
    } catch (err) {
      throw new AppError(
        'UNAVAILABLE',
        `cannot reach the agent: stream at ${options.grpcAddr} (${streamErr instanceof Error ? streamErr.message : String(streamErr)}), HTTP at ${options.httpAddr} (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    if (self?.server) {
      wan = await read<Member[]>('/v1/agent/members?wan=1').then((l) => (l ?? []).map(memberFromHttp)).catch(() => null);
      raftConfiguration = await read<RaftConfiguration>('/v1/operator/raft/configuration?stale').catch(() => null);
    }
  }
  let services: ServiceSummary[] | null = null;
  try {
    const catalog = (await read<Record<string, string[] | null>>('/v1/catalog/services')) ?? {};
    const checks = asChecks(await read('/v1/health/state/any'));
    services = summarizeServices(catalog, checks);
  } catch (err) {
    notes.push(`services: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    source,
    at: new Date((options.now ?? Date.now)()).toISOString(),
    agent: { grpc: options.grpcAddr, http: options.httpAddr },
    self,
    members: { lan, wan },
    raft,
    raftConfiguration,
    services,
    notes,
  };
}

function memberTable(members: readonly LocalMember[], raft: RaftView | null, now: number): string {
  const rows = sortMembers(members, 'role', raft).map((m) => {
    const role = memberRole(m, raft);
    return [m.name, `${m.addr}:${m.port}`, m.status, role === 'leader' ? 'leader*' : role, m.tags.dc ?? '', buildOf(m), m.since > 0 ? formatAge(now - m.since) : '-'];
  });
  return formatTable(['Node', 'Address', 'Status', 'Role', 'DC', 'Build', 'Since'], rows);
}

function countLine(members: readonly LocalMember[]): string {
  const counts = countStatuses(members);
  const parts = (Object.keys(counts) as LocalMemberStatus[]).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return `${members.length}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The snapshot as plain text: no colours, no cursor movement; columns like `roster members`. */
export function formatSnapshot(s: MonitorSnapshot, now: number = Date.parse(s.at)): string {
  const out: string[] = [];
  const who = s.self ? `${s.self.name} (${s.self.server ? 'server' : 'client'}, ${s.self.datacenter})` : s.agent.http;
  out.push(`roster monitor snapshot: ${who} at ${s.at}, via ${s.source === 'stream' ? `stream ${s.agent.grpc}` : `HTTP ${s.agent.http}`}`);
  out.push('');
  if (s.raft) {
    const r = s.raft;
    out.push(`Raft: leader ${r.leaderId ? r.leaderName || r.leaderId : 'none'}, term ${r.term}, commit ${r.commit}, applied ${r.applied}, last index ${r.lastIndex}; this server is ${r.role}`);
    out.push(
      formatTable(
        ['Server', 'ID', 'Address', 'Voter', 'Match', 'Lag', 'Last contact'],
        r.servers.map((v) => [
          `${v.name || '-'}${v.leader ? '*' : ''}`,
          v.id,
          v.address,
          v.voter ? 'yes' : 'no',
          v.match === null ? '-' : String(v.match),
          v.match === null ? '-' : String(Math.max(0, r.lastIndex - v.match)),
          v.lastContactMs === null ? '-' : `${v.lastContactMs}ms`,
        ]),
      ),
    );
    out.push('');
  } else if (s.raftConfiguration) {
    const leader = s.raftConfiguration.Servers.find((v) => v.Leader);
    out.push(`Raft: leader ${leader ? leader.Node || leader.Address : 'none'}`);
    out.push(
      formatTable(
        ['Server', 'ID', 'Address', 'Voter', 'Last index'],
        s.raftConfiguration.Servers.map((v) => [`${v.Node || '-'}${v.Leader ? '*' : ''}`, v.ID, v.Address, v.Voter ? 'yes' : 'no', String(v.LastIndex)]),
      ),
    );
    out.push('');
  } else if (s.self && !s.self.server) {
    out.push('Raft: this agent is a client (no Raft state)');
    out.push('');
  }
  out.push(`LAN members: ${countLine(s.members.lan)}`);
  if (s.members.lan.length > 0) out.push(memberTable(s.members.lan, s.raft, now));
  if (s.members.wan) {
    out.push('');
    out.push(`WAN members: ${countLine(s.members.wan)}`);
    if (s.members.wan.length > 0) out.push(memberTable(s.members.wan, null, now));
  }
  if (s.services) {
    out.push('');
    out.push(`Services: ${s.services.length}`);
    if (s.services.length > 0) {
      out.push(formatTable(['Service', 'Passing', 'Warning', 'Critical'], s.services.map((v) => [v.name, String(v.passing), String(v.warning), String(v.critical)])));
    }
  }
  for (const note of s.notes) out.push(`Note: ${note}`);
  return out.join('\n');
}
