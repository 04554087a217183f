import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSnapshot, encodeSnapshot } from '../../../src/catalog/command-codec.js';
import { CatalogFsm } from '../../../src/catalog/fsm.js';
import { StateStore } from '../../../src/catalog/store.js';
import { TableWatches } from '../../../src/catalog/watch.js';
import type { CatalogCommand } from '../../../src/catalog/commands.js';
import { checkInput, newCatalog, nodeInput, serviceInput } from '../../helpers/catalog.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('catalog FSM: register and deregister', () => {
  it('registers a node with a service and a service check, stamping Raft indexes', async () => {
    const { store, log } = newCatalog();
    const applied = await log.propose({
      type: 'register',
      node: nodeInput('web1', '10.0.0.1'),
      service: serviceInput({ Service: 'web', ID: 'web-1', Port: 8080, Tags: ['v1'] }),
      checks: [checkInput({ CheckID: 'web-alive', Status: 'passing', ServiceID: 'web-1' })],
    });
    assert.equal(applied.index, 1);
    const [instance] = store.serviceInstances('web');
    assert.equal(instance?.ServiceID, 'web-1');
    assert.equal(instance?.Address, '10.0.0.1');
    assert.equal(instance?.ServicePort, 8080);
    assert.equal(instance?.CreateIndex, 1);
    const [check] = store.nodeChecks('web1');
    assert.equal(check?.ServiceName, 'web', 'the FSM fills ServiceName from the service row');
    assert.deepEqual(check?.ServiceTags, ['v1']);
    assert.equal(store.index('nodes', 'services', 'checks'), 1);
  });

  it('keeps CreateIndex and skips no-op writes (the index does not move when nothing changed)', async () => {
    const { store, log } = newCatalog();
    const cmd: CatalogCommand = { type: 'register', node: nodeInput('n1', '10.0.0.1'), service: serviceInput({ Service: 'db', Port: 5432 }) };
    await log.propose(cmd);
    await log.propose(cmd);
    assert.equal(store.node('n1')?.ModifyIndex, 1);
    assert.equal(store.index('services'), 1);
    await log.propose({ ...cmd, service: serviceInput({ Service: 'db', Port: 5433 }) });
    const service = store.nodeServices('n1')?.Services.db;
    assert.equal(service?.CreateIndex, 1);
    assert.equal(service?.ModifyIndex, 3);
    assert.equal(store.index('services'), 3);
    assert.equal(store.index('nodes'), 1);
  });

  it('refuses a check bound to an unknown service, deterministically, without changing anything', async () => {
    const { store, log } = newCatalog();
    await assert.rejects(
      log.propose({ type: 'register', node: nodeInput('n1', '10.0.0.1'), checks: [checkInput({ CheckID: 'c', Status: 'passing', ServiceID: 'nope' })] }),
      /unknown service ID "nope"/,
    );
    assert.equal(store.node('n1'), undefined);
  });

  it('deregisters a service with its checks, and a node with everything on it', async () => {
    const { store, log } = newCatalog();
    await log.propose({
      type: 'register',
      node: nodeInput('n1', '10.0.0.1'),
      service: serviceInput({ Service: 'web' }),
      checks: [checkInput({ CheckID: 'node-check', Status: 'passing' }), checkInput({ CheckID: 'svc-check', Status: 'passing', ServiceID: 'web' })],
    });
    await log.propose({ type: 'deregister', node: 'n1', serviceId: 'web' });
    assert.deepEqual(store.nodeChecks('n1').map((c) => c.CheckID), ['node-check']);
    assert.deepEqual(store.services(), {});
    await log.propose({ type: 'deregister', node: 'n1' });
    assert.equal(store.node('n1'), undefined);
    assert.deepEqual(store.nodeChecks('n1'), []);
  });
});

describe('catalog health views', () => {
  it('serviceHealth includes node checks and filters by passing and tag (case-insensitive)', async () => {
    const { store, log } = newCatalog();
    await log.propose({ type: 'register', node: nodeInput('a', '10.0.0.1'), service: serviceInput({ Service: 'web', Tags: ['Primary'] }), checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing' })] });
    await log.propose({ type: 'register', node: nodeInput('b', '10.0.0.2'), service: serviceInput({ Service: 'web' }), checks: [checkInput({ CheckID: 'serfHealth', Status: 'critical' })] });
    const all = store.serviceHealth('web');
    assert.equal(all.length, 2);
    assert.deepEqual(all[1]?.Checks.map((c) => c.CheckID), ['serfHealth']);
    assert.deepEqual(store.serviceHealth('web', { passingOnly: true }).map((e) => e.Node.Node), ['a']);
    assert.deepEqual(store.serviceHealth('web', { tag: 'primary' }).map((e) => e.Node.Node), ['a']);
    assert.deepEqual(store.checksInState('critical').map((c) => c.Node), ['b']);
    assert.deepEqual(store.services(), { web: ['Primary'] });
  });
});

describe('catalog KV', () => {
  it('set, cas create-only, cas on index, delete-cas', async () => {
    const { store, log } = newCatalog();
    assert.equal((await log.propose({ type: 'kv', op: 'cas', key: 'k', value: b64('one'), index: 0 })).result, true);
    assert.equal((await log.propose({ type: 'kv', op: 'cas', key: 'k', value: b64('two'), index: 0 })).result, false, 'cas=0 only creates');
    const first = store.kvGet('k')!;
    assert.equal(first.Value.toString(), 'one');
    assert.equal((await log.propose({ type: 'kv', op: 'cas', key: 'k', value: b64('two'), index: first.ModifyIndex })).result, true);
    const second = store.kvGet('k')!;
    assert.equal(second.Value.toString(), 'two');
    assert.equal(second.CreateIndex, first.CreateIndex);
    assert.equal((await log.propose({ type: 'kv', op: 'delete-cas', key: 'k', index: first.ModifyIndex })).result, false);
    assert.equal((await log.propose({ type: 'kv', op: 'delete-cas', key: 'k', index: second.ModifyIndex })).result, true);
    assert.equal(store.kvGet('k'), undefined);
  });

  it('lists by prefix, rolls keys up at the separator, and moves the prefix index on delete', async () => {
    const { store, log } = newCatalog();
    for (const key of ['a/b', 'a/c/d', 'a/c/e', 'ab', 'z']) await log.propose({ type: 'kv', op: 'set', key, value: b64(key), flags: 7 });
    assert.deepEqual(store.kvList('a/').map((e) => e.Key), ['a/b', 'a/c/d', 'a/c/e']);
    assert.deepEqual(store.kvKeys('a/', '/'), ['a/b', 'a/c/']);
    assert.deepEqual(store.kvKeys('', '/'), ['a/', 'ab', 'z']);
    assert.deepEqual(store.kvKeys('a', ''), ['a/b', 'a/c/d', 'a/c/e', 'ab']);
    assert.equal(store.kvGet('z')?.Flags, 7);
    const before = store.kvPrefixIndex('a/c/');
    const del = await log.propose({ type: 'kv', op: 'delete-tree', key: 'a/c/' });
    assert.deepEqual(store.kvList('a/').map((e) => e.Key), ['a/b']);
    assert.ok(store.kvPrefixIndex('a/c/') > before);
    assert.equal(store.kvPrefixIndex('a/c/'), del.index, 'tombstones carry the deletion index');
  });
});

describe('FSM snapshot and restore', () => {
  it('restoring a snapshot gives an identical store, and replaying the same log gives the same snapshot', async () => {
    const commands: CatalogCommand[] = [
      { type: 'register', node: nodeInput('n1', '10.0.0.1', { rack: 'r1' }), service: serviceInput({ Service: 'web', Tags: ['x'] }), checks: [checkInput({ CheckID: 'c1', Status: 'warning', ServiceID: 'web' })] },
      { type: 'kv', op: 'set', key: 'cfg/a', value: b64('1') },
      { type: 'kv', op: 'set', key: 'cfg/b', value: b64('2') },
      { type: 'kv', op: 'delete', key: 'cfg/a' },
    ];
    const one = newCatalog();
    const two = newCatalog();
    for (const c of commands) await one.log.propose(c);
    for (const c of commands) await two.log.propose(c);
    assert.deepEqual(one.fsm.snapshot(), two.fsm.snapshot());

    const restored = new StateStore();
    new CatalogFsm(restored).restore(decodeSnapshot(encodeSnapshot(one.fsm.snapshot())));
    assert.deepEqual(restored.snapshot(), one.store.snapshot());
    assert.equal(restored.kvGet('cfg/b')?.Value.toString(), '2');
    assert.equal(restored.index(), one.store.index());
  });
});

describe('watches', () => {
  it('a watch registered before a write wakes on it; other tables do not wake it', async () => {
    const { store, log } = newCatalog();
    const kvWatch = store.watch(['kvs']);
    const nodeWatch = store.watch(['nodes']);
    let nodeWoke = false;
    void nodeWatch.changed.then(() => (nodeWoke = true));
    await log.propose({ type: 'kv', op: 'set', key: 'x', value: b64('y') });
    await kvWatch.changed;
    await new Promise((r) => setImmediate(r));
    assert.equal(nodeWoke, false);
    nodeWatch.cancel();
  });

  it('cancelled and fired watches leave no waiter behind', () => {
    const watches = new TableWatches();
    const a = watches.watch(['kvs', 'nodes']);
    watches.watch(['services']);
    assert.equal(watches.size(), 3);
    a.cancel();
    assert.equal(watches.size(), 1);
    watches.notify(['services']);
    assert.equal(watches.size(), 0);
  });
});
