// Shared fixtures for the monitor's tests: members, Raft views, frames, a fake stream source.
import type { Connector } from '../../../src/tui/hooks.js';
import type { LocalMember, RaftView, WatchFrame } from '../../../src/rpc/local-api-codec.js';

export const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);

export function member(name: string, overrides: Partial<LocalMember> & { server?: boolean } = {}): LocalMember {
  const { server = false, ...rest } = overrides;
  const n = Number(name.replace(/\D/g, '')) || 1;
  return {
    name,
    addr: `127.0.0.${n}`,
    port: 8301,
    status: 'alive',
    tags: { role: server ? 'consul' : 'node', dc: 'dc1', id: `id-${name}`, build: '0.1.0:roster' },
    incarnation: 1,
    since: T0 - 60_000,
    ...rest,
  };
}

export function raftView(leader: string, servers: string[], overrides: Partial<RaftView> = {}): RaftView {
  return {
    id: `id-${servers[0] ?? leader}`,
    role: servers[0] === leader ? 'leader' : 'follower',
    term: 3,
    leaderId: leader ? `id-${leader}` : '',
    leaderName: leader,
    commit: 40,
    applied: 40,
    lastIndex: 42,
    lastContactMs: 0,
    servers: servers.map((s) => ({
      id: `id-${s}`,
      name: s,
      address: `127.0.0.${Number(s.replace(/\D/g, '')) || 1}:8300`,
      voter: true,
      leader: s === leader,
      match: 40,
      lastContactMs: s === leader ? 0 : 50,
    })),
    ...overrides,
  };
}

export const servers = ['s1', 's2', 's3'].map((n) => member(n, { server: true }));
export const clients = ['c4', 'c5'].map((n) => member(n));

export function snapshotFrame(overrides: Partial<Extract<WatchFrame, { kind: 'snapshot' }>> = {}): WatchFrame {
  return {
    kind: 'snapshot',
    at: T0,
    self: { name: 's1', datacenter: 'dc1', server: true },
    lan: [...servers, ...clients],
    wan: servers.map((m) => ({ ...m, name: `${m.name}.dc1`, port: 8302 })),
    raft: raftView('s1', ['s1', 's2', 's3']),
    ...overrides,
  };
}

/** A Connector the test drives: push frames, end the stream, count connects. */
export class FakeSource {
  connects = 0;
  cancels = 0;
  private handlers: Parameters<Connector>[0] | undefined;
  /** What the next connect does: deliver these frames, or fail at once. */
  onConnect: ((source: FakeSource) => void) | undefined;

  readonly connect: Connector = (handlers) => {
    this.connects++;
    this.handlers = handlers;
    queueMicrotask(() => this.onConnect?.(this));
    return { cancel: () => void this.cancels++ };
  };

  get open(): boolean {
    return this.handlers !== undefined;
  }

  push(...frames: WatchFrame[]): void {
    for (const frame of frames) this.handlers?.onFrame(frame);
  }

  end(reason = 'connection refused'): void {
    const handlers = this.handlers;
    this.handlers = undefined;
    handlers?.onEnd(new Error(reason));
  }
}

/** Polls until `probe` returns something other than undefined (or throws with the last frame). */
export async function until<T>(what: string, probe: () => T | undefined, frame: () => string | undefined = () => '', timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${frame() ?? ''}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));
