import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileMember } from '../../../src/agent/leader/reconcile.js';
import { memberView } from '../../../src/agent/membership.js';
import { newCatalog } from '../../helpers/catalog.js';

const member = (state: 'alive' | 'dead' | 'left', role = 'node') =>
  memberView({ name: 'n1', addr: '127.0.0.5:8301', state, meta: { role, dc: 'dc1', id: 'id-1', port: '8300' } });

describe('leader reconcile of gossip members into the catalog', () => {
  it('alive registers the node with a passing serfHealth; nothing more while nothing changes', async () => {
    const { store, log } = newCatalog();
    for (const c of reconcileMember(member('alive'), store, 'id-1')) await log.propose(c);
    assert.equal(store.node('n1')?.Address, '127.0.0.5');
    assert.deepEqual(store.nodeChecks('n1').map((c) => [c.CheckID, c.Status, c.Output]), [['serfHealth', 'passing', 'Agent alive and reachable']]);
    assert.deepEqual(store.services(), {}, 'a client gets no consul service');
    assert.deepEqual(reconcileMember(member('alive'), store, 'id-1'), []);
  });

  it('servers get the consul service on their RPC port', async () => {
    const { store, log } = newCatalog();
    for (const c of reconcileMember(member('alive', 'consul'), store, 'id-1')) await log.propose(c);
    assert.equal(store.nodeServices('n1')?.Services.consul?.Port, 8300);
  });

  it('failed turns serfHealth critical and keeps the node; left and reaped deregister it', async () => {
    const { store, log } = newCatalog();
    for (const c of reconcileMember(member('alive'), store, 'id-1')) await log.propose(c);
    for (const c of reconcileMember(member('dead'), store, 'id-1')) await log.propose(c);
    assert.equal(store.nodeChecks('n1')[0]?.Status, 'critical');
    const reaped = reconcileMember(member('dead'), store, 'id-1', { reaped: true });
    assert.deepEqual(reaped, [{ type: 'deregister', node: 'n1' }]);
    for (const c of reconcileMember(member('left'), store, 'id-1')) await log.propose(c);
    assert.equal(store.node('n1'), undefined);
    assert.deepEqual(reconcileMember(member('left'), store, 'id-1'), [], 'nothing to do for an unknown node');
  });
});
