import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UserEventView } from '../../../src/http/agent-port.js';
import { startHarness, type Harness } from './harness.js';

describe('/v1/event', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('fire answers Consul\'s UserEvent shape: base64 payload, filters, Version 1, LTime 0', async () => {
    const res = await h.put('/v1/event/fire/deploy?node=web&service=api&tag=v1', 'payload-1');
    assert.equal(res.status, 200);
    const e = (await res.json()) as UserEventView;
    assert.match(e.ID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual({ ...e, ID: '' }, {
      ID: '', Name: 'deploy', Payload: Buffer.from('payload-1').toString('base64'),
      NodeFilter: 'web', ServiceFilter: 'api', TagFilter: 'v1', Version: 1, LTime: 0,
    });
    const empty = (await (await h.put('/v1/event/fire/ping')).json()) as UserEventView;
    assert.equal(empty.Payload, null);
  });

  it('list returns what this agent recorded, oldest first, filtered by ?name, with the hashed index', async () => {
    const a = (await (await h.put('/v1/event/fire/list-a', 'x')).json()) as UserEventView;
    const b = (await (await h.put('/v1/event/fire/list-b')).json()) as UserEventView;
    const all = await h.api('/v1/event/list');
    const events = (await all.json()) as UserEventView[];
    const names = events.map((e) => e.Name);
    assert.ok(names.indexOf('list-a') < names.indexOf('list-b'));
    assert.ok(!names.includes('deploy'), 'filtered out: node "web" is not node1');
    const hex = b.ID.replace(/-/g, '');
    assert.equal(all.headers.get('x-consul-index'), (BigInt(`0x${hex.slice(0, 16)}`) ^ BigInt(`0x${hex.slice(16)}`)).toString());
    const onlyA = await h.api('/v1/event/list?name=list-a');
    assert.deepEqual(((await onlyA.json()) as UserEventView[]).map((e) => e.ID), [a.ID]);
    const none = await h.api('/v1/event/list?name=nothing-by-that-name');
    assert.deepEqual(await none.json(), []);
    assert.equal(none.headers.get('x-consul-index'), '1');
  });

  it('a blocking list waits while the index is unchanged and returns on the next event', async () => {
    const first = await h.api('/v1/event/list?name=blk');
    const index = first.headers.get('x-consul-index')!;
    const started = Date.now();
    const pending = h.api(`/v1/event/list?name=blk&index=${index}&wait=5s`);
    await new Promise((r) => setTimeout(r, 200));
    const fired = (await (await h.put('/v1/event/fire/blk')).json()) as UserEventView;
    const res = await pending;
    assert.ok(Date.now() - started >= 200, 'it did wait');
    assert.notEqual(res.headers.get('x-consul-index'), index);
    assert.deepEqual(((await res.json()) as UserEventView[]).map((e) => e.ID), [fired.ID]);
  });

  it('a blocking list times out after ?wait when nothing changes, and another index returns at once', async () => {
    const res = await h.api('/v1/event/list?name=quiet');
    const index = res.headers.get('x-consul-index')!;
    let started = Date.now();
    const timed = await h.api(`/v1/event/list?name=quiet&index=${index}&wait=300ms`);
    assert.ok(Date.now() - started >= 290);
    assert.equal(timed.headers.get('x-consul-index'), index);
    started = Date.now();
    await h.api('/v1/event/list?name=quiet&index=18446744073709551615&wait=5s');
    assert.ok(Date.now() - started < 2000, 'an index above 2^53 is parsed, and differs: no wait');
  });

  it('refuses bad requests plainly', async () => {
    const cases: [string, string | undefined, number, RegExp][] = [
      ['/v1/event/fire/', undefined, 400, /Missing name/],
      ['/v1/event/fire/x?tag=v1', undefined, 400, /Cannot provide tag filter without service filter/],
      ['/v1/event/fire/x?node=(', undefined, 400, /Invalid node filter/],
      ['/v1/event/fire/_rexec', undefined, 400, /reserved/],
      ['/v1/event/fire/big', 'x'.repeat(513), 413, /512 bytes/],
      ['/v1/event/fire/big', 'x'.repeat(480), 413, /exceeds configured limit of 512 bytes/],
      ['/v1/event/fire/x?dc=dc9', undefined, 500, /No path to datacenter/],
    ];
    for (const [path, body, status, message] of cases) {
      const res = await h.put(path, body);
      assert.equal(res.status, status, path);
      assert.match(await res.text(), message, path);
    }
    assert.equal((await h.api('/v1/event/fire/x')).status, 405);
    assert.equal((await h.api('/v1/event/list?index=abc')).status, 400);
  });
});
