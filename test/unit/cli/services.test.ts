import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, runAgainst } from './run-cli.js';
import { startFakeAgent } from './fake-agent.js';
import type { FakeAgent } from './fake-agent.js';

const service = (ID: string, Service: string, Tags: string[], Address: string, Port: number) => ({
  ID, Service, Tags, Meta: {}, Port, Address, SocketPath: '', TaggedAddresses: {}, Weights: { Passing: 1, Warning: 1 },
  EnableTagOverride: false, Datacenter: 'dc1', Kind: '',
});

describe('roster services', () => {
  let agent: FakeAgent;
  let dir: string;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
    dir = mkdtempSync(join(tmpdir(), 'roster-cli-services-'));
  });
  after(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => agent.reset());

  const sent = () => agent.requests.map((q) => ({ method: q.method, path: q.path, query: q.query, body: q.body.length ? JSON.parse(q.body.toString()) : undefined }));

  describe('list', () => {
    test('prints ID Service Tags Address Port sorted by ID', async () => {
      const web = service('web-1', 'web', ['v1', 'primary'], '10.0.0.5', 8080);
      const api = service('api', 'api', [], '', 9000);
      agent.on('GET', '/v1/agent/services', { body: { 'web-1': web, api } });
      const r = await runAgainst(agent.addr, ['services']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'ID     Service  Tags        Address   Port\napi    api                            9000\nweb-1  web      v1,primary  10.0.0.5  8080\n');
      assert.deepEqual(sent(), [{ method: 'GET', path: '/v1/agent/services', query: [], body: undefined }]);

      const json = await runAgainst(agent.addr, ['services', '--json']);
      assert.deepEqual(JSON.parse(json.stdout), [api, web]);
    });

    test('says so when the agent has no services', async () => {
      agent.on('GET', '/v1/agent/services', { body: {} });
      const r = await runAgainst(agent.addr, ['services']);
      assert.deepEqual([r.code, r.stdout], [0, 'No services registered on this agent.\n']);
      assert.deepEqual(JSON.parse((await runAgainst(agent.addr, ['services', '--json'])).stdout), []);
    });
  });

  describe('register', () => {
    beforeEach(() => agent.on('PUT', '/v1/agent/service/register', {}));

    test('from flags: one PUT with exactly the given fields', async () => {
      const r = await runAgainst(agent.addr, [
        'services', 'register', '-name=web', '-id', 'web-1', '-address=10.0.0.5', '-port=8080',
        '-tag=v1', '-tag', 'primary', '-meta', 'version=1.2', '-meta=query=a=b',
      ]);
      assert.equal(r.stderr, '');
      assert.deepEqual([r.code, r.stdout], [0, 'Registered service: web\n']);
      assert.deepEqual(sent(), [
        {
          method: 'PUT',
          path: '/v1/agent/service/register',
          query: [],
          body: { Name: 'web', ID: 'web-1', Address: '10.0.0.5', Port: 8080, Tags: ['v1', 'primary'], Meta: { version: '1.2', query: 'a=b' } },
        },
      ]);
      assert.equal(agent.requests[0]?.contentType, 'application/json');
    });

    test('--json returns the registered IDs and names', async () => {
      const r = await runAgainst(agent.addr, ['services', 'register', '--name', 'web', '--json']);
      assert.deepEqual(JSON.parse(r.stdout), [{ ID: 'web', Name: 'web' }]);
      assert.deepEqual(sent()[0]?.body, { Name: 'web' });
    });

    test('from a JSON {"Service": ...} file and a YAML services list, sent as written', async () => {
      const single = join(dir, 'web.json');
      writeFileSync(single, JSON.stringify({ Service: { Name: 'web', Port: 80, Check: { TTL: '10s' } } }));
      const many = join(dir, 'more.yaml');
      writeFileSync(many, 'services:\n  - name: api\n    id: api-1\n    port: 9000\n  - name: db\n    tags: [primary]\n');
      const r = await runAgainst(agent.addr, ['services', 'register', single, many]);
      assert.equal(r.stderr, '');
      assert.deepEqual([r.code, r.stdout], [0, 'Registered service: web\nRegistered service: api\nRegistered service: db\n']);
      assert.deepEqual(sent().map((q) => q.body), [
        { Name: 'web', Port: 80, Check: { TTL: '10s' } },
        { name: 'api', id: 'api-1', port: 9000 },
        { name: 'db', tags: ['primary'] },
      ]);
    });

    test('a bare service object in a file works too', async () => {
      const file = join(dir, 'bare.json');
      writeFileSync(file, JSON.stringify({ Name: 'cache', Port: 6379 }));
      const r = await runAgainst(agent.addr, ['services', 'register', file, '--json']);
      assert.deepEqual(JSON.parse(r.stdout), [{ ID: 'cache', Name: 'cache' }]);
    });

    test('an invalid definition fails naming the file, before anything is sent', async () => {
      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ Service: { Name: 'ok' } }));
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ Service: { Port: 80 } }));
      const r = await runAgainst(agent.addr, ['services', 'register', good, bad]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^Error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: service\\.Name: .+\\n$`));
      assert.equal(agent.requests.length, 0);
    });

    test('an unreadable file and unparsable JSON are one-line errors', async () => {
      const missing = await runAgainst(agent.addr, ['services', 'register', join(dir, 'nope.json')]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error: cannot read ${join(dir, 'nope.json')}: ENOENT\n`);
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{"Service": ');
      const r = await runAgainst(agent.addr, ['services', 'register', broken]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error: .*broken\.json: cannot parse: .+\n$/);
    });

    test('files and flags together, or neither, are rejected', async () => {
      const both = await runAgainst(agent.addr, ['services', 'register', '--name', 'x', join(dir, 'web.json')]);
      assert.deepEqual([both.code, both.stderr], [1, 'Error: give either service definition files or --name and its flags, not both\n']);
      const none = await runAgainst(agent.addr, ['services', 'register']);
      assert.deepEqual([none.code, none.stderr], [1, 'Error: give --name, or one or more service definition files\n']);
      assert.equal(agent.requests.length, 0);
    });

    test("the agent's refusal is printed as its plain-text body, exit 1", async () => {
      agent.on('PUT', '/v1/agent/service/register', { status: 400, body: 'Invalid Service Meta: Couldn\'t load metadata pair' });
      const r = await runAgainst(agent.addr, ['services', 'register', '--name', 'web']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', "Error: Invalid Service Meta: Couldn't load metadata pair\n"]);
    });

    test('a bad --meta pair is rejected locally', async () => {
      const r = await runAgainst(agent.addr, ['services', 'register', '--name', 'web', '--meta', 'novalue']);
      assert.deepEqual([r.code, r.stderr], [1, 'Error: --meta takes key=value, got "novalue"\n']);
    });
  });

  describe('deregister', () => {
    beforeEach(() => agent.on('PUT', '/v1/agent/service/deregister/web-1', {}));

    test('by -id', async () => {
      const r = await runAgainst(agent.addr, ['services', 'deregister', '-id=web-1']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Deregistered service: web-1\n', '']);
      assert.deepEqual(sent(), [{ method: 'PUT', path: '/v1/agent/service/deregister/web-1', query: [], body: undefined }]);
    });

    test('from a definition file: its ID, or its name when it has none', async () => {
      agent.on('PUT', '/v1/agent/service/deregister/db', {});
      const file = join(dir, 'dereg.json');
      writeFileSync(file, JSON.stringify({ Services: [{ ID: 'web-1', Name: 'web' }, { Name: 'db' }] }));
      const r = await runAgainst(agent.addr, ['services', 'deregister', file, '--json']);
      assert.equal(r.code, 0);
      assert.deepEqual(JSON.parse(r.stdout), [{ ID: 'web-1' }, { ID: 'db' }]);
      assert.deepEqual(agent.requests.map((q) => q.path), ['/v1/agent/service/deregister/web-1', '/v1/agent/service/deregister/db']);
    });

    test('needs -id or files, not both', async () => {
      const none = await runAgainst(agent.addr, ['services', 'deregister']);
      assert.deepEqual([none.code, none.stderr], [1, 'Error: give --id, or one or more service definition files\n']);
      const both = await runAgainst(agent.addr, ['services', 'deregister', '--id', 'x', 'f.json']);
      assert.deepEqual([both.code, both.stderr], [1, 'Error: give either --id or service definition files, not both\n']);
      assert.equal(agent.requests.length, 0);
    });
  });
});
