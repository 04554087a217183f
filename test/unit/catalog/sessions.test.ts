import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCommand, decodeSnapshot, encodeCommand, encodeSnapshot } from '../../../src/catalog/command-codec.js';
import type { CatalogCommand, SessionInput } from '../../../src/catalog/commands.js';
import { CatalogFsm } from '../../../src/catalog/fsm.js';
import { validateStoreSnapshot } from '../../../src/catalog/snapshot-schema.js';
import { StateStore, type SessionEvent } from '../../../src/catalog/store.js';
import { checkInput, nodeInput, serviceInput } from '../../helpers/catalog.js';

function session(id: string, fields: Partial<SessionInput> = {}): SessionInput {
  return { ID: id, Name: '', Node: 'n1', LockDelay: 15e9, Behavior: 'release', TTL: '', NodeChecks: ['serfHealth'], ServiceChecks: null, ...fields };
}

const setup: CatalogCommand[] = [
  {
    type: 'register',
    node: nodeInput('n1', '10.0.0.1'),
    service: serviceInput({ Service: 'web', ID: 'web-1' }),
    checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing', Type: '' }), checkInput({ CheckID: 'web-check', Status: 'passing', ServiceID: 'web-1' })],
  },
  { type: 'register', node: nodeInput('n2', '10.0.0.2'), checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing', Type: '' })] },
  { type: 'session', op: 'create', session: session('s-node') },
  { type: 'session', op: 'create', session: session('s-svc', { NodeChecks: [], ServiceChecks: [{ ID: 'web-check' }], Behavior: 'delete' }) },
  { type: 'session', op: 'create', session: session('s-n2', { Node: 'n2' }) },
  { type: 'kv', op: 'lock', key: 'locks/a', value: new Uint8Array([1]), session: 's-node' },
  { type: 'kv', op: 'lock', key: 'locks/b', value: new Uint8Array([2]), session: 's-svc' },
  { type: 'kv', op: 'lock', key: 'locks/c', value: new Uint8Array([3]), session: 's-n2' },
];

/** Applies commands at indexes 1.. through the codec, as the Raft log would hand them over. */
function run(commands: readonly CatalogCommand[], now = () => 1_000): { store: StateStore; fsm: CatalogFsm; outcomes: ReturnType<CatalogFsm['apply']>[]; events: SessionEvent[] } {
  const store = new StateStore({ now });
  const fsm = new CatalogFsm(store);
  const events: SessionEvent[] = [];
  store.onSessionEvent((e) => events.push(e));
  const outcomes = commands.map((c, i) => fsm.apply(i + 1, decodeCommand(encodeCommand(c))));
  return { store, fsm, outcomes, events };
}

describe('catalog FSM: sessions and locks', () => {
  it('creates sessions, refusing unknown nodes/checks, critical checks and duplicate IDs (deterministically)', () => {
    const { store, outcomes } = run([
      ...setup,
      { type: 'session', op: 'create', session: session('s-node') },
      { type: 'session', op: 'create', session: session('x', { Node: 'ghost' }) },
      { type: 'session', op: 'create', session: session('x', { NodeChecks: ['nope'] }) },
    ]);
    assert.ok(outcomes.slice(0, setup.length).every((o) => o.result && o.error === undefined));
    assert.match(outcomes[setup.length]!.error!, /already exists/);
    assert.equal(outcomes[setup.length + 1]!.error, 'Missing node registration');
    assert.equal(outcomes[setup.length + 2]!.error, "Missing check 'nope' registration");
    assert.deepEqual(store.sessions().map((s) => s.ID), ['s-n2', 's-node', 's-svc']);
    assert.equal(store.session('s-node')!.CreateIndex, 3);
    assert.deepEqual(store.kvHeldBy('s-node'), ['locks/a']);
    assert.equal(store.kvGet('locks/a')!.LockIndex, 1);
  });

  it('lock is refused for a missing session (error) and a held lock (false); unlock needs the holder', () => {
    const { store, outcomes } = run([
      ...setup,
      { type: 'kv', op: 'lock', key: 'locks/a', session: 'nobody' },
      { type: 'kv', op: 'lock', key: 'locks/a', session: 's-n2' },
      { type: 'kv', op: 'unlock', key: 'locks/a', session: 's-n2' },
      { type: 'kv', op: 'unlock', key: 'locks/a', session: 's-node' },
      { type: 'kv', op: 'lock', key: 'locks/a', session: 's-n2' },
    ]);
    const tail = outcomes.slice(setup.length);
    assert.equal(tail[0]!.error, 'invalid session "nobody"');
    assert.deepEqual(tail.slice(1).map((o) => o.result), [false, false, true, true]);
    assert.equal(store.kvGet('locks/a')!.LockIndex, 2);
    assert.equal(store.kvGet('locks/a')!.Session, 's-n2');
  });

  it('a node check going critical invalidates the node\'s sessions bound to it: locks released, lock-delay started', () => {
    let now = 1_000;
    const { store, events } = run(
      [...setup, { type: 'register', node: nodeInput('n1', '10.0.0.1'), skipNodeUpdate: true, checks: [checkInput({ CheckID: 'serfHealth', Status: 'critical', Type: '' })] }],
      () => now,
    );
    assert.equal(store.session('s-node'), undefined);
    assert.ok(store.session('s-svc'), 'bound to a service check only');
    assert.ok(store.session('s-n2'), 'another node');
    const a = store.kvGet('locks/a')!;
    assert.equal(a.Session, '');
    assert.equal(a.LockIndex, 1);
    assert.equal(a.ModifyIndex, setup.length + 1);
    assert.deepEqual(events.at(-1), { kind: 'destroyed', id: 's-node' });
    assert.equal(store.kvLockDelay('locks/a'), 15_000);
    now += 14_999;
    assert.equal(store.kvLockDelay('locks/a'), 1);
    now += 1;
    assert.equal(store.kvLockDelay('locks/a'), 0);
  });

  it('a service check going critical, or its service being deregistered, invalidates (Behavior delete deletes the key)', () => {
    const critical = run([...setup, { type: 'register', node: nodeInput('n1', '10.0.0.1'), skipNodeUpdate: true, checks: [checkInput({ CheckID: 'web-check', Status: 'critical', ServiceID: 'web-1' })] }]);
    assert.equal(critical.store.session('s-svc'), undefined);
    assert.equal(critical.store.kvGet('locks/b'), undefined);
    assert.ok(critical.store.session('s-node'));
    const deregistered = run([...setup, { type: 'deregister', node: 'n1', serviceId: 'web-1' }]);
    assert.equal(deregistered.store.session('s-svc'), undefined);
    assert.ok(deregistered.store.session('s-node'));
    const checkGone = run([...setup, { type: 'deregister', node: 'n1', checkId: 'serfHealth' }]);
    assert.equal(checkGone.store.session('s-node'), undefined);
  });

  it('deregistering a node invalidates every session on it', () => {
    const { store } = run([...setup, { type: 'deregister', node: 'n1' }]);
    assert.deepEqual(store.sessions().map((s) => s.ID), ['s-n2']);
    assert.equal(store.kvGet('locks/a')!.Session, '');
    assert.equal(store.kvGet('locks/b'), undefined);
    assert.equal(store.kvGet('locks/c')!.Session, 's-n2');
  });

  it('is deterministic: the same log gives byte-identical snapshots on two replicas (whatever their clocks)', () => {
    const log: CatalogCommand[] = [
      ...setup,
      { type: 'session', op: 'renew', id: 's-n2' },
      { type: 'txn', ops: [{ verb: 'lock', key: 'locks/d', session: 's-n2' }, { verb: 'set', key: 'plain', value: new Uint8Array([9]) }] },
      { type: 'register', node: nodeInput('n1', '10.0.0.1'), skipNodeUpdate: true, checks: [checkInput({ CheckID: 'serfHealth', Status: 'critical', Type: '' })] },
      { type: 'session', op: 'destroy', id: 's-n2' },
      { type: 'deregister', node: 'n1' },
    ];
    const a = run(log, () => 5);
    const b = run(log, () => 99_999);
    assert.deepEqual(a.outcomes, b.outcomes);
    assert.deepEqual(Buffer.from(encodeSnapshot(a.store.snapshot())), Buffer.from(encodeSnapshot(b.store.snapshot())));
    assert.equal(a.store.sessions().length, 0);
    assert.equal(a.store.kvGet('locks/d')!.Session, '');
    assert.equal(a.store.kvGet('locks/d')!.LockIndex, 1);
  });

  it('renew changes nothing (no index moves) and reports whether the session exists', () => {
    const { store, outcomes, events } = run([...setup, { type: 'session', op: 'renew', id: 's-node' }, { type: 'session', op: 'renew', id: 'gone' }]);
    assert.equal(outcomes.at(-2)!.result, true);
    assert.equal(outcomes.at(-1)!.result, false);
    assert.equal(store.index('sessions'), 5);
    assert.equal(events.filter((e) => e.kind === 'renewed').length, 1);
  });

  it('a transaction is one entry: all applied or none', () => {
    const { store, outcomes } = run([
      ...setup,
      { type: 'txn', ops: [{ verb: 'set', key: 't1', value: new Uint8Array([1]) }, { verb: 'check-index', key: 'locks/a', index: 999 }] },
      { type: 'txn', ops: [{ verb: 'set', key: 't1', value: new Uint8Array([1]) }, { verb: 'unlock', key: 'locks/a', session: 's-node' }] },
    ]);
    const failed = outcomes.at(-2)!;
    assert.equal(failed.result, false);
    assert.equal(failed.txn!.errors[0]!.OpIndex, 1);
    const ok = outcomes.at(-1)!;
    assert.equal(ok.result, true);
    assert.equal(ok.txn!.results.length, 2);
    assert.equal(store.kvGet('t1')!.ModifyIndex, setup.length + 2);
    assert.equal(store.kvGet('locks/a')!.Session, '');
    assert.deepEqual(store.kvHeldBy('s-node'), []);
  });

  it('snapshots carry sessions and lock holders; restore rebuilds the lock index; old snapshots still restore', () => {
    const { store } = run(setup);
    const snap = decodeSnapshot(encodeSnapshot(store.snapshot()));
    assert.equal(snap.sessions!.length, 3);
    validateStoreSnapshot(snap);
    const copy = new StateStore();
    copy.restore(snap);
    assert.deepEqual(copy.sessions(), store.sessions());
    assert.deepEqual(copy.kvHeldBy('s-svc'), ['locks/b']);
    assert.equal(copy.index('sessions'), store.index('sessions'));
    // Invalidation works on the restored copy.
    const fsm = new CatalogFsm(copy);
    fsm.apply(100, { type: 'session', op: 'destroy', id: 's-svc' });
    assert.equal(copy.kvGet('locks/b'), undefined);
    // A snapshot from before sessions existed: no sessions, no sessions index.
    const { sessions: _s, ...old } = store.snapshot();
    const { sessions: _i, ...oldIndex } = old.tableIndex;
    const legacy = validateStoreSnapshot({ ...old, kvs: [], tableIndex: oldIndex });
    const fromOld = new StateStore();
    fromOld.restore(legacy);
    assert.deepEqual(fromOld.sessions(), []);
    assert.equal(fromOld.index('sessions'), 0);
    assert.throws(() => validateStoreSnapshot({ ...store.snapshot(), sessions: [{ ID: '' }] }), /sessions/);
  });
});
