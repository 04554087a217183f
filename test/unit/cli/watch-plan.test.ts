import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { watchPlan } from '../../../src/cli/watch.js';
import { lockEnv, lockKey } from '../../../src/cli/lock.js';
import { parseExport, exportEntries } from '../../../src/cli/kv-export.js';

describe('watch plans', () => {
  it('maps each type to its blocking endpoint', () => {
    assert.equal(watchPlan({ type: 'key', key: 'a/b c' }).path, '/v1/kv/a/b%20c');
    assert.deepEqual(watchPlan({ type: 'keyprefix', prefix: 'cfg/' }).query, { recurse: '' });
    assert.equal(watchPlan({ type: 'services' }).path, '/v1/catalog/services');
    assert.equal(watchPlan({ type: 'nodes' }).path, '/v1/catalog/nodes');
    const svc = watchPlan({ type: 'service', service: 'web', tag: ['a', 'b'], passingOnly: true });
    assert.equal(svc.path, '/v1/health/service/web?tag=a&tag=b');
    assert.equal(svc.query.passing, '');
    assert.equal(watchPlan({ type: 'checks' }).path, '/v1/health/state/any');
    assert.equal(watchPlan({ type: 'checks', state: 'critical' }).path, '/v1/health/state/critical');
    assert.equal(watchPlan({ type: 'checks', service: 'web' }).path, '/v1/health/checks/web');
    const ev = watchPlan({ type: 'event', name: 'deploy' });
    assert.deepEqual([ev.path, ev.query.name, ev.hashIndex], ['/v1/event/list', 'deploy', true]);
    assert.throws(() => watchPlan({ type: 'key' }), /-key is required/);
    assert.throws(() => watchPlan({ type: 'service' }), /-service is required/);
  });

  it('shapes misses as Consul watches do', () => {
    assert.equal(watchPlan({ type: 'key', key: 'k' }).shape(null), null);
    assert.deepEqual(watchPlan({ type: 'key', key: 'k' }).shape([{ Key: 'k' }]), { Key: 'k' });
    assert.deepEqual(watchPlan({ type: 'keyprefix' }).shape(null), []);
  });
});

describe('lock helpers and kv export format', () => {
  it('lock key and environment', () => {
    assert.equal(lockKey('jobs/backup'), 'jobs/backup/.lock');
    assert.equal(lockKey('jobs/backup/'), 'jobs/backup/.lock');
    assert.deepEqual(lockEnv({ key: 'k/.lock', session: 's', lockIndex: 3, modifyIndex: 99 }), {
      ROSTER_LOCK_KEY: 'k/.lock',
      ROSTER_LOCK_SESSION: 's',
      ROSTER_LOCK_INDEX: '3',
      ROSTER_LOCK_MODIFY_INDEX: '99',
    });
  });

  it('export sorts and import validates', () => {
    const out = exportEntries([
      { Key: 'b', Flags: 1, Value: 'eA==', LockIndex: 0, CreateIndex: 1, ModifyIndex: 1 },
      { Key: 'a', Flags: 0, Value: null, LockIndex: 0, CreateIndex: 1, ModifyIndex: 1 },
    ]);
    assert.deepEqual(out, [{ key: 'a', flags: 0, value: '' }, { key: 'b', flags: 1, value: 'eA==' }]);
    assert.deepEqual(parseExport(JSON.stringify(out)).map((e) => [e.key, e.flags, e.bytes.toString()]), [['a', 0, ''], ['b', 1, 'x']]);
    assert.throws(() => parseExport('{}'), /expected a JSON array/);
    assert.throws(() => parseExport('[{"key":""}]'), /non-empty/);
    assert.throws(() => parseExport('[{"key":"k","flags":-1}]'), /unsigned/);
    assert.throws(() => parseExport('nope'), /Cannot unmarshal/);
  });
});
