import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cell, filterMembers, formatAge, memberRole, sortMembers, visibleWindow } from '../../../src/tui/view.js';
import { clients, member, raftView, servers } from './fixtures.js';

const raft = raftView('s2', ['s1', 's2', 's3']);
const all = [...clients, ...servers, member('c6', { status: 'failed' }), member('c7', { status: 'suspect', addr: '127.0.0.10' })];
const names = (list: { name: string }[]) => list.map((m) => m.name);

describe('monitor views', () => {
  it('marks the leader by its Raft ID, servers and clients by role tag', () => {
    assert.equal(memberRole(servers[1]!, raft), 'leader');
    assert.equal(memberRole(servers[0]!, raft), 'server');
    assert.equal(memberRole(clients[0]!, raft), 'client');
    assert.equal(memberRole(servers[1]!, null), 'server');
  });

  it('sorts by role (leader first), name, status (problems first), address, since', () => {
    assert.deepEqual(names(sortMembers(all, 'role', raft)), ['s2', 's1', 's3', 'c4', 'c5', 'c6', 'c7']);
    assert.deepEqual(names(sortMembers(all, 'name', raft)), ['c4', 'c5', 'c6', 'c7', 's1', 's2', 's3']);
    assert.deepEqual(names(sortMembers(all, 'status', raft)).slice(0, 2), ['c6', 'c7']);
    assert.deepEqual(names(sortMembers(all, 'address', raft)).slice(-1), ['c7'], '127.0.0.10 after 127.0.0.6');
    assert.deepEqual(names(sortMembers(all, 'name', raft, true)).slice(0, 2), ['s3', 's2']);
  });

  it('filters by name, status, role, address and key=value tags; every word must match', () => {
    assert.deepEqual(names(filterMembers(all, 'client', raft)), ['c4', 'c5', 'c6', 'c7']);
    assert.deepEqual(names(filterMembers(all, 'FAIL', raft)), ['c6']);
    assert.deepEqual(names(filterMembers(all, 'leader', raft)), ['s2']);
    assert.deepEqual(names(filterMembers(all, 'role=consul', raft)), ['s1', 's2', 's3']);
    assert.deepEqual(names(filterMembers(all, 'role=node suspect', raft)), ['c7']);
    assert.deepEqual(names(filterMembers(all, '127.0.0.10', raft)), ['c7']);
    assert.deepEqual(names(filterMembers(all, '  ', raft)), names(all));
  });

  it('keeps the selection inside the visible window, moving it as little as possible', () => {
    assert.deepEqual(visibleWindow(1000, 0, 20, 0), { start: 0, end: 20 });
    assert.deepEqual(visibleWindow(1000, 25, 20, 0), { start: 6, end: 26 });
    assert.deepEqual(visibleWindow(1000, 10, 20, 6), { start: 6, end: 26 }, 'inside: the window stays');
    assert.deepEqual(visibleWindow(1000, 3, 20, 6), { start: 3, end: 23 });
    assert.deepEqual(visibleWindow(1000, 999, 20, 0), { start: 980, end: 1000 });
    assert.deepEqual(visibleWindow(5, 2, 20, 900), { start: 0, end: 5 }, 'a shrunk list pulls the window back');
    assert.deepEqual(visibleWindow(0, 0, 20, 0), { start: 0, end: 0 });
  });

  it('formats ages and fixed-width cells', () => {
    assert.equal(formatAge(999), '0s');
    assert.equal(formatAge(61_000), '1m');
    assert.equal(formatAge(7_200_000), '2h');
    assert.equal(formatAge(3 * 86_400_000), '3d');
    assert.equal(cell('abcdef', 4), 'abc…');
    assert.equal(cell('ab', 4), 'ab  ');
    assert.equal(cell('ab', 0), '');
  });
});
