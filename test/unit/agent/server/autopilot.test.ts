import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Autopilot, AUTOPILOT_DEFAULTS, type AutopilotView } from '../../../../src/agent/server/autopilot.js';
import type { ServerMember } from '../../../../src/agent/server/server-members.js';
import { MEMBER_STATUS } from '../../../../src/agent/membership.js';
import type { FollowerProgress, ServerEntry } from '../../../../src/raft/core/types.js';

const member = (id: string, status: number = MEMBER_STATUS.alive): ServerMember => ({
  id, name: `s${id}`, address: `127.0.0.${id}:8300`, status, expect: 0, bootstrap: false,
});
const entry = (id: string, voter = true): ServerEntry => ({ id, address: `127.0.0.${id}:8300`, voter });
const progress = (id: string, match: number): FollowerProgress => ({ id, match, next: match + 1, state: 'replicate', ticksSinceContact: 0 });

function view(over: Partial<AutopilotView>): AutopilotView {
  return {
    now: 0,
    leaderId: '2',
    membership: { servers: [entry('2'), entry('3'), entry('4')] },
    servers: [member('2'), member('3'), member('4')],
    progress: [progress('3', 100), progress('4', 100)],
    commit: 100,
    ...over,
  };
}

describe('Autopilot', () => {
  it('does nothing in a healthy, complete cluster', () => {
    assert.equal(new Autopilot().next(view({})), null);
  });

  it('adds a new alive server as a non-voter, then promotes it after the stabilization time', () => {
    const pilot = new Autopilot();
    const servers = [member('2'), member('3'), member('4'), member('5')];
    assert.deepEqual(pilot.next(view({ servers })), { type: 'add-nonvoter', id: '5', address: '127.0.0.5:8300' });
    const membership = { servers: [entry('2'), entry('3'), entry('4'), entry('5', false)] };
    const withProgress = [progress('3', 100), progress('4', 100), progress('5', 100)];
    assert.equal(pilot.next(view({ now: 1_000, servers, membership, progress: withProgress })), null);
    assert.equal(pilot.next(view({ now: 1_000 + AUTOPILOT_DEFAULTS.stabilizationMs - 1, servers, membership, progress: withProgress })), null);
    assert.deepEqual(
      pilot.next(view({ now: 1_000 + AUTOPILOT_DEFAULTS.stabilizationMs, servers, membership, progress: withProgress })),
      { type: 'add-voter', id: '5', address: '127.0.0.5:8300' },
    );
  });

  it('does not promote a non-voter that trails too far behind', () => {
    const pilot = new Autopilot();
    const servers = [member('2'), member('3'), member('4'), member('5')];
    const membership = { servers: [entry('2'), entry('3'), entry('4'), entry('5', false)] };
    const lagging = [progress('3', 1000), progress('4', 1000), progress('5', 10)];
    for (const now of [0, 60_000]) assert.equal(pilot.next(view({ now, servers, membership, progress: lagging, commit: 1000 })), null);
  });

  it('removes a server that left gracefully, or that gossip no longer knows', () => {
    assert.deepEqual(new Autopilot().next(view({ servers: [member('2'), member('3'), member('4', MEMBER_STATUS.left)] })), { type: 'remove', id: '4' });
    assert.deepEqual(new Autopilot().next(view({ servers: [member('2'), member('3')] })), { type: 'remove', id: '4' });
  });

  it('removes a failed voter only after the grace time, and never below a majority', () => {
    const pilot = new Autopilot();
    const servers = [member('2'), member('3'), member('4', MEMBER_STATUS.failed)];
    assert.equal(pilot.next(view({ now: 0, servers })), null);
    assert.deepEqual(pilot.next(view({ now: AUTOPILOT_DEFAULTS.deadServerGraceMs, servers })), { type: 'remove', id: '4' });

    const two = new Autopilot();
    const membership = { servers: [entry('2'), entry('3')] };
    const pair = [member('2'), member('3', MEMBER_STATUS.failed)];
    assert.equal(two.next(view({ now: 0, membership, servers: pair })), null);
    assert.equal(two.next(view({ now: 10 * AUTOPILOT_DEFAULTS.deadServerGraceMs, membership, servers: pair })), null);
  });

  it('never removes the leader itself', () => {
    assert.equal(new Autopilot().next(view({ servers: [member('2', MEMBER_STATUS.left), member('3'), member('4')] })), null);
  });
});
