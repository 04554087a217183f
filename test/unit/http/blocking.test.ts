import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { blockingQuery, parseBlockingParams } from '../../../src/http/blocking.js';
import type { Clock, Timer } from '../../../src/shared/clock.js';
import { seededRandom } from '../../../src/shared/random.js';
import { newCatalog, nodeInput } from '../../helpers/catalog.js';
import { startHarness, type Harness } from './harness.js';

const elapsed = (since: number): number => Date.now() - since;

describe('blocking queries over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('X-Consul-Index is never 0, even on an empty catalog', async () => {
    for (const path of ['/v1/catalog/nodes', '/v1/catalog/services', '/v1/health/state/any', '/v1/kv/?keys']) {
      const res = await h.api(path);
      assert.equal(res.headers.get('x-consul-index'), '1', path);
    }
  });

  it('wakes on a write to a watched table and returns the new index', async () => {
    await h.put('/v1/catalog/register', { Node: 'n1', Address: '10.0.0.1' });
    const first = await h.api('/v1/catalog/nodes');
    const index = Number(first.headers.get('x-consul-index'));
    const started = Date.now();
    const pending = h.api(`/v1/catalog/nodes?index=${index}&wait=5s`);
    await new Promise((r) => setTimeout(r, 100));
    await h.put('/v1/catalog/register', { Node: 'n2', Address: '10.0.0.2' });
    const res = await pending;
    assert.ok(elapsed(started) < 2_000, 'returned on the write, not the timeout');
    assert.ok(Number(res.headers.get('x-consul-index')) > index);
    assert.deepEqual(((await res.json()) as { Node: string }[]).map((n) => n.Node), ['n1', 'n2']);
  });

  it('times out with the same index when nothing changes', async () => {
    const index = Number((await h.api('/v1/catalog/nodes')).headers.get('x-consul-index'));
    const started = Date.now();
    const res = await h.api(`/v1/catalog/nodes?index=${index}&wait=200ms`);
    const took = elapsed(started);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-consul-index'), String(index));
    // 200ms plus at most 200/16 ms of jitter (and some scheduling slack).
    assert.ok(took >= 190, `returned after ${took}ms`);
    assert.ok(took < 1_000, `returned after ${took}ms`);
  });

  it('a write to an unrelated row of a watched table does not end the wait early', async () => {
    await h.put('/v1/kv/watched', 'v1');
    const entry = (await (await h.api('/v1/kv/watched')).json()) as { ModifyIndex: number }[];
    const index = entry[0]!.ModifyIndex;
    const started = Date.now();
    const pending = h.api(`/v1/kv/watched?index=${index}&wait=400ms`);
    await new Promise((r) => setTimeout(r, 50));
    await h.put('/v1/kv/unrelated', 'x');
    const res = await pending;
    assert.ok(elapsed(started) >= 380, 'a spurious wake recomputed and kept waiting');
    assert.equal(res.headers.get('x-consul-index'), String(index));
  });

  it('a KV blocking read wakes when the key is written, deleted, or created', async () => {
    await h.put('/v1/kv/live', 'a');
    let index = Number((await h.api('/v1/kv/live')).headers.get('x-consul-index'));
    let pending = h.api(`/v1/kv/live?index=${index}&wait=5s`);
    await new Promise((r) => setTimeout(r, 50));
    await h.put('/v1/kv/live', 'b');
    let res = await pending;
    assert.equal(res.status, 200);
    index = Number(res.headers.get('x-consul-index'));

    pending = h.api(`/v1/kv/live?index=${index}&wait=5s`);
    await new Promise((r) => setTimeout(r, 50));
    await h.api('/v1/kv/live', { method: 'DELETE' });
    res = await pending;
    assert.equal(res.status, 404);
    const deletedAt = Number(res.headers.get('x-consul-index'));
    assert.ok(deletedAt > index);

    pending = h.api(`/v1/kv/live?index=${deletedAt}&wait=5s`);
    await new Promise((r) => setTimeout(r, 50));
    await h.put('/v1/kv/live', 'c');
    res = await pending;
    assert.equal(res.status, 200);
  });

  it('a recurse read sees a delete under its prefix', async () => {
    await h.put('/v1/kv/tree/a', '1');
    await h.put('/v1/kv/tree/b', '2');
    const index = Number((await h.api('/v1/kv/tree/?recurse')).headers.get('x-consul-index'));
    const pending = h.api(`/v1/kv/tree/?recurse&index=${index}&wait=5s`);
    await new Promise((r) => setTimeout(r, 50));
    await h.api('/v1/kv/tree/a', { method: 'DELETE' });
    const res = await pending;
    assert.ok(Number(res.headers.get('x-consul-index')) > index);
    assert.deepEqual(((await res.json()) as { Key: string }[]).map((e) => e.Key), ['tree/b']);
  });

  it('health/service wakes on a check status change', async () => {
    await h.put('/v1/catalog/register', { Node: 'n3', Address: '10.0.0.3', Service: { Service: 'db' }, Check: { Name: 'db-ok', ServiceID: 'db', Status: 'passing' } });
    const index = Number((await h.api('/v1/health/service/db?passing')).headers.get('x-consul-index'));
    const pending = h.api(`/v1/health/service/db?passing&index=${index}&wait=5s`);
    await new Promise((r) => setTimeout(r, 50));
    await h.put('/v1/catalog/register', { Node: 'n3', Address: '10.0.0.3', Check: { Name: 'db-ok', ServiceID: 'db', Status: 'critical' } });
    const res = await pending;
    assert.deepEqual(await res.json(), []);
  });

  it('a bad ?index or ?wait is a 400 before any waiting', async () => {
    const badIndex = await h.api('/v1/catalog/nodes?index=abc');
    assert.equal(badIndex.status, 400);
    assert.equal(await badIndex.text(), 'Invalid index');
    const badWait = await h.api('/v1/catalog/nodes?index=1&wait=soon');
    assert.equal(badWait.status, 400);
    assert.equal(await badWait.text(), 'Invalid wait time');
  });

  it('a client that goes away stops its wait', async () => {
    const index = Number((await h.api('/v1/catalog/nodes')).headers.get('x-consul-index'));
    const controller = new AbortController();
    const pending = h.api(`/v1/catalog/nodes?index=${index}&wait=60s`, { signal: controller.signal }).catch((e: Error) => e.name);
    await new Promise((r) => setTimeout(r, 50));
    const watches = (h.catalog.store as unknown as { watches: { size(): number } }).watches;
    assert.equal(watches.size(), 1, 'the blocking query is waiting on a watch');
    controller.abort();
    assert.equal(await pending, 'AbortError');
    // The server side stops waiting too: its watch is released well before ?wait runs out.
    const since = Date.now();
    while (watches.size() > 0 && elapsed(since) < 2_000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(watches.size(), 0, 'the server let go of the watch');
    // The server is unaffected.
    assert.equal((await h.api('/v1/catalog/nodes')).status, 200);
  });
});

/** A clock whose timers the test fires by hand, so the wait arithmetic can be checked exactly. */
class StepClock implements Clock {
  time = 0;
  timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  now(): number {
    return this.time;
  }
  monotonic(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    const timer = { at: this.time + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }
  setInterval(): Timer {
    throw new Error('not used');
  }
  advance(ms: number): void {
    this.time += ms;
    for (const t of this.timers) if (!t.cancelled && t.at <= this.time) {
      t.cancelled = true;
      t.fn();
    }
  }
}

describe('blockingQuery', () => {
  it('defaults and caps ?wait, and parses the index', () => {
    const limits = { defaultQueryTimeMs: 300_000, maxQueryTimeMs: 600_000 };
    assert.deepEqual(parseBlockingParams(new URLSearchParams(''), limits), { minIndex: 0, waitMs: 300_000 });
    assert.deepEqual(parseBlockingParams(new URLSearchParams('index=7&wait=10s'), limits), { minIndex: 7, waitMs: 10_000 });
    assert.deepEqual(parseBlockingParams(new URLSearchParams('index=7&wait=1h'), limits), { minIndex: 7, waitMs: 600_000 });
    assert.throws(() => parseBlockingParams(new URLSearchParams('index=-1'), limits), /Invalid index/);
  });

  it('adds jitter of at most wait/16 from the injected random source', async () => {
    const { store } = newCatalog();
    const clock = new StepClock();
    const random = { ...seededRandom(1), float: () => 0.5 };
    const done = blockingQuery({ reader: store, clock, random }, ['nodes'], { minIndex: 5, waitMs: 1_600 }, new AbortController().signal, () => ({ index: 3, value: 'x' }));
    await Promise.resolve();
    assert.equal(clock.timers.length, 1);
    assert.equal(clock.timers[0]!.at, 1_600 + 50);
    clock.advance(1_650);
    assert.deepEqual(await done, { index: 3, value: 'x' });
  });

  it('registers its watch before computing, so a write during compute is not lost', async () => {
    const { store, log } = newCatalog();
    await log.propose({ type: 'register', node: nodeInput('early', '10.0.0.8') });
    const clock = new StepClock();
    let calls = 0;
    const done = blockingQuery({ reader: store, clock, random: seededRandom(2) }, ['nodes'], { minIndex: 1, waitMs: 10_000 }, new AbortController().signal, () => {
      calls += 1;
      const result = { index: store.index('nodes'), value: store.nodes().map((n) => n.Node) };
      // The first computation races a write: it lands after the read, before the wait starts.
      if (calls === 1) void log.propose({ type: 'register', node: nodeInput('late', '10.0.0.9') });
      return result;
    });
    const result = await done;
    assert.equal(calls, 2);
    assert.deepEqual(result.value, ['early', 'late']);
    assert.equal(result.index, 2);
    assert.ok(clock.timers.every((t) => t.cancelled), 'the timeout timer was cancelled');
  });

  it('an index that does not move past minIndex keeps it waiting; 0 is reported as 1', async () => {
    const { store } = newCatalog();
    const clock = new StepClock();
    const done = blockingQuery({ reader: store, clock, random: { ...seededRandom(3), float: () => 0 } }, ['kvs'], { minIndex: 1, waitMs: 100 }, new AbortController().signal, () => ({ index: 0, value: null }));
    await Promise.resolve();
    clock.advance(100);
    assert.deepEqual(await done, { index: 1, value: null });
  });
});
