import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createApiClient } from '../../../src/client/api-client.js';
import { agentBaseUrl } from '../../../src/client/address.js';
import { AgentUnreachableError, ApiError } from '../../../src/client/transport.js';
import { AppError } from '../../../src/shared/errors.js';
import { startFakeAgent } from '../cli/fake-agent.js';
import type { FakeAgent } from '../cli/fake-agent.js';
import { closedPort } from '../../helpers/ports.js';


describe('agentBaseUrl', () => {
  test('accepts host:port, http:// and https:// and drops a trailing slash', () => {
    assert.equal(agentBaseUrl('127.0.0.1:8500'), 'http://127.0.0.1:8500');
    assert.equal(agentBaseUrl('http://10.0.0.1:8500/'), 'http://10.0.0.1:8500');
    assert.equal(agentBaseUrl('https://consul.example:8501'), 'https://consul.example:8501');
    assert.equal(agentBaseUrl('[::1]:8500'), 'http://[::1]:8500');
  });
  test('rejects unix sockets, other schemes and empty input with BAD_REQUEST', () => {
    for (const bad of ['unix:///tmp/agent.sock', 'ftp://x:1', '', 'http://']) {
      assert.throws(() => agentBaseUrl(bad), (err: unknown) => err instanceof AppError && err.code === 'BAD_REQUEST', bad);
    }
  });
  test('the default address is 127.0.0.1:8500', () => {
    assert.equal(createApiClient().baseUrl, 'http://127.0.0.1:8500');
  });
});

describe('createApiClient against a fake agent', () => {
  let agent: FakeAgent;
  before(async () => {
    agent = await startFakeAgent();
  });
  after(() => agent.close());
  beforeEach(() => agent.reset());

  test('kv paths keep slashes, escape the rest, and send flags as bare query parameters', async () => {
    agent.on('GET', '/v1/kv/a%20b/c', { status: 404 });
    // Keys listing answers; a recursive read of the same prefix finds nothing (404 ⇒ []).
    agent.on('GET', '/v1/kv/cfg/', (req) => (req.query.some(([k]) => k === 'keys') ? { body: ['cfg/a', 'cfg/b/'] } : { status: 404 }));
    const api = createApiClient({ address: agent.addr });
    assert.equal(await api.kvGet('a b/c'), null);
    assert.deepEqual(await api.kvKeys('cfg/', '/'), ['cfg/a', 'cfg/b/']);
    assert.deepEqual(await api.kvList('cfg/'), []);
    assert.deepEqual(
      agent.requests.map((r) => [r.method, r.path, r.query]),
      [
        ['GET', '/v1/kv/a%20b/c', []],
        ['GET', '/v1/kv/cfg/', [['keys', ''], ['separator', '/']]],
        ['GET', '/v1/kv/cfg/', [['recurse', '']]],
      ],
    );
  });

  test('kvPut sends the raw bytes with flags and cas; the boolean answer is returned', async () => {
    agent.on('PUT', '/v1/kv/bin', (req) => ({ body: req.query.some(([k]) => k === 'cas') ? false : true }));
    const api = createApiClient({ address: agent.addr });
    const bytes = new Uint8Array([0, 255, 10, 13]);
    assert.equal(await api.kvPut('bin', bytes, { flags: 7 }), true);
    assert.equal(await api.kvPut('bin', bytes, { cas: 0 }), false);
    assert.deepEqual(agent.requests[0]?.query, [['flags', '7']]);
    assert.deepEqual(agent.requests[1]?.query, [['cas', '0']]);
    assert.deepEqual([...agent.requests[0]!.body], [0, 255, 10, 13]);
  });

  test('registerService sends JSON; check updates carry the note; join sends wan=1', async () => {
    agent.on('PUT', '/v1/agent/service/register', {});
    agent.on('PUT', '/v1/agent/check/warn/service:web%2F1', {});
    agent.on('PUT', '/v1/agent/join/10.0.0.2:8302', {});
    const api = createApiClient({ address: agent.addr });
    await api.registerService({ Name: 'web', Port: 80 });
    await api.updateTtlCheck('service:web/1', 'warn', 'slow');
    await api.join('10.0.0.2:8302', { wan: true });
    assert.equal(agent.requests[0]?.contentType, 'application/json');
    assert.deepEqual(JSON.parse(agent.requests[0]!.body.toString()), { Name: 'web', Port: 80 });
    // `:` stays readable (as Go's PathEscape leaves it); `/` inside an ID must not split the path.
    assert.equal(agent.requests[1]?.path, '/v1/agent/check/warn/service:web%2F1');
    assert.deepEqual(agent.requests[1]?.query, [['note', 'slow']]);
    assert.deepEqual(agent.requests[2]?.query, [['wan', '1']]);
  });

  test("a non-2xx answer becomes an ApiError carrying the server's plain-text body", async () => {
    agent.on('GET', '/v1/catalog/nodes', { status: 500, body: 'No cluster leader\n' });
    agent.on('PUT', '/v1/agent/service/register', { status: 400, body: 'Invalid service: name\nmissing' });
    const api = createApiClient({ address: agent.addr });
    await assert.rejects(api.catalogNodes(), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 500);
      assert.equal(err.code, 'INTERNAL');
      assert.equal(err.message, 'No cluster leader');
      return true;
    });
    await assert.rejects(api.registerService({ Name: '' }), { code: 'BAD_REQUEST', message: 'Invalid service: name; missing' });
  });

  test('an empty error body still names the request and status', async () => {
    agent.on('GET', '/v1/agent/self', { status: 503 });
    await assert.rejects(createApiClient({ address: agent.addr }).self(), {
      code: 'UNAVAILABLE',
      message: 'GET /v1/agent/self: HTTP 503',
    });
  });

  test('invalid JSON from the agent is reported, not thrown as a SyntaxError', async () => {
    agent.on('GET', '/v1/agent/members', { body: 'not json' });
    await assert.rejects(createApiClient({ address: agent.addr }).members(), {
      code: 'INTERNAL',
      message: 'the agent sent invalid JSON for GET /v1/agent/members',
    });
  });
});

describe('unreachable agents', () => {
  test('connection refused is one line naming the address and how to fix it', async () => {
    const port = await closedPort();
    const api = createApiClient({ address: `127.0.0.1:${port}` });
    await assert.rejects(api.members(), (err: unknown) => {
      assert.ok(err instanceof AgentUnreachableError);
      assert.equal(err.code, 'UNAVAILABLE');
      assert.equal(
        err.message,
        `cannot reach a roster agent at http://127.0.0.1:${port} (connect ECONNREFUSED); start one with "roster agent -dev" or set --http-addr / ROSTER_HTTP_ADDR`,
      );
      return true;
    });
  });

  test('a silent server times out with the same kind of error', async () => {
    // Accepts connections and never answers.
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const api = createApiClient({ address: `127.0.0.1:${port}`, timeoutMs: 200 });
      await assert.rejects(api.services(), (err: unknown) => {
        assert.ok(err instanceof AgentUnreachableError);
        assert.match(err.message, new RegExp(`^cannot reach a roster agent at http://127\\.0\\.0\\.1:${port} \\(timed out after 0\\.2s\\);`));
        return true;
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
