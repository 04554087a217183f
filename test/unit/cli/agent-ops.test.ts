// check pass|warn|fail, join, leave: the commands that change the local agent's state.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBuilt, runAgainst } from './run-cli.js';
import { startFakeAgent } from './fake-agent.js';
import type { FakeAgent } from './fake-agent.js';

describe('agent operations', () => {
  let agent: FakeAgent;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
  });
  after(() => agent.close());
  beforeEach(() => agent.reset());
  const requests = () => agent.requests.map((q) => [q.method, q.path, q.query, q.body.toString()]);

  describe('check pass|warn|fail', () => {
    test('each verb PUTs its endpoint for the check ID', async () => {
      for (const verb of ['pass', 'warn', 'fail']) agent.on('PUT', `/v1/agent/check/${verb}/web-ttl`, {});
      const outputs = [];
      for (const verb of ['pass', 'warn', 'fail']) outputs.push(await runAgainst(agent.addr, ['check', verb, 'web-ttl']));
      assert.deepEqual(
        outputs.map((r) => [r.code, r.stdout, r.stderr]),
        [
          [0, 'Success! Check web-ttl is now passing\n', ''],
          [0, 'Success! Check web-ttl is now warning\n', ''],
          [0, 'Success! Check web-ttl is now critical\n', ''],
        ],
      );
      assert.deepEqual(requests(), [
        ['PUT', '/v1/agent/check/pass/web-ttl', [], ''],
        ['PUT', '/v1/agent/check/warn/web-ttl', [], ''],
        ['PUT', '/v1/agent/check/fail/web-ttl', [], ''],
      ]);
    });

    test('-note is sent as note; --json returns the update', async () => {
      agent.on('PUT', '/v1/agent/check/warn/service:web', {});
      const r = await runAgainst(agent.addr, ['check', 'warn', 'service:web', '-note', 'queue at 80%', '--json']);
      assert.equal(r.code, 0);
      assert.deepEqual(JSON.parse(r.stdout), { CheckID: 'service:web', Status: 'warning', Note: 'queue at 80%' });
      assert.deepEqual(requests(), [['PUT', '/v1/agent/check/warn/service:web', [['note', 'queue at 80%']], '']]);
    });

    test("an unknown or non-TTL check: the agent's message, exit 1", async () => {
      agent.on('PUT', '/v1/agent/check/pass/nope', { status: 404, body: 'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.' });
      const r = await runAgainst(agent.addr, ['check', 'pass', 'nope']);
      assert.deepEqual(
        [r.code, r.stdout, r.stderr],
        [1, '', 'Error: Unknown check ID "nope". Ensure that the check ID is passed, not the check name.\n'],
      );
    });

    test('the check ID is required', async () => {
      const r = await runAgainst(agent.addr, ['check', 'pass']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error: Missing 1 required arg:/);
    });
  });

  describe('force-leave', () => {
    test('PUTs the node, with wan and prune as flags; prints nothing on success', async () => {
      agent.on('PUT', '/v1/agent/force-leave/node-c', {});
      const r = await runAgainst(agent.addr, ['force-leave', 'node-c']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      agent.on('PUT', '/v1/agent/force-leave/s2.dc2', {});
      await runAgainst(agent.addr, ['force-leave', '-wan', '-prune', 's2.dc2']);
      assert.deepEqual(requests(), [
        ['PUT', '/v1/agent/force-leave/node-c', [], ''],
        ['PUT', '/v1/agent/force-leave/s2.dc2', [['wan', '1'], ['prune', '1']], ''],
      ]);
    });

    test('an unknown node is an error, exit 1', async () => {
      agent.on('PUT', '/v1/agent/force-leave/ghost', { status: 404, body: "agent: No node found with name 'ghost'" });
      const r = await runAgainst(agent.addr, ['force-leave', 'ghost']);
      assert.deepEqual([r.code, r.stderr], [1, "Error: agent: No node found with name 'ghost'\n"]);
    });
  });

  describe('join', () => {
    test('joins each address and counts the successes', async () => {
      agent.on('PUT', '/v1/agent/join/127.0.0.2:8301', {});
      agent.on('PUT', '/v1/agent/join/127.0.0.3', {});
      const r = await runAgainst(agent.addr, ['join', '127.0.0.2:8301', '127.0.0.3']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Successfully joined cluster by contacting 2 nodes.\n', '']);
      assert.deepEqual(requests(), [
        ['PUT', '/v1/agent/join/127.0.0.2:8301', [], ''],
        ['PUT', '/v1/agent/join/127.0.0.3', [], ''],
      ]);
    });

    test('-wan sends wan=1', async () => {
      agent.on('PUT', '/v1/agent/join/10.1.0.2:8302', {});
      const r = await runAgainst(agent.addr, ['join', '-wan', '10.1.0.2:8302']);
      assert.equal(r.code, 0);
      assert.deepEqual(agent.requests[0]?.query, [['wan', '1']]);
    });

    test('some failures are reported and do not fail the command', async () => {
      agent.on('PUT', '/v1/agent/join/good', {});
      agent.on('PUT', '/v1/agent/join/bad', { status: 500, body: '1 error occurred: dial tcp: connection refused' });
      const r = await runAgainst(agent.addr, ['join', 'bad', 'good', '--json']);
      assert.equal(r.code, 0);
      assert.deepEqual(JSON.parse(r.stdout), { Joined: 1, Failed: [{ Address: 'bad', Error: '1 error occurred: dial tcp: connection refused' }] });
      const human = await runAgainst(agent.addr, ['join', 'bad', 'good']);
      assert.equal(human.stdout, 'Successfully joined cluster by contacting 1 nodes.\n');
      assert.equal(human.stderr, "Error joining address 'bad': 1 error occurred: dial tcp: connection refused\n");
    });

    test('no address joined: exit 1', async () => {
      agent.on('PUT', '/v1/agent/join/bad', { status: 500, body: 'no route' });
      const r = await runAgainst(agent.addr, ['join', 'bad']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', "Error joining address 'bad': no route\nError: Failed to join any nodes.\n"]);
    });

    test('no address at all is a usage error, exit 1', async () => {
      const r = await runAgainst(agent.addr, ['join']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error: Missing 1 required arg:/);
      assert.equal(agent.requests.length, 0);
    });
  });

  describe('leave', () => {
    test('PUT /v1/agent/leave, then "Graceful leave complete"', async () => {
      agent.on('PUT', '/v1/agent/leave', {});
      const r = await runAgainst(agent.addr, ['leave']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Graceful leave complete\n', '']);
      assert.deepEqual(requests(), [['PUT', '/v1/agent/leave', [], '']]);
      const json = await runAgainst(agent.addr, ['leave', '--json']);
      assert.deepEqual(JSON.parse(json.stdout), { Left: true });
    });

    test('extra arguments are an error, exit 1, and the agent is not asked to leave', async () => {
      const r = await runAgainst(agent.addr, ['leave', 'now']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error: Unexpected argument: now/);
      assert.equal(agent.requests.length, 0);
    });
  });

  describe('maint', () => {
    test('-enable / -disable for the node and for a service, with Consul’s messages', async () => {
      agent.on('PUT', '/v1/agent/maintenance', {});
      agent.on('PUT', '/v1/agent/service/maintenance/web-1', {});
      const outputs = [
        await runAgainst(agent.addr, ['maint', '-enable', '-reason', 'kernel upgrade']),
        await runAgainst(agent.addr, ['maint', '-disable']),
        await runAgainst(agent.addr, ['maint', '-enable', '-service', 'web-1']),
        await runAgainst(agent.addr, ['maint', '-disable', '-service=web-1']),
      ];
      assert.deepEqual(
        outputs.map((r) => [r.code, r.stdout, r.stderr]),
        [
          [0, 'Node maintenance is now enabled\n', ''],
          [0, 'Node maintenance is now disabled\n', ''],
          [0, 'Service maintenance is now enabled for "web-1"\n', ''],
          [0, 'Service maintenance is now disabled for "web-1"\n', ''],
        ],
      );
      assert.deepEqual(requests(), [
        ['PUT', '/v1/agent/maintenance', [['enable', 'true'], ['reason', 'kernel upgrade']], ''],
        ['PUT', '/v1/agent/maintenance', [['enable', 'false']], ''],
        ['PUT', '/v1/agent/service/maintenance/web-1', [['enable', 'true']], ''],
        ['PUT', '/v1/agent/service/maintenance/web-1', [['enable', 'false']], ''],
      ]);
    });

    test('without -enable/-disable, lists what is in maintenance', async () => {
      agent.on('GET', '/v1/agent/self', { body: { Config: { NodeName: 'app1' }, Member: {} } });
      agent.on('GET', '/v1/agent/checks', {
        body: {
          _node_maintenance: { CheckID: '_node_maintenance', Name: 'Node Maintenance Mode', Status: 'critical', Notes: 'patching', Output: '', ServiceID: '' },
          '_service_maintenance:web': { CheckID: '_service_maintenance:web', Name: 'Service Maintenance Mode', Status: 'critical', Notes: 'deploy', Output: '', ServiceID: 'web' },
          'service:web': { CheckID: 'service:web', Name: 'web', Status: 'passing', Notes: '', Output: '', ServiceID: 'web' },
        },
      });
      const r = await runAgainst(agent.addr, ['maint']);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(r.stdout, 'Node:\n  Name:   app1\n  Reason: patching\n\nService:\n  ID:     web\n  Reason: deploy\n\n');
      const json = await runAgainst(agent.addr, ['maint', '--json']);
      assert.deepEqual(JSON.parse(json.stdout), { Node: { Name: 'app1', Reason: 'patching' }, Services: [{ ID: 'web', Reason: 'deploy' }] });
    });

    test('conflicting flags are refused before the agent is asked', async () => {
      const cases: [string[], string][] = [
        [['-enable', '-disable'], 'Error: Only one of -enable or -disable may be provided\n'],
        [['-disable', '-reason', 'x'], 'Error: Reason may only be provided with -enable\n'],
        [['-service', 'web'], 'Error: Service requires either -enable or -disable\n'],
      ];
      for (const [args, line] of cases) {
        const r = await runAgainst(agent.addr, ['maint', ...args]);
        assert.deepEqual([r.code, r.stderr], [1, line], args.join(' '));
      }
      assert.equal(agent.requests.length, 0);
    });

    test('an unknown service: the agent’s message, exit 1', async () => {
      agent.on('PUT', '/v1/agent/service/maintenance/ghost', { status: 404, body: 'No service registered with ID "ghost"' });
      const r = await runAgainst(agent.addr, ['maint', '-enable', '-service', 'ghost']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Error: No service registered with ID "ghost"\n']);
    });
  });

  describe('reload', () => {
    test('PUT /v1/agent/reload, then "Configuration reload triggered"; a failure is the agent’s message', async () => {
      agent.on('PUT', '/v1/agent/reload', {});
      const r = await runAgainst(agent.addr, ['reload']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Configuration reload triggered\n', '']);
      assert.deepEqual(requests(), [['PUT', '/v1/agent/reload', [], '']]);
      agent.on('PUT', '/v1/agent/reload', { status: 500, body: 'conf.d/web.json: service.Port: Expected number, received string' });
      const bad = await runAgainst(agent.addr, ['reload']);
      assert.deepEqual([bad.code, bad.stderr], [1, 'Error: conf.d/web.json: service.Port: Expected number, received string\n']);
    });
  });
});

