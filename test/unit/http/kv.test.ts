import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TEST_CONFIG, startHarness, type Harness } from './harness.js';
import type { KvEntry } from '../../../src/client/types.js';

describe('/v1/kv', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  beforeEach(async () => {
    await h.api('/v1/kv/?recurse', { method: 'DELETE' });
  });

  const get = async (path: string): Promise<KvEntry[]> => (await (await h.api(path)).json()) as KvEntry[];

  it('PUT stores the raw body; GET returns it base64 in Consul\'s entry shape', async () => {
    const put = await h.put('/v1/kv/app/config', 'hello world');
    assert.equal(put.status, 200);
    assert.equal(put.headers.get('content-type'), 'application/json');
    assert.equal(await put.text(), 'true');
    const res = await h.api('/v1/kv/app/config');
    assert.equal(res.status, 200);
    const [entry, ...rest] = (await res.json()) as KvEntry[];
    assert.equal(rest.length, 0);
    assert.equal(entry!.Key, 'app/config');
    assert.equal(Buffer.from(entry!.Value!, 'base64').toString(), 'hello world');
    assert.equal(entry!.Flags, 0);
    assert.equal(entry!.LockIndex, 0);
    assert.equal('Session' in entry!, false);
    assert.equal(entry!.CreateIndex, entry!.ModifyIndex);
    assert.deepEqual(Object.keys(entry!), ['LockIndex', 'Key', 'Flags', 'Value', 'CreateIndex', 'ModifyIndex']);
    assert.equal(res.headers.get('x-consul-index'), String(entry!.ModifyIndex));
  });

  it('an empty value reads as null; binary values round-trip', async () => {
    await h.put('/v1/kv/empty', '');
    assert.equal((await get('/v1/kv/empty'))[0]!.Value, null);
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    await h.put('/v1/kv/bin', bytes);
    assert.deepEqual(Buffer.from((await get('/v1/kv/bin'))[0]!.Value!, 'base64'), bytes);
  });

  it('?raw returns the bytes with safe headers', async () => {
    await h.put('/v1/kv/page', '<script>alert(1)</script>');
    const res = await h.api('/v1/kv/page?raw');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '<script>alert(1)</script>');
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('content-security-policy'), 'sandbox');
    assert.ok(res.headers.get('x-consul-index'));
  });

  it('a miss is a 404 with an empty body, still carrying X-Consul-Index', async () => {
    const res = await h.api('/v1/kv/missing');
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '');
    assert.ok(Number(res.headers.get('x-consul-index')) >= 1);
    const emptyKey = await h.api('/v1/kv/');
    assert.equal(emptyKey.status, 400);
    assert.equal(await emptyKey.text(), 'Missing key name');
  });

  it('?flags is stored and returned', async () => {
    await h.put('/v1/kv/flagged?flags=42', 'x');
    assert.equal((await get('/v1/kv/flagged'))[0]!.Flags, 42);
    assert.equal((await h.put('/v1/kv/flagged?flags=-1', 'x')).status, 400);
    assert.equal((await h.put('/v1/kv/flagged?flags=abc', 'x')).status, 400);
  });

  it('?cas=0 creates only if absent; ?cas=N writes only at that ModifyIndex', async () => {
    assert.equal(await (await h.put('/v1/kv/lock?cas=0', 'first')).text(), 'true');
    assert.equal(await (await h.put('/v1/kv/lock?cas=0', 'second')).text(), 'false');
    const [entry] = await get('/v1/kv/lock');
    assert.equal(Buffer.from(entry!.Value!, 'base64').toString(), 'first');
    assert.equal(await (await h.put(`/v1/kv/lock?cas=${entry!.ModifyIndex + 100}`, 'stale')).text(), 'false');
    assert.equal(await (await h.put(`/v1/kv/lock?cas=${entry!.ModifyIndex}`, 'third')).text(), 'true');
    const [after] = await get('/v1/kv/lock');
    assert.equal(Buffer.from(after!.Value!, 'base64').toString(), 'third');
    assert.equal(after!.CreateIndex, entry!.CreateIndex);
    assert.ok(after!.ModifyIndex > entry!.ModifyIndex);
  });

  it('?recurse lists the prefix (not path-aware); 404 when nothing matches', async () => {
    for (const key of ['web/a', 'web/b/c', 'webby', 'other']) await h.put(`/v1/kv/${key}`, key);
    const res = await h.api('/v1/kv/web?recurse');
    const entries = (await res.json()) as KvEntry[];
    assert.deepEqual(entries.map((e) => e.Key), ['web/a', 'web/b/c', 'webby']);
    assert.equal(res.headers.get('x-consul-index'), String(Math.max(...entries.map((e) => e.ModifyIndex))));
    const all = await get('/v1/kv/?recurse');
    assert.equal(all.length, 4);
    assert.equal((await h.api('/v1/kv/nothing?recurse')).status, 404);
  });

  it('?keys lists key names, rolled up at ?separator; root with no match is []', async () => {
    for (const key of ['web/a', 'web/b/c', 'web/b/d', 'webby']) await h.put(`/v1/kv/${key}`, 'x');
    assert.deepEqual(await (await h.api('/v1/kv/web/?keys')).json(), ['web/a', 'web/b/c', 'web/b/d']);
    assert.deepEqual(await (await h.api('/v1/kv/web/?keys&separator=/')).json(), ['web/a', 'web/b/']);
    assert.deepEqual(await (await h.api('/v1/kv/?keys&separator=/')).json(), ['web/', 'webby']);
    // Consul's historic misspelling is accepted too.
    assert.deepEqual(await (await h.api('/v1/kv/?keys&seperator=/')).json(), ['web/', 'webby']);
    assert.equal((await h.api('/v1/kv/zzz?keys')).status, 404);
    await h.api('/v1/kv/?recurse', { method: 'DELETE' });
    const root = await h.api('/v1/kv/?keys');
    assert.equal(root.status, 200);
    assert.deepEqual(await root.json(), []);
  });

  it('DELETE removes a key; ?recurse removes a prefix; ?cas deletes only at the index', async () => {
    for (const key of ['a/1', 'a/2', 'b']) await h.put(`/v1/kv/${key}`, 'x');
    const del = await h.api('/v1/kv/b', { method: 'DELETE' });
    assert.equal(await del.text(), 'true');
    assert.equal((await h.api('/v1/kv/b')).status, 404);
    assert.equal(await (await h.api('/v1/kv/b', { method: 'DELETE' })).text(), 'true');
    await h.put('/v1/kv/c', 'x');
    const [c] = await get('/v1/kv/c');
    assert.equal(await (await h.api(`/v1/kv/c?cas=${c!.ModifyIndex + 1}`, { method: 'DELETE' })).text(), 'false');
    assert.equal((await h.api('/v1/kv/c')).status, 200);
    assert.equal(await (await h.api(`/v1/kv/c?cas=${c!.ModifyIndex}`, { method: 'DELETE' })).text(), 'true');
    assert.equal((await h.api('/v1/kv/c')).status, 404);
    assert.equal(await (await h.api('/v1/kv/a?recurse', { method: 'DELETE' })).text(), 'true');
    assert.equal((await h.api('/v1/kv/a/?recurse')).status, 404);
    assert.equal((await h.api('/v1/kv/', { method: 'DELETE' })).status, 400);
  });

  it('refuses conflicting and unsupported flags', async () => {
    const both = await h.api('/v1/kv/x?recurse&cas=1', { method: 'DELETE' });
    assert.equal(both.status, 400);
    assert.match(await both.text(), /^Conflicting flags: /);
    assert.equal((await h.put('/v1/kv/x?cas=0&acquire=abc', 'x')).status, 400);
    const acquire = await h.put('/v1/kv/x?acquire=abc', 'x');
    assert.equal(acquire.status, 400);
    assert.equal(await acquire.text(), 'invalid session "abc"');
    const release = await h.put('/v1/kv/x?release=abc', 'x');
    assert.equal(await release.text(), 'false');
    assert.equal((await h.api('/v1/kv/x')).status, 404);
    assert.equal((await h.put('/v1/kv/x?cas=banana', 'x')).status, 400);
  });

  it('a value over kv_max_value_size is 413 and is not stored', async () => {
    const res = await h.put('/v1/kv/big', 'x'.repeat(TEST_CONFIG.kvMaxValueSize + 1));
    assert.equal(res.status, 413);
    assert.match(await res.text(), /too large/);
    assert.equal((await h.api('/v1/kv/big')).status, 404);
    assert.equal((await h.put('/v1/kv/big', 'x'.repeat(TEST_CONFIG.kvMaxValueSize))).status, 200);
  });

  it('keys may contain encoded characters and slashes', async () => {
    await h.put('/v1/kv/dir%2Fwith%20space', 'v');
    const [entry] = await get('/v1/kv/dir/with space');
    assert.equal(entry!.Key, 'dir/with space');
  });

  it('PATCH is not allowed', async () => {
    const res = await h.api('/v1/kv/x', { method: 'PATCH', body: 'x' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'DELETE, GET, PUT');
  });
});
