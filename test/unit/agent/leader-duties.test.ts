import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderDuties } from '../../../src/agent/leader/leader-duties.js';
import { memberView } from '../../../src/agent/membership.js';
import type { MemberView } from '../../../src/http/agent-port.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { newCatalog } from '../../helpers/catalog.js';

const member = (name: string, state: 'alive' | 'dead' | 'left' = 'alive') =>
  memberView({ name, addr: '127.0.0.5:8301', state, meta: { role: 'node', dc: 'dc1', id: `id-${name}`, port: '8300' } });

function setup(members: MemberView[], leader = true) {
  const catalog = newCatalog();
  const state = { leader, members };
  const duties = new LeaderDuties({
    log: catalog.log,
    reader: catalog.store,
    members: () => state.members,
    isLeader: () => state.leader,
    clock: new ManualClock(),
    logger: silentLogger(),
  });
  return { ...catalog, duties, state };
}

describe('LeaderDuties', () => {
  it('on gaining leadership registers every member and removes gossip nodes gossip no longer knows', async () => {
    const { store, duties, state } = setup([member('a'), member('b')]);
    duties.leadershipGained();
    await duties.settled();
    assert.deepEqual(store.nodes().map((n) => n.Node), ['a', 'b']);
    state.members = [member('a')];
    duties.fullReconcile();
    await duties.settled();
    assert.deepEqual(store.nodes().map((n) => n.Node), ['a'], 'b was reaped while nobody watched');
  });

  it('keeps nodes registered through the API (no serfHealth check) in a full pass', async () => {
    const { store, log, duties } = setup([member('a')]);
    await log.propose({ type: 'register', node: { ID: 'x', Node: 'external', Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} } });
    duties.fullReconcile();
    await duties.settled();
    assert.deepEqual(store.nodes().map((n) => n.Node), ['a', 'external']);
  });

  it('does nothing while not the leader', async () => {
    const { store, duties } = setup([member('a')], false);
    duties.leadershipGained();
    duties.memberChanged(member('a'), false);
    await duties.settled();
    assert.deepEqual(store.nodes(), []);
  });

  it('applies member events in order: failed, then left', async () => {
    const { store, duties } = setup([member('a')]);
    duties.memberChanged(member('a'), false);
    duties.memberChanged(member('a', 'dead'), false);
    await duties.settled();
    assert.equal(store.nodeChecks('a')[0]?.Status, 'critical');
    duties.memberChanged(member('a', 'left'), false);
    await duties.settled();
    assert.equal(store.node('a'), undefined);
  });
});
