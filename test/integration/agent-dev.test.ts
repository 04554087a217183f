// End to end: a real `roster agent -dev` process, driven by the real CLI, HTTP and DNS clients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { dig, roster, startDevAgent, type AgentProcess } from '../helpers/agent-process.js';

const IP = '127.0.0.21';

describe('roster agent -dev end to end', () => {
  let agent: AgentProcess;
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  const cli = (...args: string[]) => roster([...args, '-http-addr', `${IP}:8500`]);

  before(async () => {
    agent = await startDevAgent(IP);
    resolver.setServers([`${IP}:8600`]);
  });
  after(async () => {
    const code = await agent.stop('SIGINT');
    assert.equal(code, 0, `agent exit code on SIGINT\n${agent.logs()}`);
  });

  it('registers a service with the CLI and answers A and SRV over DNS', async () => {
    const reg = await cli('services', 'register', '--name', 'web', '--port', '8080', '--tag', 'v1', '--address', IP);
    assert.equal(reg.code, 0, reg.stderr);
    assert.match(reg.stdout, /Registered service: web/);
    assert.deepEqual(await resolver.resolve4('web.service.consul'), [IP]);
    assert.deepEqual(await resolver.resolve4('v1.web.service.consul'), [IP]);
    assert.deepEqual(await resolver.resolve4('WEB.Service.DC1.Consul'), [IP]);
    const [srv] = await resolver.resolveSrv('web.service.consul');
    assert.equal(srv?.port, 8080);
    assert.equal(srv?.priority, 1);
    assert.equal(srv?.weight, 1);
    assert.equal(srv?.name, `dev-21.node.dc1.consul`);
    const [rfc] = await resolver.resolveSrv('_web._v1.service.consul');
    assert.equal(rfc?.port, 8080);
  });

  it('dig sees the SRV answer with the target A record in the additional section', async () => {
    const out = await dig([`@${IP}`, '-p', '8600', 'web.service.consul', 'SRV', '+noall', '+answer', '+additional']);
    assert.match(out, /web\.service\.consul\.\s+0\s+IN\s+SRV\s+1 1 8080 dev-21\.node\.dc1\.consul\./);
    assert.match(out, new RegExp(`dev-21\\.node\\.dc1\\.consul\\.\\s+0\\s+IN\\s+A\\s+${IP.replace(/\./g, '\\.')}`));
    const nx = await dig([`@${IP}`, '-p', '8600', 'nothere.service.consul']);
    assert.match(nx, /status: NXDOMAIN/);
    assert.match(nx, /AUTHORITY: 1/);
    const refused = await dig([`@${IP}`, '-p', '8600', 'example.com']);
    assert.match(refused, /status: REFUSED/);
  });

  it('lists services and members through the CLI, as tables and as JSON', async () => {
    const json = await cli('services', '--json');
    assert.equal(json.code, 0, json.stderr);
    const services = JSON.parse(json.stdout) as { ID: string; Service: string; Port: number; Tags: string[] }[];
    const web = services.find((s) => s.ID === 'web');
    assert.equal(web?.Port, 8080);
    assert.deepEqual(web?.Tags, ['v1']);
    const members = await cli('members');
    assert.equal(members.code, 0, members.stderr);
    assert.match(members.stdout, /dev-21\s+127\.0\.0\.21:8301\s+alive\s+server/);
    const catalog = await cli('catalog', 'services');
    assert.deepEqual(catalog.stdout.trim().split('\n'), ['consul', 'web']);
  });

  it('puts and gets KV values, recursively, with exit codes as Consul', async () => {
    assert.equal((await cli('kv', 'put', 'a/b', 'hello')).stdout.trim(), 'Success! Data written to: a/b');
    await cli('kv', 'put', 'a/c', 'world');
    assert.equal((await cli('kv', 'get', 'a/b')).stdout, 'hello\n');
    assert.equal((await cli('kv', 'get', '-recurse', 'a/')).stdout, 'a/b:hello\na/c:world\n');
    const missing = await cli('kv', 'get', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No key exists at: nope/);
    const res = await fetch(`http://${IP}:8500/v1/kv/a/b`);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const [entry] = (await res.json()) as { Value: string; Key: string }[];
    assert.equal(Buffer.from(entry!.Value, 'base64').toString(), 'hello');
    assert.equal((await cli('kv', 'delete', '-recurse', 'a/')).code, 0);
    assert.equal((await fetch(`http://${IP}:8500/v1/kv/a/b`)).status, 404);
  });

  it('a TTL check drives DNS: critical instances disappear, passing ones come back', async () => {
    const body = { Name: 'api', Port: 9000, Check: { CheckID: 'api-ttl', TTL: '30s' } };
    const reg = await fetch(`http://${IP}:8500/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(body) });
    assert.equal(reg.status, 200);
    await assert.rejects(resolver.resolve4('api.service.consul'), { code: 'ENOTFOUND' }, 'a new check starts critical');
    assert.equal((await cli('check', 'pass', 'api-ttl')).code, 0);
    assert.deepEqual(await resolver.resolve4('api.service.consul'), [IP]);
    const health = await fetch(`http://${IP}:8500/v1/health/service/api?passing`);
    const entries = (await health.json()) as { Checks: { CheckID: string; Status: string }[] }[];
    assert.deepEqual(entries[0]?.Checks.map((c) => [c.CheckID, c.Status]).sort(), [['api-ttl', 'passing'], ['serfHealth', 'passing']]);
    assert.equal((await cli('check', 'fail', 'api-ttl')).code, 0);
    await assert.rejects(resolver.resolve4('api.service.consul'), { code: 'ENOTFOUND' });
  });

  it('a blocking query returns when a write lands', async () => {
    const first = await fetch(`http://${IP}:8500/v1/kv/watched`);
    const index = Number(first.headers.get('x-consul-index'));
    assert.ok(index > 0);
    const waiting = fetch(`http://${IP}:8500/v1/kv/watched?index=${index}&wait=10s`);
    await new Promise((r) => setTimeout(r, 100));
    await cli('kv', 'put', 'watched', 'now');
    const res = await waiting;
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get('x-consul-index')) > index);
  });

  it('garbage DNS packets and garbage HTTP bodies leave the agent answering', async () => {
    const udp = createSocket('udp4');
    for (const junk of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(12, 0xff), Buffer.from('0000010000010000000000000377', 'hex')]) {
      await new Promise<void>((resolve) => udp.send(junk, 8600, IP, () => resolve()));
    }
    udp.close();
    await new Promise<void>((resolve) => {
      const tcp = connect(8600, IP, () => {
        tcp.end(Buffer.from([0xff, 0xff, 1, 2, 3]));
      });
      tcp.on('close', () => resolve());
      tcp.on('error', () => resolve());
    });
    const bad = await fetch(`http://${IP}:8500/v1/agent/service/register`, { method: 'PUT', body: '{"Name": ' });
    assert.equal(bad.status, 400);
    const invalid = await fetch(`http://${IP}:8500/v1/agent/service/register`, { method: 'PUT', body: '{"Port": "x"}' });
    assert.equal(invalid.status, 400);
    assert.match(await invalid.text(), /Port|Name/);
    const huge = await fetch(`http://${IP}:8500/v1/kv/big`, { method: 'PUT', body: Buffer.alloc(600 * 1024) });
    assert.equal(huge.status, 413);
    assert.deepEqual(await resolver.resolve4('web.service.consul'), [IP]);
    assert.equal((await fetch(`http://${IP}:8500/v1/status/leader`)).status, 200);
  });
});

describe('the CLI without an agent', () => {
  it('says which address it tried and how to start an agent, exit 1', async () => {
    const res = await roster(['members', '-http-addr', '127.0.0.29:8500']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /127\.0\.0\.29:8500/);
    assert.match(res.stderr, /roster agent -dev/);
    assert.equal(res.stderr.trim().split('\n').length, 1, `one line, got:\n${res.stderr}`);
  });
});
