import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { checkTransitions, httpBlockingGet, summarizeServices, watchPath, type BlockingGet, type CheckRow } from '../../../src/tui/health.js';
import { formatSnapshot, memberFromHttp, takeSnapshot } from '../../../src/tui/snapshot.js';
import { member, snapshotFrame, T0, until } from './fixtures.js';

const check = (Node: string, ServiceName: string, Status: string, CheckID = `service:${ServiceName}`): CheckRow => ({
  Node, CheckID, Name: `${ServiceName || 'node'} check`, Status, ServiceID: ServiceName, ServiceName,
});

describe('monitor health data', () => {
  it('counts each service’s checks by state, listing services without checks too', () => {
    const summary = summarizeServices({ web: ['v1'], db: null, consul: [] }, [
      check('a', 'web', 'passing'), check('b', 'web', 'critical'), check('c', 'web', 'passing'), check('a', 'db', 'warning'), check('a', '', 'critical', 'serfHealth'),
    ]);
    assert.deepEqual(summary.map((s) => [s.name, s.passing, s.warning, s.critical]), [['consul', 0, 0, 0], ['db', 0, 1, 0], ['web', 2, 0, 1]]);
  });

  it('logs check transitions, not the first read', () => {
    assert.deepEqual(checkTransitions(null, [check('a', 'web', 'critical')], T0), []);
    const lines = checkTransitions([check('a', 'web', 'passing'), check('b', 'web', 'passing')], [check('a', 'web', 'critical'), check('b', 'web', 'passing'), check('c', 'web', 'passing')], T0);
    assert.deepEqual(lines.map((l) => [l.level, l.text]), [['error', 'check web check (web on a): passing → critical']]);
  });

  it('watches a path: blocks on the last index, reports changes only, backs off on errors', async () => {
    const seen: unknown[] = [];
    const errors: string[] = [];
    const calls: number[] = [];
    let n = 0;
    const get: BlockingGet = async (_path, index) => {
      calls.push(index);
      n++;
      if (n === 2) throw new Error('boom');
      if (n === 4) return { index: 7, body: 'same index: no callback' };
      if (n >= 6) await new Promise((r) => setTimeout(r, 1000));
      return { index: n < 4 ? 7 : 9, body: `v${n}` };
    };
    const stop = watchPath(get, '/x', (b) => seen.push(b), (e) => errors.push(e.message));
    await until('the third answer', () => (seen.length >= 3 ? true : undefined), () => JSON.stringify({ seen, calls }), 5_000);
    stop();
    assert.deepEqual(seen, ['v1', 'v3', 'v5']);
    assert.deepEqual(errors, ['boom']);
    assert.deepEqual(calls.slice(0, 5), [0, 7, 0, 7, 7], 'after an error the watch starts again from index 0');
  });
});

describe('monitor snapshot (no terminal)', () => {
  let server: Server;
  let address = '';
  const requests: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const routes: Record<string, unknown> = {
        '/v1/agent/self': { Config: { NodeName: 's1', Datacenter: 'dc1', Server: true } },
        '/v1/agent/members': [{ Name: 's1', Addr: '127.0.0.1', Port: 8301, Tags: { role: 'consul', dc: 'dc1', build: '0.1.0:roster' }, Status: 1 }, { Name: 'c2', Addr: '127.0.0.2', Port: 8301, Tags: { role: 'node', dc: 'dc1' }, Status: 4 }],
        '/v1/agent/members?wan=1': [{ Name: 's1.dc1', Addr: '127.0.0.1', Port: 8302, Tags: { role: 'consul', dc: 'dc1' }, Status: 1 }],
        '/v1/operator/raft/configuration?stale': { Servers: [{ ID: 'id-s1', Node: 's1', Address: '127.0.0.1:8300', Leader: true, Voter: true, ProtocolVersion: '3', LastIndex: 12 }], Index: 1 },
        '/v1/catalog/services': { web: [] },
        '/v1/health/state/any': [check('c2', 'web', 'critical')],
      };
      const body = routes[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json', 'x-consul-index': '3' });
      res.end(body === undefined ? 'not found' : JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('takes the membership and Raft from the stream, services from HTTP', async () => {
    const snap = await takeSnapshot({ grpcAddr: 'g:8502', httpAddr: address, get: httpBlockingGet(address), stream: async () => snapshotFrame() as never, now: () => T0 + 60_000 });
    assert.equal(snap.source, 'stream');
    assert.equal(snap.members.lan.length, 5);
    assert.deepEqual(snap.services?.map((s) => [s.name, s.critical]), [['web', 1]]);
    const text = formatSnapshot(snap);
    assert.match(text, /^roster monitor snapshot: s1 \(server, dc1\) at 2026-11-25T08:01:00\.000Z, via stream g:8502$/m);
    assert.match(text, /^Raft: leader s1, term 3, commit 40, applied 40, last index 42; this server is leader$/m);
    assert.match(text, /^s1\*\s+id-s1\s+127\.0\.0\.1:8300\s+yes\s+40\s+2\s+0ms$/m);
    assert.match(text, /^LAN members: 5 \(5 alive\)$/m);
    assert.match(text, /^s1\s+127\.0\.0\.1:8301\s+alive\s+leader\*\s+dc1\s+0\.1\.0\s+2m$/m);
    assert.match(text, /^WAN members: 3 \(3 alive\)$/m);
    assert.match(text, /^web\s+0\s+0\s+1$/m);
    assert.doesNotMatch(text, /\u001b/, 'no escape codes');
  });

  it('falls back to HTTP when the stream is refused, and says so', async () => {
    const snap = await takeSnapshot({ grpcAddr: 'g:8502', httpAddr: address, get: httpBlockingGet(address), stream: async () => { throw new Error('connection refused by g:8502'); } });
    assert.equal(snap.source, 'http');
    assert.deepEqual(snap.members.lan.map((m) => [m.name, m.status]), [['s1', 'alive'], ['c2', 'failed']]);
    assert.deepEqual(snap.members.wan?.map((m) => m.name), ['s1.dc1']);
    const text = formatSnapshot(snap);
    assert.match(text, /via HTTP/);
    assert.match(text, /^Raft: leader s1$/m);
    assert.match(text, /^s1\*\s+id-s1\s+127\.0\.0\.1:8300\s+yes\s+12$/m);
    assert.match(text, /^c2\s+127\.0\.0\.2:8301\s+failed\s+client\s+dc1\s+-\s+-$/m);
    assert.match(text, /^Note: stream: connection refused by g:8502; membership read over HTTP instead$/m);
  });

  it('fails when neither the stream nor HTTP answers', async () => {
    await assert.rejects(
      takeSnapshot({ grpcAddr: 'g:8502', httpAddr: '127.0.0.1:1', get: httpBlockingGet('127.0.0.1:1'), stream: async () => { throw new Error('refused'); } }),
      /cannot reach the agent: stream at g:8502 \(refused\), HTTP at 127\.0\.0\.1:1/,
    );
  });

  it('maps HTTP member statuses', () => {
    const base = { Name: 'x', Addr: '1.2.3.4', Port: 1, Tags: {}, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4 };
    assert.deepEqual([1, 2, 3, 4].map((Status) => memberFromHttp({ ...base, Status }).status), ['alive', 'left', 'left', 'failed']);
    assert.equal(member('a').status, 'alive');
  });
});
