import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBuilt, runAgainst } from './run-cli.js';
import { startFakeAgent } from './fake-agent.js';
import type { FakeAgent } from './fake-agent.js';

const tags = (role: string, extra: Record<string, string> = {}) => ({ role, dc: 'dc1', build: '0.1.0:abc123', vsn: '2', id: 'x', ...extra });
const member = (Name: string, Addr: string, Status: number, Tags: Record<string, string>) => ({
  Name, Addr, Port: 8301, Tags, Status, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
});
// Deliberately out of order: the command sorts servers first, then segment, then name.
const MEMBERS = [
  member('c0', '::1', 3, tags('node', { segment: 'seg-a' })),
  member('s2', '127.0.0.3', 4, tags('consul', { port: '8300' })),
  member('c1', '127.0.0.4', 1, tags('node')),
  member('s1', '127.0.0.2', 1, tags('consul', { port: '8300' })),
];

describe('roster members', () => {
  let agent: FakeAgent;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
  });
  after(() => agent.close());
  beforeEach(() => {
    agent.reset();
    agent.on('GET', '/v1/agent/members', { body: MEMBERS });
  });

  test('prints Consul\'s columns, servers first, and asks GET /v1/agent/members', async () => {
    const r = await runAgainst(agent.addr, ['members']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      [
        'Node  Address         Status  Type    Build  Protocol  DC   Partition  Segment',
        's1    127.0.0.2:8301  alive   server  0.1.0  2         dc1  default    <all>',
        's2    127.0.0.3:8301  failed  server  0.1.0  2         dc1  default    <all>',
        'c1    127.0.0.4:8301  alive   client  0.1.0  2         dc1  default    <default>',
        'c0    [::1]:8301      left    client  0.1.0  2         dc1  default    seg-a',
        '',
      ].join('\n'),
    );
    assert.deepEqual(agent.requests.map((q) => [q.method, q.path, q.query]), [['GET', '/v1/agent/members', []]]);
  });

  test('-status filters by regexp on the status name (single-dash form)', async () => {
    const r = await runAgainst(agent.addr, ['members', '-status=alive|left']);
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]),
      ['Node', 's1', 'c1', 'c0'],
    );
  });

  test('-detailed prints every tag as sorted k=v pairs', async () => {
    const r = await runAgainst(agent.addr, ['members', '-detailed', '-status', 'failed']);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      'Node  Address         Status  Tags\ns2    127.0.0.3:8301  failed  build=0.1.0:abc123,dc=dc1,id=x,port=8300,role=consul,vsn=2\n',
    );
  });

  test('-wan asks for the WAN pool', async () => {
    await runAgainst(agent.addr, ['members', '-wan']);
    assert.deepEqual(agent.requests[0]?.query, [['wan', '1']]);
  });

  test('--json prints exactly the matching members, in display order, as the API shaped them', async () => {
    const r = await runAgainst(agent.addr, ['members', '--json', '-status=^alive$']);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), [MEMBERS[3], MEMBERS[2]]);
  });

  test('no member matching -status: nothing printed, exit 2; with --json an empty list', async () => {
    const plain = await runAgainst(agent.addr, ['members', '-status=leaving']);
    assert.deepEqual([plain.code, plain.stdout, plain.stderr], [2, '', '']);
    const json = await runAgainst(agent.addr, ['members', '-status=leaving', '--json']);
    assert.equal(json.code, 2);
    assert.deepEqual(JSON.parse(json.stdout), []);
  });

  test('an invalid -status regexp is a one-line error, exit 1, and no request', async () => {
    const r = await runAgainst(agent.addr, ['members', '-status=(']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: invalid -status regexp: .+\n$/);
    assert.equal(agent.requests.length, 0);
  });
});
