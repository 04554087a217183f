// `roster event`: what it sends to the agent and what it prints.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBuilt, runAgainst } from './run-cli.js';
import { startFakeAgent, type FakeAgent } from './fake-agent.js';

const EVENT = {
  ID: '5e1b0b2c-8f6e-4c57-a2c5-3a7bd3f4e0a1', Name: 'deploy', Payload: Buffer.from('v1.2.3').toString('base64'),
  NodeFilter: '', ServiceFilter: 'web', TagFilter: 'canary', Version: 1, LTime: 0,
};

describe('roster event', () => {
  let agent: FakeAgent;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
  });
  after(() => agent.close());
  beforeEach(() => agent.reset());
  const requests = () => agent.requests.map((q) => [q.method, q.path, q.query, q.body.toString()]);

  test('PUTs /v1/event/fire/NAME with the filters as query parameters and the payload as the body', async () => {
    agent.on('PUT', '/v1/event/fire/deploy', { body: EVENT });
    const r = await runAgainst(agent.addr, ['event', '-name', 'deploy', '-service', 'web', '-tag', 'canary', 'v1.2.3']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `Event ID: ${EVENT.ID}\n`, '']);
    assert.deepEqual(requests(), [['PUT', '/v1/event/fire/deploy', [['service', 'web'], ['tag', 'canary']], 'v1.2.3']]);
  });

  test('--json prints the event as the agent returned it; no payload sends an empty body', async () => {
    agent.on('PUT', '/v1/event/fire/restart', { body: { ...EVENT, Name: 'restart', Payload: null, ServiceFilter: '', TagFilter: '', NodeFilter: '^web-' } });
    const r = await runAgainst(agent.addr, ['event', '-name', 'restart', '-node', '^web-', '--json']);
    assert.equal(r.code, 0);
    assert.equal((JSON.parse(r.stdout) as { Name: string; Payload: unknown }).Name, 'restart');
    assert.deepEqual(requests(), [['PUT', '/v1/event/fire/restart', [['node', '^web-']], '']]);
  });

  test('refuses before calling the agent: no -name, -tag without -service, a regex that does not compile', async () => {
    const noName = await runAgainst(agent.addr, ['event', 'payload']);
    assert.equal(noName.code, 1);
    assert.match(noName.stderr, /name/);
    const tagOnly = await runAgainst(agent.addr, ['event', '-name', 'x', '-tag', 'v1']);
    assert.deepEqual([tagOnly.code, tagOnly.stderr], [1, 'Error: Cannot provide tag filter without service filter.\n']);
    const badRe = await runAgainst(agent.addr, ['event', '-name', 'x', '-node', '(']);
    assert.equal(badRe.code, 1);
    assert.match(badRe.stderr, /^Error: Failed to compile node filter regexp/);
    assert.deepEqual(requests(), []);
  });

  test("an agent refusal is one line with the agent's message, exit 1", async () => {
    agent.on('PUT', '/v1/event/fire/big', { status: 413, body: 'user event exceeds configured limit of 512 bytes after encoding (530 bytes)' });
    const r = await runAgainst(agent.addr, ['event', '-name', 'big', 'x'.repeat(450)]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Error: user event exceeds configured limit of 512 bytes after encoding (530 bytes)\n']);
  });
});
