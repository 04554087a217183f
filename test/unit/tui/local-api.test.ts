import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Member } from '../../../src/gossip/core/types.js';
import { LocalApiFeed, memberChange, RAFT_MINOR_MS, raftView, SAMPLE_MS, startLocalApi, type WatchablePool } from '../../../src/agent/local-api.js';
import type { RaftNodeStatus } from '../../../src/raft/node/raft-node.js';
import { watchLocalAgent, type WatchSubscriber } from '../../../src/rpc/local-api.js';
import type { WatchFrame } from '../../../src/rpc/local-api-codec.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { member as localMember, until } from './fixtures.js';

class FakePool implements WatchablePool {
  list: Member[] = [];
  private readonly listeners: ((event: { kind: string }) => void)[] = [];
  members(): Member[] {
    return this.list;
  }
  onEvent(listener: (event: { kind: string }) => void): void {
    this.listeners.push(listener);
  }
  emit(kind: string): void {
    for (const l of this.listeners) l({ kind });
  }
  set(name: string, state: Member['state'], changes: Partial<Member> = {}): void {
    const m = this.list.find((x) => x.name === name);
    if (m) Object.assign(m, { state, ...changes });
    else this.list.push({ name, addr: `127.0.0.9:8301`, incarnation: 1, state, stateChangeAt: 1000, meta: { role: 'node' }, ...changes });
  }
}

function status(overrides: Partial<RaftNodeStatus> = {}): RaftNodeStatus {
  return {
    id: 'id-a',
    role: 'leader',
    term: 2,
    leader: 'id-a',
    commit: 10,
    applied: 10,
    firstIndex: 1,
    lastIndex: 10,
    lastTerm: 2,
    membership: { servers: [{ id: 'id-a', address: '127.0.0.1:8300', voter: true }, { id: 'id-b', address: '127.0.0.2:8300', voter: true }] },
    progress: [{ id: 'id-b', match: 8, next: 9, state: 'replicate', ticksSinceContact: 2 }] as RaftNodeStatus['progress'],
    ticksSinceLeaderContact: 0,
    appliedIndex: 10,
    lastContactMs: 0,
    lastSnapshotIndex: 0,
    ...overrides,
  };
}

class FakeRaft {
  current = status();
  private readonly listeners: (() => void)[] = [];
  status(): RaftNodeStatus {
    return this.current;
  }
  onStatus(listener: () => void): void {
    this.listeners.push(listener);
  }
  change(overrides: Partial<RaftNodeStatus>): void {
    this.current = { ...this.current, ...overrides };
    for (const l of this.listeners) l();
  }
}

function watcher(): WatchSubscriber & { frames: WatchFrame[]; close(): void; ended: boolean } {
  const listeners: (() => void)[] = [];
  const w = {
    frames: [] as WatchFrame[],
    ended: false,
    write(frame: WatchFrame) {
      w.frames.push(frame);
      return true;
    },
    end() {
      w.ended = true;
      w.close();
    },
    onClose(l: () => void) {
      listeners.push(l);
    },
    close() {
      for (const l of listeners.splice(0)) l();
    },
  };
  return w;
}

const memberFrames = (frames: WatchFrame[]) =>
  frames.flatMap((f) => (f.kind === 'member' ? [`${f.pool}:${f.change}:${f.member.name}:${f.member.status}`] : []));

function setup() {
  const clock = new ManualClock();
  const lan = new FakePool();
  const wan = new FakePool();
  lan.list.push({ name: 'a', addr: '127.0.0.1:8301', incarnation: 1, state: 'alive', stateChangeAt: 500, meta: { role: 'consul', id: 'id-a' } });
  lan.list.push({ name: 'b', addr: '127.0.0.2:8301', incarnation: 1, state: 'alive', stateChangeAt: 600, meta: { role: 'consul', id: 'id-b' } });
  wan.list.push({ name: 'a.dc1', addr: '127.0.0.1:8302', incarnation: 1, state: 'alive', stateChangeAt: 500, meta: {} });
  const raft = new FakeRaft();
  const feed = new LocalApiFeed({ self: { name: 'a', datacenter: 'dc1', server: true }, gossip: { lan, wan }, raftStatus: raft, clock, logger: silentLogger() });
  return { clock, lan, wan, raft, feed };
}

describe('local agent API feed', () => {
  it('names each kind of member change', () => {
    const m = localMember('x');
    assert.equal(memberChange(undefined, m), 'join');
    assert.equal(memberChange(undefined, { ...m, status: 'failed' }), 'failed');
    assert.equal(memberChange(m, { ...m, status: 'suspect' }), 'suspect');
    assert.equal(memberChange({ ...m, status: 'suspect' }, m), 'alive');
    assert.equal(memberChange({ ...m, status: 'suspect' }, { ...m, status: 'failed' }), 'failed');
    assert.equal(memberChange({ ...m, status: 'failed' }, m), 'join');
    assert.equal(memberChange({ ...m, status: 'left' }, { ...m, status: 'suspect' }), 'join');
    assert.equal(memberChange(m, { ...m, status: 'left' }), 'left');
    assert.equal(memberChange(m, { ...m, tags: { role: 'node' } }), 'update');
    assert.equal(memberChange(m, { ...m, port: 9 }), 'update');
    assert.equal(memberChange(m, { ...m, incarnation: 7 }), undefined);
  });

  it('sends a snapshot of both pools and Raft first, with server names', () => {
    const { feed } = setup();
    const w = watcher();
    feed.subscribe(w);
    const first = w.frames[0];
    assert.equal(first?.kind, 'snapshot');
    if (first?.kind !== 'snapshot') return;
    assert.deepEqual(first.lan.map((m) => [m.name, m.addr, m.port, m.status, m.since]), [['a', '127.0.0.1', 8301, 'alive', 500], ['b', '127.0.0.2', 8301, 'alive', 600]]);
    assert.deepEqual(first.wan?.map((m) => m.name), ['a.dc1']);
    assert.equal(first.raft?.leaderName, 'a');
    assert.deepEqual(first.raft?.servers.map((s) => [s.name, s.match, s.lastContactMs]), [['a', 10, 0], ['b', 8, 100]]);
  });

  it('streams pool events at once and suspicions on the next sample, in order', async () => {
    const { feed, lan, wan, clock } = setup();
    const w = watcher();
    feed.subscribe(w);
    lan.set('c', 'alive');
    lan.emit('member-join');
    await Promise.resolve();
    assert.deepEqual(memberFrames(w.frames), ['lan:join:c:alive']);
    // No pool event for a suspicion: the periodic comparison finds it.
    lan.set('b', 'suspect');
    clock.advance(SAMPLE_MS);
    lan.set('b', 'alive');
    clock.advance(SAMPLE_MS);
    lan.set('b', 'dead');
    lan.set('c', 'left');
    wan.set('a.dc1', 'dead');
    clock.advance(SAMPLE_MS);
    lan.list = lan.list.filter((m) => m.name !== 'c');
    lan.emit('member-reap');
    await Promise.resolve();
    assert.deepEqual(memberFrames(w.frames), [
      'lan:join:c:alive',
      'lan:suspect:b:suspect',
      'lan:alive:b:alive',
      'lan:failed:b:failed',
      'lan:left:c:left',
      'wan:failed:a.dc1:failed',
      'lan:reap:c:left',
    ]);
  });

  it('sends Raft role, term and leader changes at once, index movement at most once a second', () => {
    const { feed, raft, clock } = setup();
    const w = watcher();
    feed.subscribe(w);
    const rafts = () => w.frames.filter((f) => f.kind === 'raft');
    raft.change({ commit: 11, appliedIndex: 11, lastIndex: 11 });
    raft.change({ commit: 12, appliedIndex: 12, lastIndex: 12 });
    assert.equal(rafts().length, 0);
    clock.advance(RAFT_MINOR_MS);
    assert.equal(rafts().length, 1);
    assert.equal((rafts()[0] as Extract<WatchFrame, { kind: 'raft' }>).raft.commit, 12);
    raft.change({ role: 'follower', term: 3, leader: 'id-b', progress: [] });
    assert.equal(rafts().length, 2);
    const last = rafts()[1] as Extract<WatchFrame, { kind: 'raft' }>;
    assert.equal(last.raft.leaderName, 'b');
    assert.deepEqual(last.raft.servers.map((s) => s.match), [null, null]);
    clock.advance(RAFT_MINOR_MS * 3);
    assert.equal(rafts().length, 2, 'nothing new: nothing sent');
  });

  it('heartbeats, stops its timers when the last watcher goes, and ends watchers on close', () => {
    const { feed, clock } = setup();
    const a = watcher();
    const b = watcher();
    feed.subscribe(a);
    feed.subscribe(b);
    clock.advance(5_000);
    assert.ok(a.frames.some((f) => f.kind === 'heartbeat'));
    a.close();
    assert.equal(feed.watcherCount, 1);
    b.close();
    assert.equal(feed.watcherCount, 0);
    assert.equal(clock.pending(), 0);
    const c = watcher();
    feed.subscribe(c);
    feed.close();
    assert.ok(c.ended);
  });

  it('turns a Raft status into the view: followers know no match indexes', () => {
    const view = raftView(status({ role: 'follower', leader: 'id-b', progress: [], lastContactMs: 150 }), new Map([['id-b', 'b']]));
    assert.equal(view.leaderName, 'b');
    assert.equal(view.lastContactMs, 150);
    assert.deepEqual(view.servers.map((s) => [s.id, s.leader, s.match, s.lastContactMs]), [['id-a', false, null, null], ['id-b', true, null, 150]]);
  });
});

describe('local agent API over gRPC', () => {
  it('serves Watch: a snapshot, then changes; closing the server ends the stream', async () => {
    const lan = new FakePool();
    lan.set('a', 'alive');
    const api = await startLocalApi({ bindAddr: '127.0.0.1', port: 0, self: { name: 'a', datacenter: 'dc1', server: false }, gossip: { lan }, logger: silentLogger() });
    const frames: WatchFrame[] = [];
    let ended: Error | undefined;
    const handle = watchLocalAgent(`127.0.0.1:${api.port}`, { onFrame: (f) => frames.push(f), onEnd: (e) => (ended = e) });
    try {
      await until('the snapshot', () => (frames[0]?.kind === 'snapshot' ? true : undefined));
      const first = frames[0] as Extract<WatchFrame, { kind: 'snapshot' }>;
      assert.equal(first.wan, null);
      assert.equal(first.raft, null);
      lan.set('b', 'alive');
      lan.emit('member-join');
      await until('the join', () => (memberFrames(frames).includes('lan:join:b:alive') ? true : undefined));
      await api.close();
      await until('the stream to end', () => ended);
      assert.match(String(ended?.message), /ended the stream|127\.0\.0\.1/);
    } finally {
      handle.cancel();
      await api.close();
    }
  });

  it('reports a refused connection clearly', async () => {
    const ended = await new Promise<Error>((resolve) => watchLocalAgent('127.0.0.1:1', { onFrame: () => {}, onEnd: resolve }));
    assert.match(ended.message, /connection refused by 127\.0\.0\.1:1|127\.0\.0\.1:1/);
  });

  it('fails clearly when the port is taken', async () => {
    const lan = new FakePool();
    const first = await startLocalApi({ bindAddr: '127.0.0.1', port: 0, self: { name: 'a', datacenter: 'dc1', server: false }, gossip: { lan }, logger: silentLogger() });
    try {
      await assert.rejects(
        startLocalApi({ bindAddr: '127.0.0.1', port: first.port, self: { name: 'a', datacenter: 'dc1', server: false }, gossip: { lan }, logger: silentLogger() }),
        /cannot bind the gRPC port 127\.0\.0\.1:\d+: already in use/,
      );
    } finally {
      await first.close();
    }
  });
});
