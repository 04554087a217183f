import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateStore } from '../../../src/catalog/store.js';
import { newCatalog, nodeInput, serviceInput } from '../../helpers/catalog.js';

// The store's case-insensitive name indexes, which DNS reads (names are case-insensitive there).
// They must follow every write: register, rename, deregister, node removal and restore.
describe('catalog store: case-insensitive name indexes', () => {
  const ids = (store: StateStore, name: string, options = {}) =>
    store.serviceHealthFolded(name, options).map((e) => `${e.Node.Node}/${e.Service.ID}`);

  it('finds nodes and service instances by any spelling, an exact node match first', async () => {
    const { store, log } = newCatalog();
    await log.propose({ type: 'register', node: nodeInput('Web-1', '10.0.0.1'), service: serviceInput({ Service: 'Api', ID: 'api1', Tags: ['V1', 'prod'] }) });
    await log.propose({ type: 'register', node: nodeInput('web-2', '10.0.0.2'), service: serviceInput({ Service: 'api', ID: 'api2', Tags: ['v1'] }) });
    await log.propose({ type: 'register', node: nodeInput('web-1', '10.0.0.3') });
    assert.equal(store.nodeFolded('WEB-2')?.Node, 'web-2');
    assert.equal(store.nodeFolded('web-1')?.Address, '10.0.0.3', 'the exact spelling wins');
    assert.equal(store.nodeFolded('WEB-1')?.Node, 'Web-1', 'otherwise the first spelling in order');
    assert.equal(store.nodeFolded('nope'), undefined);
    assert.deepEqual(ids(store, 'API'), ['Web-1/api1', 'web-2/api2']);
    assert.deepEqual(ids(store, 'api', { tag: 'v1' }), ['Web-1/api1', 'web-2/api2']);
    assert.deepEqual(ids(store, 'api', { tags: ['v1', 'PROD'] }), ['Web-1/api1'], 'every tag is required');
    assert.deepEqual(ids(store, 'api', { tags: ['v1', 'staging'] }), []);
  });

  it('follows renames, deregistration and node removal', async () => {
    const { store, log } = newCatalog();
    await log.propose({ type: 'register', node: nodeInput('n1', '10.0.0.1'), service: serviceInput({ Service: 'web', ID: 's1' }) });
    await log.propose({ type: 'register', node: nodeInput('n2', '10.0.0.2'), service: serviceInput({ Service: 'web', ID: 's2' }) });
    // The same service ID now under another name.
    await log.propose({ type: 'register', node: nodeInput('n1', '10.0.0.1'), service: serviceInput({ Service: 'db', ID: 's1' }) });
    assert.deepEqual(ids(store, 'web'), ['n2/s2']);
    assert.deepEqual(ids(store, 'DB'), ['n1/s1']);
    await log.propose({ type: 'deregister', node: 'n2', serviceId: 's2' });
    assert.deepEqual(ids(store, 'web'), []);
    await log.propose({ type: 'deregister', node: 'n1' });
    assert.deepEqual(ids(store, 'db'), []);
    assert.equal(store.nodeFolded('N1'), undefined);
    assert.equal(store.nodeFolded('n2')?.Node, 'n2');
  });

  it('is rebuilt by a snapshot restore', async () => {
    const { store, log } = newCatalog();
    await log.propose({ type: 'register', node: nodeInput('Alpha', '10.0.0.1'), service: serviceInput({ Service: 'Web', ID: 'w' }) });
    const copy = new StateStore();
    copy.restore(store.snapshot());
    assert.equal(copy.nodeFolded('alpha')?.Node, 'Alpha');
    assert.deepEqual(ids(copy, 'web'), ['Alpha/w']);
    copy.restore({ ...store.snapshot(), nodes: [], services: [], checks: [] });
    assert.equal(copy.nodeFolded('alpha'), undefined);
    assert.deepEqual(ids(copy, 'web'), []);
  });
});
