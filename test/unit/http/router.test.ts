import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Handler } from '../../../src/http/context.js';
import { emptyReply } from '../../../src/http/context.js';
import { Router } from '../../../src/http/router.js';

const named = (name: string): Handler => Object.assign(async () => emptyReply(), { handlerName: name });
const nameOf = (h: Handler): string => (h as Handler & { handlerName: string }).handlerName;

describe('Router', () => {
  const router = new Router()
    .get('/v1/agent/service/*id', named('service'))
    .put('/v1/agent/service/register', named('register'))
    .get('/v1/kv/*key', named('kv-get'))
    .put('/v1/kv/*key', named('kv-put'))
    .get('/v1/status/leader', named('leader'));

  it('matches exact paths and captures tails with slashes', () => {
    const leader = router.match('GET', '/v1/status/leader');
    assert.equal(leader.kind, 'found');
    const kv = router.match('GET', '/v1/kv/a/b/c');
    assert.ok(kv.kind === 'found');
    assert.equal(nameOf(kv.handler), 'kv-get');
    assert.deepEqual(kv.params, { key: 'a/b/c' });
    const root = router.match('GET', '/v1/kv/');
    assert.ok(root.kind === 'found');
    assert.deepEqual(root.params, { key: '' });
  });

  it('an exact pattern beats a tail pattern, and decides the verbs', () => {
    const put = router.match('PUT', '/v1/agent/service/register');
    assert.ok(put.kind === 'found');
    assert.equal(nameOf(put.handler), 'register');
    assert.deepEqual(router.match('GET', '/v1/agent/service/register'), { kind: 'method-not-allowed', allowed: ['PUT'], pattern: '/v1/agent/service/register' });
    const other = router.match('GET', '/v1/agent/service/web');
    assert.ok(other.kind === 'found');
    assert.equal(nameOf(other.handler), 'service');
  });

  it('reports not-found and method-not-allowed', () => {
    assert.deepEqual(router.match('GET', '/v1/kv'), { kind: 'not-found' });
    assert.deepEqual(router.match('GET', '/v1/status/leader/extra'), { kind: 'not-found' });
    assert.deepEqual(router.match('DELETE', '/v1/kv/x'), { kind: 'method-not-allowed', allowed: ['GET', 'PUT'], pattern: '/v1/kv/*key' });
  });

  it('refuses a duplicate registration', () => {
    assert.throws(() => new Router().get('/a', named('x')).get('/a', named('y')), /registered twice/);
  });
});
