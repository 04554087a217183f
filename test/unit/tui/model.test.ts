import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialState, MAX_EVENTS, raftEventLines, reduce, type MonitorState } from '../../../src/tui/model.js';
import { member, raftView, snapshotFrame, T0 } from './fixtures.js';

const live = (): MonitorState => reduce(initialState, { type: 'frames', frames: [snapshotFrame()] });

describe('monitor reducer', () => {
  it('a snapshot replaces everything and makes the connection live', () => {
    const s = live();
    assert.equal(s.connection.status, 'live');
    assert.deepEqual([...s.lan.keys()], ['s1', 's2', 's3', 'c4', 'c5']);
    assert.deepEqual([...(s.wan?.keys() ?? [])], ['s1.dc1', 's2.dc1', 's3.dc1']);
    assert.equal(s.raft?.leaderName, 's1');
    assert.deepEqual(s.events.map((e) => e.text), ['leader is s1 (term 3)']);
  });

  it('applies member changes, reaps, and logs each with its time', () => {
    const s = reduce(live(), {
      type: 'frames',
      frames: [
        { kind: 'member', at: T0 + 1, pool: 'lan', change: 'failed', member: member('s2', { server: true, status: 'failed' }) },
        { kind: 'member', at: T0 + 2, pool: 'lan', change: 'left', member: member('c4', { status: 'left' }) },
        { kind: 'member', at: T0 + 3, pool: 'lan', change: 'join', member: member('c9') },
        { kind: 'member', at: T0 + 4, pool: 'lan', change: 'reap', member: member('c5', { status: 'left' }) },
        { kind: 'member', at: T0 + 5, pool: 'wan', change: 'suspect', member: member('s3.dc1', { status: 'suspect' }) },
        { kind: 'heartbeat', at: T0 + 6 },
      ],
    });
    assert.equal(s.lan.get('s2')?.status, 'failed');
    assert.equal(s.lan.get('c4')?.status, 'left');
    assert.ok(s.lan.has('c9'));
    assert.ok(!s.lan.has('c5'));
    assert.equal(s.wan?.get('s3.dc1')?.status, 'suspect');
    assert.deepEqual(s.events.slice(1).map((e) => [e.at, e.level, e.text]), [
      [T0 + 1, 'error', 's2 failed'],
      [T0 + 2, 'warn', 'c4 left'],
      [T0 + 3, 'info', 'c9 joined'],
      [T0 + 4, 'info', 'c5 was reaped (forgotten)'],
      [T0 + 5, 'warn', 's3.dc1 (WAN) is suspected of failure'],
    ]);
    assert.equal(s.lastFrameAt, T0 + 6);
  });

  it('does not touch a pool no frame changed (same Map: no re-sort)', () => {
    const s0 = live();
    const s1 = reduce(s0, { type: 'frames', frames: [{ kind: 'member', at: T0, pool: 'wan', change: 'join', member: member('x.dc2') }] });
    assert.equal(s1.lan, s0.lan);
    assert.notEqual(s1.wan, s0.wan);
    assert.equal(reduce(s1, { type: 'frames', frames: [] }), s1);
  });

  it('logs leader elections and leader loss, not index movement', () => {
    const a = raftView('s1', ['s1', 's2']);
    assert.deepEqual(raftEventLines(T0, a, { ...a, commit: 99 }), []);
    assert.deepEqual(raftEventLines(T0, a, { ...a, leaderId: '', leaderName: '', term: 4 }).map((e) => e.text), ['no leader (term 4)']);
    const none = { ...a, leaderId: '', leaderName: '', term: 4 };
    assert.deepEqual(raftEventLines(T0, none, { ...none, term: 5 }), [], 'campaigning in a new term is not news');
    assert.deepEqual(raftEventLines(T0, none, raftView('s2', ['s1', 's2'], { term: 5 })).map((e) => e.text), ['leader elected: s2 (term 5)']);
    assert.deepEqual(raftEventLines(T0, a, { ...a, term: 9 }).map((e) => e.text), ['leader elected: s1 (term 9)']);
  });

  it('keeps the last state while unreachable, then a new snapshot resumes', () => {
    let s = live();
    s = reduce(s, { type: 'unreachable', error: 'connection refused', attempt: 1, retryAt: T0 + 250, at: T0 });
    assert.equal(s.connection.status, 'unreachable');
    assert.equal(s.lan.size, 5, 'last known members kept');
    assert.match(s.events.at(-1)?.text ?? '', /lost the agent: connection refused/);
    s = reduce(s, { type: 'connecting', attempt: 2 });
    assert.equal(s.connection.status, 'unreachable', 'the banner stays while retrying');
    s = reduce(s, { type: 'unreachable', error: 'connection refused', attempt: 2, retryAt: T0 + 750, at: T0 + 250 });
    assert.equal(s.connection.status === 'unreachable' && s.connection.since, T0, 'unreachable since the first failure');
    s = reduce(s, { type: 'frames', frames: [snapshotFrame({ at: T0 + 1000, lan: [member('s1', { server: true })] })] });
    assert.equal(s.connection.status, 'live');
    assert.equal(s.lan.size, 1);
    assert.match(s.events.at(-1)?.text ?? '', /connected to s1/);
  });

  it('caps the event log', () => {
    let s = live();
    const frames = Array.from({ length: MAX_EVENTS + 50 }, (_, i) => ({ kind: 'member' as const, at: T0 + i, pool: 'lan' as const, change: 'join' as const, member: member(`n${i}`) }));
    s = reduce(s, { type: 'frames', frames });
    assert.equal(s.events.length, MAX_EVENTS);
    assert.equal(s.events.at(-1)?.text, `n${MAX_EVENTS + 49} joined`);
    s = reduce(s, { type: 'events', lines: [{ at: T0, kind: 'check', level: 'error', text: 'check web: passing → critical' }] });
    assert.equal(s.events.length, MAX_EVENTS);
    assert.equal(s.events.at(-1)?.kind, 'check');
  });
});
