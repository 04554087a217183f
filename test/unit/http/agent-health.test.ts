import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startHarness, type Harness } from './harness.js';

interface Info {
  AggregatedStatus: string;
  Service: { ID: string } | null;
  Checks: { CheckID: string }[] | null;
}

describe('/v1/agent/health/service', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  beforeEach(async () => {
    h.agent.serviceMap.clear();
    h.agent.checkMap.clear();
    await h.put('/v1/agent/service/register', { Name: 'web', ID: 'web-1', Check: { TTL: '30s', CheckID: 'c1', Status: 'passing' } });
    await h.put('/v1/agent/service/register', { Name: 'web', ID: 'web-2', Check: { TTL: '30s', CheckID: 'c2', Status: 'passing' } });
  });

  it('by id: 200 passing with the service and its checks', async () => {
    const res = await h.api('/v1/agent/health/service/id/web-1');
    assert.equal(res.status, 200);
    const info = (await res.json()) as Info;
    assert.equal(info.AggregatedStatus, 'passing');
    assert.equal(info.Service!.ID, 'web-1');
    assert.deepEqual(info.Checks!.map((c) => c.CheckID), ['c1']);
  });

  it('by id: warning is 429, critical is 503, node checks count', async () => {
    await h.put('/v1/agent/check/warn/c1');
    assert.equal((await h.api('/v1/agent/health/service/id/web-1')).status, 429);
    await h.put('/v1/agent/check/register', { Name: 'node-disk', TTL: '30s', Status: 'critical' });
    const res = await h.api('/v1/agent/health/service/id/web-1');
    assert.equal(res.status, 503);
    const info = (await res.json()) as Info;
    assert.equal(info.AggregatedStatus, 'critical');
    assert.deepEqual(info.Checks!.map((c) => c.CheckID), ['c1', 'node-disk']);
  });

  it('by id: maintenance outranks critical and answers 503', async () => {
    await h.put('/v1/agent/maintenance?enable=true');
    const res = await h.api('/v1/agent/health/service/id/web-1?format=text');
    assert.equal(res.status, 503);
    assert.equal(await res.text(), 'maintenance');
  });

  it('by id: unknown is 404, in JSON and in text', async () => {
    const res = await h.api('/v1/agent/health/service/id/nope');
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { AggregatedStatus: 'critical', Service: null, Checks: null });
    const text = await h.api('/v1/agent/health/service/id/nope', { headers: { Accept: 'text/plain' } });
    assert.equal(text.status, 404);
    assert.equal(await text.text(), 'ServiceId nope not found');
  });

  it('by name: the worst instance decides; text format gives the word', async () => {
    const ok = await h.api('/v1/agent/health/service/name/web');
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as Info[]).map((i) => i.Service!.ID), ['web-1', 'web-2']);
    await h.put('/v1/agent/check/fail/c2');
    const bad = await h.api('/v1/agent/health/service/name/web?format=text');
    assert.equal(bad.status, 503);
    assert.equal(await bad.text(), 'critical');
    const none = await h.api('/v1/agent/health/service/name/ghost');
    assert.equal(none.status, 404);
    assert.deepEqual(await none.json(), []);
    const noneText = await h.api('/v1/agent/health/service/name/ghost?format=text');
    assert.equal(await noneText.text(), 'ServiceName ghost Not Found');
  });
});
