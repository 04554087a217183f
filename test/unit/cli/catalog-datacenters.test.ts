import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBuilt, runAgainst } from './run-cli.js';
import { startFakeAgent, type FakeAgent } from './fake-agent.js';

describe('roster catalog datacenters', () => {
  let agent: FakeAgent;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
  });
  after(() => agent.close());
  beforeEach(() => agent.reset());

  test('prints the datacenters one per line, in the order the agent gave (nearest first)', async () => {
    agent.on('GET', '/v1/catalog/datacenters', { body: ['dc2', 'dc3', 'dc1'] });
    const r = await runAgainst(agent.addr, ['catalog', 'datacenters']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'dc2\ndc3\ndc1\n', '']);
    assert.deepEqual(agent.requests.map((q) => [q.method, q.path]), [['GET', '/v1/catalog/datacenters']]);
  });

  test('--json prints the list', async () => {
    agent.on('GET', '/v1/catalog/datacenters', { body: ['dc1', 'dc2'] });
    const r = await runAgainst(agent.addr, ['catalog', 'datacenters', '--json']);
    assert.deepEqual(JSON.parse(r.stdout), ['dc1', 'dc2']);
  });

  test('an agent error is one line on stderr and exit 1', async () => {
    agent.on('GET', '/v1/catalog/datacenters', { status: 500, body: 'No cluster leader' });
    const r = await runAgainst(agent.addr, ['catalog', 'datacenters']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: .*No cluster leader/);
  });
});
