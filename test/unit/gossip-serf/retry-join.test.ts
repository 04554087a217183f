import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { retryJoin } from '../../../src/agent/gossip.js';
import type { GossipPool } from '../../../src/gossip/pool.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { ManualClock } from '../../helpers/manual-clock.js';

/** A pool whose join answers from a script: how many seeds answered at each attempt. */
function fakePool(clock: ManualClock, answers: number[]): { pool: GossipPool; attempts: { at: number; addrs: readonly string[] }[] } {
  const attempts: { at: number; addrs: readonly string[] }[] = [];
  const pool = {
    join: async (addrs: readonly string[]) => {
      attempts.push({ at: clock.now(), addrs });
      return answers.shift() ?? 0;
    },
    local: () => ({ addr: '127.0.0.9:8301' }),
  } as unknown as GossipPool;
  return { pool, attempts };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('retry join', () => {
  it('retries every retry_interval until an address answers, then stops', async () => {
    const clock = new ManualClock();
    const f = fakePool(clock, [0, 0, 1]);
    const t0 = clock.now();
    const r = retryJoin(f.pool, ['127.0.0.2', '127.0.0.3:9301'], 8301, { clock, logger: silentLogger(), intervalMs: 5_000 });
    await flush();
    assert.deepEqual(f.attempts.map((a) => a.addrs), [['127.0.0.2:8301', '127.0.0.3:9301']]);
    clock.advance(4_999);
    await flush();
    assert.equal(f.attempts.length, 1, 'not before the interval');
    clock.advance(1);
    await flush();
    clock.advance(5_000);
    await flush();
    assert.deepEqual(f.attempts.map((a) => a.at - t0), [0, 5_000, 10_000]);
    assert.equal(await r.done, 'joined');
    clock.advance(60_000);
    await flush();
    assert.equal(f.attempts.length, 3, 'no retries once joined');
  });

  it('with retry_max N, gives up after N failed attempts and reports it once', async () => {
    const clock = new ManualClock();
    const f = fakePool(clock, []);
    const errors: string[] = [];
    const r = retryJoin(f.pool, ['10.9.9.9'], 8301, { clock, logger: silentLogger(), intervalMs: 1_000, maxAttempts: 3, onGiveUp: (e) => errors.push(e.message) });
    for (let i = 0; i < 10; i++) {
      await flush();
      clock.advance(1_000);
    }
    assert.equal(f.attempts.length, 3);
    assert.equal(await r.done, 'gave-up');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /max attempts reached/);
  });

  it('retry_max 0 retries forever; cancel stops it', async () => {
    const clock = new ManualClock();
    const f = fakePool(clock, []);
    const r = retryJoin(f.pool, ['10.9.9.9'], 8301, { clock, logger: silentLogger(), intervalMs: 100, maxAttempts: 0 });
    for (let i = 0; i < 50; i++) {
      await flush();
      clock.advance(100);
    }
    assert.ok(f.attempts.length >= 50);
    r.cancel();
    assert.equal(await r.done, 'cancelled');
    const before = f.attempts.length;
    clock.advance(10_000);
    await flush();
    assert.equal(f.attempts.length, before);
  });

  it('treats a list holding only our own address as joined, without contacting anyone', async () => {
    const clock = new ManualClock();
    const f = fakePool(clock, []);
    const r = retryJoin(f.pool, ['127.0.0.9'], 8301, { clock, logger: silentLogger(), intervalMs: 1_000 });
    assert.equal(await r.done, 'joined');
    assert.deepEqual(f.attempts, []);
  });
});
