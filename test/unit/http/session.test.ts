import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { checkInput, nodeInput } from '../../helpers/catalog.js';
import { startHarness, type Harness } from './harness.js';
import type { KvEntry } from '../../../src/client/types.js';

interface Session {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: string;
  TTL: string;
  NodeChecks: string[];
  ServiceChecks: { ID: string }[] | null;
  CreateIndex: number;
  ModifyIndex: number;
}

describe('/v1/session and KV locks', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  beforeEach(async () => {
    await h.api('/v1/kv/?recurse', { method: 'DELETE' });
    for (const s of (await (await h.api('/v1/session/list')).json()) as Session[]) await h.put(`/v1/session/destroy/${s.ID}`);
    await h.catalog.log.propose({ type: 'register', node: nodeInput('node1', '127.0.0.1'), checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing', Type: '' })] });
  });

  const create = async (body?: unknown): Promise<string> => {
    const res = await h.put('/v1/session/create', body);
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { ID: string }).ID;
  };
  const entry = async (key: string): Promise<KvEntry> => ((await (await h.api(`/v1/kv/${key}`)).json()) as KvEntry[])[0]!;
  const text = async (res: Response): Promise<string> => res.text();

  it('creates a session with Consul\'s defaults and lists it', async () => {
    const id = await create();
    assert.match(id, /^[0-9a-f-]{36}$/);
    const info = await h.api(`/v1/session/info/${id}`);
    assert.ok(Number(info.headers.get('x-consul-index')) > 0);
    const [s] = (await info.json()) as Session[];
    assert.deepEqual(Object.keys(s!), ['ID', 'Name', 'Node', 'LockDelay', 'Behavior', 'TTL', 'NodeChecks', 'ServiceChecks', 'CreateIndex', 'ModifyIndex']);
    assert.equal(s!.Node, 'node1');
    assert.equal(s!.LockDelay, 15e9);
    assert.equal(s!.Behavior, 'release');
    assert.equal(s!.TTL, '');
    assert.deepEqual(s!.NodeChecks, ['serfHealth']);
    assert.equal(s!.ServiceChecks, null);
    assert.equal(((await (await h.api('/v1/session/list')).json()) as Session[]).length, 1);
    assert.equal(((await (await h.api('/v1/session/node/node1')).json()) as Session[]).length, 1);
    assert.deepEqual(await (await h.api('/v1/session/node/elsewhere')).json(), []);
    assert.deepEqual(await (await h.api('/v1/session/info/00000000-0000-0000-0000-000000000000')).json(), []);
  });

  it('reads Name, TTL, Behavior, LockDelay (string, seconds or ns) and checks', async () => {
    const id = await create({ Name: 'web-lock', TTL: '30s', Behavior: 'delete', LockDelay: '5s', NodeChecks: [] });
    const [s] = (await (await h.api(`/v1/session/info/${id}`)).json()) as Session[];
    assert.equal(s!.Name, 'web-lock');
    assert.equal(s!.TTL, '30s');
    assert.equal(s!.Behavior, 'delete');
    assert.equal(s!.LockDelay, 5e9);
    assert.deepEqual(s!.NodeChecks, []);
    const secs = await create({ LockDelay: 3 });
    assert.equal(((await (await h.api(`/v1/session/info/${secs}`)).json()) as Session[])[0]!.LockDelay, 3e9);
    const ns = await create({ LockDelay: 2_000_000_000 });
    assert.equal(((await (await h.api(`/v1/session/info/${ns}`)).json()) as Session[])[0]!.LockDelay, 2e9);
  });

  it('refuses bad TTLs, behaviours, unknown nodes and checks, critical checks', async () => {
    for (const ttl of ['5s', '86401s', 'soon']) {
      const res = await h.put('/v1/session/create', { TTL: ttl });
      assert.equal(res.status, 400, ttl);
    }
    assert.match(await text(await h.put('/v1/session/create', { TTL: '9s' })), /Invalid Session TTL '9s', must be between \[10s=86400s\]/);
    assert.equal((await h.put('/v1/session/create', { TTL: '10s' })).status, 200);
    assert.equal((await h.put('/v1/session/create', { TTL: '86400s' })).status, 200);
    assert.match(await text(await h.put('/v1/session/create', { Behavior: 'explode' })), /Invalid Behavior/);
    assert.match(await text(await h.put('/v1/session/create', { Node: 'ghost' })), /Missing node registration/);
    assert.match(await text(await h.put('/v1/session/create', { NodeChecks: ['nope'] })), /Missing check 'nope' registration/);
    await h.catalog.log.propose({ type: 'register', node: nodeInput('node1', '127.0.0.1'), skipNodeUpdate: true, checks: [checkInput({ CheckID: 'disk', Status: 'critical' })] });
    assert.match(await text(await h.put('/v1/session/create', { NodeChecks: ['serfHealth', 'disk'] })), /Check 'disk' is in critical state/);
    assert.match(await text(await h.put('/v1/session/create', { LockDelay: '2m' })), /Lock delay/);
    await h.catalog.log.propose({ type: 'deregister', node: 'node1', checkId: 'disk' });
  });

  it('renews (404 once gone) and destroys idempotently', async () => {
    const id = await create({ TTL: '15s' });
    const renew = await h.put(`/v1/session/renew/${id}`);
    assert.equal(renew.status, 200);
    assert.equal(((await renew.json()) as Session[])[0]!.TTL, '15s');
    assert.equal(await text(await h.put(`/v1/session/destroy/${id}`)), 'true');
    assert.equal(await text(await h.put(`/v1/session/destroy/${id}`)), 'true');
    const gone = await h.put(`/v1/session/renew/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(await gone.text(), `Session id '${id}' not found`);
    assert.equal((await h.api(`/v1/session/renew/${id}`)).status, 405);
  });

  it('acquire takes the lock (LockIndex 1, Session set), same session re-acquires without a new LockIndex', async () => {
    const a = await create({ LockDelay: '0s' });
    const b = await create({ LockDelay: '0s' });
    assert.equal(await text(await h.put(`/v1/kv/svc/leader?acquire=${a}`, 'a')), 'true');
    let e = await entry('svc/leader');
    assert.equal(e.LockIndex, 1);
    assert.equal(e.Session, a);
    assert.equal(Buffer.from(e.Value!, 'base64').toString(), 'a');
    // Held by a: b cannot take it; a again keeps LockIndex 1 but writes the body.
    assert.equal(await text(await h.put(`/v1/kv/svc/leader?acquire=${b}`, 'b')), 'false');
    assert.equal(await text(await h.put(`/v1/kv/svc/leader?acquire=${a}`, 'a2')), 'true');
    e = await entry('svc/leader');
    assert.equal(e.LockIndex, 1);
    assert.equal(Buffer.from(e.Value!, 'base64').toString(), 'a2');
    // b cannot release a's lock; a can.
    assert.equal(await text(await h.put(`/v1/kv/svc/leader?release=${b}`)), 'false');
    assert.equal(await text(await h.put(`/v1/kv/svc/leader?release=${a}`, 'free')), 'true');
    e = await entry('svc/leader');
    assert.equal('Session' in e, false);
    assert.equal(e.LockIndex, 1);
    // Now b: LockIndex 2, and its ModifyIndex moves past every earlier one (the fencing token).
    const before = e.ModifyIndex;
    assert.equal(await text(await h.put(`/v1/kv/svc/leader?acquire=${b}`, 'b')), 'true');
    e = await entry('svc/leader');
    assert.equal(e.LockIndex, 2);
    assert.equal(e.Session, b);
    assert.ok(e.ModifyIndex > before);
    // A plain PUT ignores the lock but keeps Session and LockIndex.
    assert.equal(await text(await h.put('/v1/kv/svc/leader', 'plain')), 'true');
    e = await entry('svc/leader');
    assert.equal(e.Session, b);
    assert.equal(e.LockIndex, 2);
  });

  it('errors: acquire with an invalid or empty session, conflicting flags', async () => {
    const res = await h.put('/v1/kv/k?acquire=00000000-0000-0000-0000-000000000000', 'x');
    assert.equal(res.status, 400);
    assert.equal(await res.text(), 'invalid session "00000000-0000-0000-0000-000000000000"');
    assert.equal((await h.put('/v1/kv/k?acquire=', 'x')).status, 400);
    assert.match(await text(await h.put('/v1/kv/k?acquire=a&release=a', 'x')), /^Conflicting flags/);
    assert.equal((await h.api('/v1/kv/k')).status, 404);
  });

  it('destroying a session releases its locks and starts the lock-delay', async () => {
    const a = await create({ LockDelay: '15s' });
    const b = await create({ LockDelay: '0s' });
    assert.equal(await text(await h.put(`/v1/kv/l1?acquire=${a}`, 'x')), 'true');
    await h.put(`/v1/session/destroy/${a}`);
    const e = await entry('l1');
    assert.equal('Session' in e, false);
    assert.equal(e.LockIndex, 1);
    // Within the delay nobody may take it.
    assert.equal(await text(await h.put(`/v1/kv/l1?acquire=${b}`, 'x')), 'false');
    assert.ok(h.catalog.store.kvLockDelay('l1') > 14_000);
  });

  it('Behavior delete removes the locked keys; a critical bound check invalidates the session', async () => {
    const a = await create({ Behavior: 'delete', LockDelay: '0s' });
    assert.equal(await text(await h.put(`/v1/kv/eph?acquire=${a}`, 'x')), 'true');
    await h.catalog.log.propose({ type: 'register', node: nodeInput('node1', '127.0.0.1'), skipNodeUpdate: true, checks: [checkInput({ CheckID: 'serfHealth', Status: 'critical', Type: '' })] });
    assert.deepEqual(await (await h.api(`/v1/session/info/${a}`)).json(), []);
    assert.equal((await h.api('/v1/kv/eph')).status, 404);
  });

  it('blocks session/list until a session changes', async () => {
    const first = await h.api('/v1/session/list');
    const index = Number(first.headers.get('x-consul-index'));
    const waiting = h.api(`/v1/session/list?index=${index}&wait=5s`);
    await new Promise((r) => setTimeout(r, 50));
    const id = await create();
    const res = await waiting;
    assert.ok(Number(res.headers.get('x-consul-index')) > index);
    assert.equal(((await res.json()) as Session[])[0]!.ID, id);
  });
});
