// operator raft list-peers | remove-peer | transfer-leader, against a fake agent.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRaftPeers, trailsLeaderBy } from '../../../src/cli/operator-view.js';
import { assertBuilt, runAgainst } from './run-cli.js';
import { startFakeAgent } from './fake-agent.js';
import type { FakeAgent } from './fake-agent.js';
import { THREE_SERVERS } from '../http/fake-operator.js';

describe('list-peers view', () => {
  test('trails: "-" for the leader or with no leader; singular for one commit', () => {
    assert.equal(trailsLeaderBy(10, 10, true), '-');
    assert.equal(trailsLeaderBy(10, undefined, false), '-');
    assert.equal(trailsLeaderBy(10, 10, false), '0 commits');
    assert.equal(trailsLeaderBy(9, 10, false), '1 commit');
    assert.equal(trailsLeaderBy(2, 10, false), '8 commits');
    // A follower reported ahead of a stale leader view never trails by a negative count.
    assert.equal(trailsLeaderBy(12, 10, false), '0 commits');
  });

  test('unknown node name and empty protocol read as Consul prints them', () => {
    const text = formatRaftPeers({ Index: 1, Servers: [{ ID: 'x', Node: '', Address: '10.0.0.9:8300', Leader: false, Voter: true, ProtocolVersion: '', LastIndex: 0 }] });
    assert.equal(text.split('\n')[1], '(unknown)  x   10.0.0.9:8300  follower  true   <=1           0             -');
  });
});

describe('operator raft', () => {
  let agent: FakeAgent;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
  });
  after(() => agent.close());
  beforeEach(() => agent.reset());
  const requests = () => agent.requests.map((q) => [q.method, q.path, q.query]);

  describe('list-peers', () => {
    test('prints Consul 1.17 columns: state, voter, commit index, trails leader by', async () => {
      agent.on('GET', '/v1/operator/raft/configuration', { body: THREE_SERVERS });
      const r = await runAgainst(agent.addr, ['operator', 'raft', 'list-peers']);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(
        r.stdout,
        [
          'Node   ID    Address         State     Voter  RaftProtocol  Commit Index  Trails Leader By',
          'alice  id-a  127.0.0.1:8300  follower  true   3             1167          0 commits',
          'bob    id-b  127.0.0.2:8300  leader    true   3             1167          -',
          'carol  id-c  127.0.0.3:8300  follower  false  3             1159          8 commits',
          '',
        ].join('\n'),
      );
      assert.deepEqual(requests(), [['GET', '/v1/operator/raft/configuration', []]]);
    });

    test('-stale is sent as ?stale; --json is the configuration as the agent sent it', async () => {
      agent.on('GET', '/v1/operator/raft/configuration', { body: THREE_SERVERS });
      const r = await runAgainst(agent.addr, ['operator', 'raft', 'list-peers', '-stale', '--json']);
      assert.equal(r.code, 0);
      assert.deepEqual(JSON.parse(r.stdout), THREE_SERVERS);
      assert.deepEqual(requests(), [['GET', '/v1/operator/raft/configuration', [['stale', '']]]]);
    });

    test("an agent that is not a server: its message, exit 1", async () => {
      agent.on('GET', '/v1/operator/raft/configuration', { status: 500, body: 'operator endpoints need a server agent' });
      const r = await runAgainst(agent.addr, ['operator', 'raft', 'list-peers']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Error: operator endpoints need a server agent\n']);
    });
  });

  describe('remove-peer', () => {
    test('-id and -address each send their one parameter', async () => {
      agent.on('DELETE', '/v1/operator/raft/peer', {});
      const byId = await runAgainst(agent.addr, ['operator', 'raft', 'remove-peer', '-id=id-c']);
      assert.deepEqual([byId.code, byId.stdout, byId.stderr], [0, 'Removed peer with id "id-c"\n', '']);
      const byAddress = await runAgainst(agent.addr, ['operator', 'raft', 'remove-peer', '-address', '127.0.0.3:8300', '--json']);
      assert.equal(byAddress.code, 0);
      assert.deepEqual(JSON.parse(byAddress.stdout), { Address: '127.0.0.3:8300' });
      assert.deepEqual(requests(), [
        ['DELETE', '/v1/operator/raft/peer', [['id', 'id-c']]],
        ['DELETE', '/v1/operator/raft/peer', [['address', '127.0.0.3:8300']]],
      ]);
    });

    test('neither or both: one line, exit 1, nothing sent', async () => {
      const neither = await runAgainst(agent.addr, ['operator', 'raft', 'remove-peer']);
      assert.deepEqual([neither.code, neither.stdout, neither.stderr], [1, '', 'Error: an address or id is required for the peer to remove\n']);
      const both = await runAgainst(agent.addr, ['operator', 'raft', 'remove-peer', '-id=a', '-address=10.0.0.1:8300']);
      assert.deepEqual([both.code, both.stderr], [1, 'Error: cannot give both an address and id\n']);
      assert.deepEqual(requests(), []);
    });

    test("the server's refusal is shown", async () => {
      agent.on('DELETE', '/v1/operator/raft/peer', { status: 500, body: 'No cluster leader' });
      const r = await runAgainst(agent.addr, ['operator', 'raft', 'remove-peer', '-id=x']);
      assert.deepEqual([r.code, r.stderr], [1, 'Error: No cluster leader\n']);
    });
  });

  describe('transfer-leader', () => {
    test('POSTs, with ?id when given; prints Success', async () => {
      agent.on('POST', '/v1/operator/raft/transfer-leader', { body: { Success: true } });
      const any = await runAgainst(agent.addr, ['operator', 'raft', 'transfer-leader']);
      assert.deepEqual([any.code, any.stdout, any.stderr], [0, 'Success\n', '']);
      const to = await runAgainst(agent.addr, ['operator', 'raft', 'transfer-leader', '-id=id-a', '--json']);
      assert.deepEqual(JSON.parse(to.stdout), { Success: true });
      assert.deepEqual(requests(), [
        ['POST', '/v1/operator/raft/transfer-leader', []],
        ['POST', '/v1/operator/raft/transfer-leader', [['id', 'id-a']]],
      ]);
    });

    test('a reply without Success is a failure, exit 1', async () => {
      agent.on('POST', '/v1/operator/raft/transfer-leader', { body: { Success: false } });
      const r = await runAgainst(agent.addr, ['operator', 'raft', 'transfer-leader']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error: Failed to transfer leadership/);
      assert.equal(r.stdout, '');
    });
  });
});
