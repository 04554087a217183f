import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AppError } from '../../../src/shared/errors.js';
import { startHarness, type Harness } from './harness.js';

describe('/v1/agent', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  beforeEach(() => {
    h.agent.serviceMap.clear();
    h.agent.checkMap.clear();
    h.agent.calls.length = 0;
  });

  it('self and members return the agent views; ?wan switches pools', async () => {
    const self = (await (await h.api('/v1/agent/self')).json()) as { Config: { NodeName: string; Datacenter: string }; Member: { Name: string } };
    assert.equal(self.Config.NodeName, 'node1');
    assert.equal(self.Config.Datacenter, 'dc1');
    assert.equal(self.Member.Name, 'node1');
    const lan = (await (await h.api('/v1/agent/members')).json()) as { Name: string; Port: number; Status: number }[];
    assert.deepEqual(lan.map((m) => m.Name), ['node1', 'node2']);
    assert.equal(lan[0]!.Status, 1);
    const wan = (await (await h.api('/v1/agent/members?wan=1')).json()) as { Name: string; Port: number }[];
    assert.deepEqual(wan.map((m) => m.Name), ['node1.dc1', 'node2.dc1']);
    assert.equal(wan[0]!.Port, 8302);
  });

  it('registers a service from a CamelCase body, as the Go client sends it (nulls included)', async () => {
    const res = await h.put('/v1/agent/service/register', {
      ID: 'web-1', Name: 'web', Tags: ['v1'], Port: 8080, Address: '10.0.0.5', Meta: { team: 'a' },
      Check: { TTL: '15s', CheckID: 'web-ttl' }, Checks: null, Weights: null,
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    const services = (await (await h.api('/v1/agent/services')).json()) as Record<string, { ID: string; Service: string; Tags: string[]; Port: number; Weights: unknown }>;
    assert.deepEqual(Object.keys(services), ['web-1']);
    assert.equal(services['web-1']!.Service, 'web');
    assert.deepEqual(services['web-1']!.Tags, ['v1']);
    assert.deepEqual(services['web-1']!.Weights, { Passing: 1, Warning: 1 });
    const checks = (await (await h.api('/v1/agent/checks')).json()) as Record<string, { Status: string; ServiceID: string; ServiceName: string }>;
    assert.equal(checks['web-ttl']!.Status, 'critical');
    assert.equal(checks['web-ttl']!.ServiceID, 'web-1');
    assert.equal(checks['web-ttl']!.ServiceName, 'web');
  });

  it('accepts snake_case bodies and passes ?replace-existing-checks through', async () => {
    const res = await h.put('/v1/agent/service/register?replace-existing-checks', {
      name: 'db', port: 5432, checks: [{ name: 'db-ttl', ttl: '10s' }, { tcp: '127.0.0.1:5432', interval: '5s' }],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(h.agent.calls, ['registerService db replace=true']);
    // Consul's auto IDs for several service checks: service:<id>:<n>.
    assert.deepEqual([...h.agent.checkMap.keys()].sort(), ['service:db:1', 'service:db:2']);
    await h.put('/v1/agent/service/register?replace-existing-checks=false', { Name: 'db' });
    assert.equal(h.agent.calls[1], 'registerService db replace=false');
  });

  it('refuses invalid definitions with a 400 that says what is wrong', async () => {
    const noName = await h.put('/v1/agent/service/register', { Port: 80 });
    assert.equal(noName.status, 400);
    assert.match(await noName.text(), /Name/);
    const badCheck = await h.put('/v1/agent/service/register', { Name: 'x', Check: { Interval: '10s' } });
    assert.equal(badCheck.status, 400);
    assert.match(await badCheck.text(), /exactly one of TTL, HTTP, TCP, Args \(script\), GRPC or AliasService\/AliasNode/);
    const badPort = await h.put('/v1/agent/service/register', { Name: 'x', Port: 70000 });
    assert.equal(badPort.status, 400);
    assert.equal(h.agent.serviceMap.size, 0);
  });

  it('gets one service with its content hash, 404 for an unknown ID', async () => {
    await h.put('/v1/agent/service/register', { Name: 'web', ID: 'web/a' });
    const res = await h.api('/v1/agent/service/web%2Fa');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { ID: string; ContentHash: string };
    assert.equal(body.ID, 'web/a');
    assert.match(body.ContentHash, /^[0-9a-f]{16}$/);
    assert.equal(res.headers.get('x-consul-contenthash'), body.ContentHash);
    const missing = await h.api('/v1/agent/service/nope');
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /unknown service ID: nope/);
    assert.equal((await h.api('/v1/agent/service/__proto__')).status, 404);
  });

  it('?hash blocks until the service changes, or the wait ends', async () => {
    await h.put('/v1/agent/service/register', { Name: 'web', Port: 80 });
    const hash = ((await (await h.api('/v1/agent/service/web')).json()) as { ContentHash: string }).ContentHash;
    let started = Date.now();
    const same = await h.api(`/v1/agent/service/web?hash=${hash}&wait=300ms`);
    assert.ok(Date.now() - started >= 290, 'waited out the unchanged hash');
    assert.equal(same.headers.get('x-consul-contenthash'), hash);
    started = Date.now();
    const pending = h.api(`/v1/agent/service/web?hash=${hash}&wait=10s`);
    await new Promise((r) => setTimeout(r, 100));
    await h.put('/v1/agent/service/register', { Name: 'web', Port: 81 });
    const changed = await pending;
    assert.ok(Date.now() - started < 2_000, 'returned on the change');
    const body = (await changed.json()) as { Port: number; ContentHash: string };
    assert.equal(body.Port, 81);
    assert.notEqual(body.ContentHash, hash);
  });

  it('deregisters a service and its checks', async () => {
    await h.put('/v1/agent/service/register', { Name: 'web', Check: { TTL: '10s' } });
    assert.equal(h.agent.checkMap.size, 1);
    const res = await h.put('/v1/agent/service/deregister/web');
    assert.equal(res.status, 200);
    assert.equal(h.agent.serviceMap.size, 0);
    assert.equal(h.agent.checkMap.size, 0);
    assert.equal((await h.put('/v1/agent/service/deregister/')).status, 400);
  });

  it('registers and deregisters a node-level check', async () => {
    const res = await h.put('/v1/agent/check/register', { Name: 'mem', TTL: '30s', Status: 'passing' });
    assert.equal(res.status, 200);
    const checks = (await (await h.api('/v1/agent/checks')).json()) as Record<string, { Name: string; Status: string }>;
    assert.equal(checks.mem!.Status, 'passing');
    assert.equal((await h.put('/v1/agent/check/register', { Name: 'x', TTL: '1s', Status: 'bogus' })).status, 400);
    assert.equal((await h.put('/v1/agent/check/register', { Name: 'x', TTL: '1s', ServiceID: 'ghost' })).status, 400);
    assert.equal((await h.put('/v1/agent/check/deregister/mem')).status, 200);
    assert.equal(h.agent.checkMap.size, 0);
  });

  it('pass/warn/fail set TTL status with ?note as output; unknown check is 404', async () => {
    await h.put('/v1/agent/check/register', { Name: 'ttl', TTL: '30s' });
    assert.equal((await h.put('/v1/agent/check/pass/ttl?note=all%20good')).status, 200);
    assert.equal(h.agent.checkMap.get('ttl')!.Status, 'passing');
    assert.equal(h.agent.checkMap.get('ttl')!.Output, 'all good');
    await h.put('/v1/agent/check/warn/ttl');
    assert.equal(h.agent.checkMap.get('ttl')!.Status, 'warning');
    await h.put('/v1/agent/check/fail/ttl?note=down');
    assert.equal(h.agent.checkMap.get('ttl')!.Status, 'critical');
    const missing = await h.put('/v1/agent/check/pass/nope');
    assert.equal(missing.status, 404);
    assert.equal((await h.api('/v1/agent/check/pass/ttl')).status, 405);
  });

  it('check/update takes Status and Output from the body', async () => {
    await h.put('/v1/agent/check/register', { Name: 'ttl', TTL: '30s' });
    assert.equal((await h.put('/v1/agent/check/update/ttl', { Status: 'warning', Output: 'slow' })).status, 200);
    assert.deepEqual(h.agent.calls.at(-1), 'updateTtlCheck ttl warning slow');
    // Go decodes field names case-insensitively.
    assert.equal((await h.put('/v1/agent/check/update/ttl', { status: 'passing' })).status, 200);
    assert.equal(h.agent.checkMap.get('ttl')!.Status, 'passing');
    const bad = await h.put('/v1/agent/check/update/ttl', { Status: 'fine' });
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), "Invalid check status: 'fine'");
  });

  it('join passes the address and ?wan; a failed join is an error status', async () => {
    assert.equal((await h.put('/v1/agent/join/127.0.0.2:8301')).status, 200);
    assert.equal((await h.put('/v1/agent/join/127.0.0.3?wan=1')).status, 200);
    assert.deepEqual(h.agent.calls, ['join 127.0.0.2:8301 wan=false', 'join 127.0.0.3 wan=true']);
    const failed = await h.put('/v1/agent/join/unreachable:8301');
    assert.equal(failed.status, 500);
    assert.match(await failed.text(), /connection refused/);
  });

  it('force-leave passes the node, ?wan and ?prune; an unknown node is 404', async () => {
    assert.equal((await h.put('/v1/agent/force-leave/node-c')).status, 200);
    assert.equal((await h.put('/v1/agent/force-leave/s2.dc2?wan=1&prune=1')).status, 200);
    assert.deepEqual(h.agent.calls, ['force-leave node-c wan=false prune=false', 'force-leave s2.dc2 wan=true prune=true']);
    assert.equal((await h.put('/v1/agent/force-leave/ghost')).status, 404);
    assert.equal((await h.api('/v1/agent/force-leave/node-c')).status, 405);
  });

  it('leave calls the agent', async () => {
    assert.equal((await h.put('/v1/agent/leave')).status, 200);
    assert.deepEqual(h.agent.calls, ['leave']);
  });

  it('maintenance needs ?enable and takes a reason', async () => {
    const missing = await h.put('/v1/agent/maintenance');
    assert.equal(missing.status, 400);
    assert.equal(await missing.text(), 'Missing value for enable');
    const bad = await h.put('/v1/agent/maintenance?enable=yes');
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'Invalid value for enable: "yes"');
    assert.equal((await h.put('/v1/agent/maintenance?enable=true&reason=patching')).status, 200);
    assert.equal(h.agent.checkMap.get('_node_maintenance')!.Notes, 'patching');
    assert.equal((await h.put('/v1/agent/maintenance?enable=false')).status, 200);
    assert.deepEqual(h.agent.calls, ['maintenance on patching', 'maintenance off']);
  });

  it('service maintenance: /v1/agent/service/maintenance/:id with ?enable and ?reason; unknown service 404', async () => {
    await h.put('/v1/agent/service/register', { Name: 'web' });
    const missing = await h.put('/v1/agent/service/maintenance/web');
    assert.deepEqual([missing.status, await missing.text()], [400, 'Missing value for enable']);
    assert.equal((await h.put('/v1/agent/service/maintenance/web?enable=true&reason=deploying')).status, 200);
    assert.equal(h.agent.checkMap.get('_service_maintenance:web')!.Notes, 'deploying');
    assert.equal((await h.put('/v1/agent/service/maintenance/web?enable=0')).status, 200);
    assert.equal(h.agent.checkMap.has('_service_maintenance:web'), false);
    const ghost = await h.put('/v1/agent/service/maintenance/ghost?enable=true');
    assert.deepEqual([ghost.status, await ghost.text()], [404, 'No service registered with ID "ghost"']);
    assert.deepEqual(h.agent.calls.slice(1), ['service maintenance on web deploying', 'service maintenance off web']);
  });

  it('reload answers 200 once applied, and passes a failure on', async () => {
    const ok = await h.put('/v1/agent/reload');
    assert.deepEqual([ok.status, await ok.text()], [200, '']);
    assert.deepEqual(h.agent.calls, ['reload']);
    h.agent.reloadError = new AppError('CONFIG', 'conf.d/web.json: service.Port: Expected number');
    try {
      const bad = await h.put('/v1/agent/reload');
      assert.deepEqual([bad.status, await bad.text()], [500, 'conf.d/web.json: service.Port: Expected number']);
    } finally {
      h.agent.reloadError = undefined;
    }
    assert.equal((await h.api('/v1/agent/reload')).status, 405, 'PUT only');
  });

  it('refuses ?filter rather than ignoring it', async () => {
    const res = await h.api('/v1/agent/services?filter=Service%3D%3Dweb');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /filter/);
  });
});
