import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NO_OPERATOR_MESSAGE } from '../../../src/http/routes/operator.js';
import { AppError } from '../../../src/shared/errors.js';
import { FakeOperator, THREE_SERVERS } from './fake-operator.js';
import { startHarness, type Harness } from './harness.js';

describe('/v1/operator/raft on a server agent', () => {
  let h: Harness;
  const op = new FakeOperator();
  before(async () => {
    h = await startHarness({ operator: op });
  });
  after(() => h.close());
  beforeEach(() => {
    op.calls.length = 0;
    op.failWith = undefined;
  });

  describe('GET configuration', () => {
    it("answers the port's view as JSON, from the leader by default", async () => {
      const res = await h.api('/v1/operator/raft/configuration');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(await res.json(), THREE_SERVERS);
      assert.deepEqual(op.calls, [['raftConfiguration', { stale: false }]]);
    });

    it('?stale asks for the local view; ?stale=false does not; ?dc of this datacenter is fine', async () => {
      await h.api('/v1/operator/raft/configuration?stale');
      await h.api('/v1/operator/raft/configuration?stale=true&dc=dc1');
      await h.api('/v1/operator/raft/configuration?stale=false');
      assert.deepEqual(op.calls, [
        ['raftConfiguration', { stale: true }],
        ['raftConfiguration', { stale: true }],
        ['raftConfiguration', { stale: false }],
      ]);
    });

    it('another ?dc is "No path to datacenter"; ?stale with ?consistent is a 400; neither reaches the port', async () => {
      const other = await h.api('/v1/operator/raft/configuration?dc=dc2');
      assert.deepEqual([other.status, await other.text()], [500, 'No path to datacenter']);
      const both = await h.api('/v1/operator/raft/configuration?stale&consistent');
      assert.deepEqual([both.status, await both.text()], [400, 'Cannot specify ?stale with ?consistent, conflicting semantics.']);
      assert.deepEqual(op.calls, []);
    });

    it("the port's failure is the reply: no leader is a 500 with its message", async () => {
      op.failWith = new AppError('UNAVAILABLE', 'No cluster leader');
      const res = await h.api('/v1/operator/raft/configuration');
      assert.deepEqual([res.status, await res.text()], [500, 'No cluster leader']);
    });
  });

  describe('DELETE peer', () => {
    it('?id removes by ID, ?address by address; 200 with an empty body', async () => {
      const byId = await h.api('/v1/operator/raft/peer?id=id-c', { method: 'DELETE' });
      assert.deepEqual([byId.status, await byId.text()], [200, '']);
      const byAddress = await h.api('/v1/operator/raft/peer?address=127.0.0.3:8300', { method: 'DELETE' });
      assert.equal(byAddress.status, 200);
      assert.deepEqual(op.calls, [
        ['removeRaftPeer', { id: 'id-c' }],
        ['removeRaftPeer', { address: '127.0.0.3:8300' }],
      ]);
    });

    it("neither (or an empty one) is Consul's 400; both is a 400; the port is not called", async () => {
      const consul = "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove";
      for (const query of ['', '?id=', '?address=']) {
        const res = await h.api(`/v1/operator/raft/peer${query}`, { method: 'DELETE' });
        assert.deepEqual([res.status, await res.text()], [400, consul], query);
      }
      const both = await h.api('/v1/operator/raft/peer?id=id-c&address=127.0.0.3:8300', { method: 'DELETE' });
      assert.deepEqual([both.status, await both.text()], [400, 'Must specify only one of ?id or ?address']);
      assert.deepEqual(op.calls, []);
    });

    it('an unknown peer is what the port says it is', async () => {
      op.failWith = new AppError('NOT_FOUND', 'no server with ID "nope" in the Raft configuration');
      const res = await h.api('/v1/operator/raft/peer?id=nope', { method: 'DELETE' });
      assert.deepEqual([res.status, await res.text()], [404, 'no server with ID "nope" in the Raft configuration']);
    });

    it('GET is not allowed', async () => {
      const res = await h.api('/v1/operator/raft/peer?id=x');
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'DELETE');
    });
  });

  describe('transfer-leader', () => {
    it('POST ?id hands over to that server and answers {"Success":true}', async () => {
      const res = await h.api('/v1/operator/raft/transfer-leader?id=id-a', { method: 'POST' });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { Success: true });
      assert.deepEqual(op.calls, [['transferLeader', 'id-a']]);
    });

    it('PUT works too; without ?id (or with an empty one) the server picks', async () => {
      assert.equal((await h.api('/v1/operator/raft/transfer-leader', { method: 'PUT' })).status, 200);
      assert.equal((await h.api('/v1/operator/raft/transfer-leader?id=', { method: 'POST' })).status, 200);
      assert.deepEqual(op.calls, [['transferLeader', undefined], ['transferLeader', undefined]]);
    });

    it('GET is a 405; a refused transfer is the port\'s error', async () => {
      assert.equal((await h.api('/v1/operator/raft/transfer-leader')).status, 405);
      op.failWith = new AppError('BAD_REQUEST', 'id-c is not a voter');
      const res = await h.api('/v1/operator/raft/transfer-leader?id=id-c', { method: 'POST' });
      assert.deepEqual([res.status, await res.text()], [400, 'id-c is not a voter']);
    });
  });
});

describe('operator endpoints on an agent that is not a server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('every one answers 500 with a message saying a server is needed', async () => {
    const requests: [string, RequestInit][] = [
      ['/v1/operator/raft/configuration', {}],
      ['/v1/operator/raft/configuration?stale', {}],
      ['/v1/operator/raft/peer?id=x', { method: 'DELETE' }],
      ['/v1/operator/raft/transfer-leader', { method: 'POST' }],
      ['/v1/snapshot', {}],
      ['/v1/snapshot', { method: 'PUT', body: 'anything' }],
    ];
    for (const [path, init] of requests) {
      const res = await h.api(path, init);
      assert.deepEqual([res.status, await res.text()], [500, NO_OPERATOR_MESSAGE], `${init.method ?? 'GET'} ${path}`);
    }
    assert.match(NO_OPERATOR_MESSAGE, /server agent/);
  });

  it('a malformed request is still a 400 first', async () => {
    const res = await h.api('/v1/operator/raft/peer', { method: 'DELETE' });
    assert.equal(res.status, 400);
  });
});
