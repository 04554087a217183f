import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CoordinateTracker,
  DEFAULT_COORDINATE_CONFIG,
  VivaldiClient,
  decodePingPayload,
  distance,
  encodePingPayload,
  newCoordinate,
  type Coordinate,
} from '../../../src/gossip/coordinate/index.js';
import { seededRandom } from '../../../src/shared/random.js';

/** n nodes at known points on a plane (ms); the true RTT is their distance plus 2×access link. */
function world(n: number, seed: number): { rtt(i: number, j: number): number } {
  const r = seededRandom(seed);
  const points = Array.from({ length: n }, () => [r.float() * 100, r.float() * 100] as const);
  const access = Array.from({ length: n }, () => 1 + r.float() * 4);
  return {
    rtt: (i, j) => Math.hypot(points[i]![0] - points[j]![0], points[i]![1] - points[j]![1]) + access[i]! + access[j]!,
  };
}

/** Every node probes a random other once per cycle, as gossip would. */
function simulate(n: number, cycles: number, seed: number): VivaldiClient[] {
  const truth = world(n, 1);
  const random = seededRandom(seed);
  const clients = Array.from({ length: n }, () => new VivaldiClient(random));
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (let i = 0; i < n; i++) {
      let j = random.int(n - 1);
      if (j >= i) j++;
      clients[i]!.update(`n${j}`, clients[j]!.coordinate(), truth.rtt(i, j) / 1000);
    }
  }
  return clients;
}

function meanRelativeError(clients: VivaldiClient[], seedWorld = 1): number {
  const truth = world(clients.length, seedWorld);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < clients.length; i++) {
    for (let j = i + 1; j < clients.length; j++) {
      const estimate = distance(clients[i]!.coordinate(), clients[j]!.coordinate()) * 1000;
      sum += Math.abs(estimate - truth.rtt(i, j)) / truth.rtt(i, j);
      count++;
    }
  }
  return sum / count;
}

describe('Vivaldi coordinates', () => {
  it('start at the origin with serf\'s defaults', () => {
    const c = newCoordinate();
    assert.equal(c.Vec.length, 8);
    assert.deepEqual(c.Vec, [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(c.Error, 1.5);
    assert.equal(c.Height, 10e-6);
    assert.equal(DEFAULT_COORDINATE_CONFIG.gravityRho, 150);
    assert.equal(DEFAULT_COORDINATE_CONFIG.latencyFilterSize, 3);
    assert.equal(DEFAULT_COORDINATE_CONFIG.adjustmentWindowSize, 20);
    // Two fresh coordinates are two heights apart.
    assert.equal(distance(c, newCoordinate()), 20e-6);
  });

  it('distance adds heights and, when the sum stays positive, adjustments', () => {
    const a: Coordinate = { Vec: [0.003, 0.004, 0, 0, 0, 0, 0, 0], Error: 1, Adjustment: 0.001, Height: 0.001 };
    const b: Coordinate = { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1, Adjustment: 0.002, Height: 0.002 };
    assert.ok(Math.abs(distance(a, b) - (0.005 + 0.003 + 0.003)) < 1e-12);
    const negative = { ...b, Adjustment: -0.1 };
    assert.ok(Math.abs(distance(a, negative) - 0.008) < 1e-12, 'a negative total falls back to the raw distance');
  });

  it('converge on a synthetic latency matrix: estimates within 15% of the true RTTs on average', () => {
    const before = meanRelativeError(simulate(24, 0, 5));
    const after = meanRelativeError(simulate(24, 400, 5));
    assert.ok(before > 0.9, `untrained coordinates are useless (${before})`);
    assert.ok(after < 0.15, `mean relative error after 400 cycles: ${after}`);
  });

  it('are deterministic for a seed', () => {
    const a = simulate(8, 50, 42).map((c) => c.coordinate());
    const b = simulate(8, 50, 42).map((c) => c.coordinate());
    const other = simulate(8, 50, 43).map((c) => c.coordinate());
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, other);
  });

  it('take the median of the last three RTTs per peer (one outlier does not move them)', () => {
    const client = new VivaldiClient(seededRandom(1));
    const peer: Coordinate = { Vec: [0.01, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: 0, Height: 10e-6 };
    for (let i = 0; i < 50; i++) client.update('p', peer, 0.02);
    const settled = distance(client.coordinate(), peer);
    client.update('p', peer, 2); // one 2 s spike
    assert.ok(Math.abs(distance(client.coordinate(), peer) - settled) < 0.002, 'the spike was filtered out');
  });

  it('refuse unusable samples', () => {
    const client = new VivaldiClient(seededRandom(1));
    assert.throws(() => client.update('p', newCoordinate(), 11), /round trip time/);
    assert.throws(() => client.update('p', newCoordinate(), -1), /round trip time/);
    assert.throws(() => client.update('p', { ...newCoordinate(), Vec: [0, 0] }, 0.01), /dimensionality/);
    assert.throws(() => client.update('p', { ...newCoordinate(), Height: Number.NaN }, 0.01), /non-finite/);
    assert.deepEqual(client.coordinate(), newCoordinate());
  });

  it('travel in acks as a version byte and msgpack, and anything else is ignored', () => {
    const c: Coordinate = { Vec: [1, 2, 3, 4, 5, 6, 7, 8].map((x) => x / 1000), Error: 0.5, Adjustment: -0.0001, Height: 0.0002 };
    const bytes = encodePingPayload(c);
    assert.equal(bytes[0], 1);
    assert.ok(bytes.length < 150);
    assert.deepEqual(decodePingPayload(bytes), c);
    assert.equal(decodePingPayload(new Uint8Array([2, ...bytes.subarray(1)])), undefined);
    assert.equal(decodePingPayload(new Uint8Array([1, 0xc1])), undefined);
    assert.equal(decodePingPayload(undefined), undefined);
  });

  it('a tracker keeps our coordinate and each peer\'s, and forgets peers that leave', () => {
    const a = new CoordinateTracker('a', seededRandom(1));
    const b = new CoordinateTracker('b', seededRandom(2));
    for (let i = 0; i < 30; i++) {
      assert.equal(a.observe('b', 10, b.payload()), true);
      assert.equal(b.observe('a', 10, a.payload()), true);
    }
    const rtt = a.rtt('a', 'b')!;
    assert.ok(rtt > 0.005 && rtt < 0.015, `a→b estimated ${rtt}s for a true 10ms`);
    assert.deepEqual(a.all().map((e) => e.node), ['a', 'b']);
    assert.equal(a.observe('c', 10, new Uint8Array([9, 9])), false);
    assert.equal(a.rejected, 1);
    a.forget('b');
    assert.equal(a.get('b'), undefined);
    assert.equal(a.rtt('a', 'b'), undefined);
  });

  it('are computed without clocks, timers, I/O or ambient randomness', () => {
    const dir = new URL('../../../src/gossip/coordinate/', import.meta.url).pathname;
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const re of [/from\s+['"]node:/, /\bDate\b/, /\bperformance\b/, /\bset(Timeout|Interval|Immediate)\b/, /Math\.random/, /\bprocess\./]) {
        assert.ok(!re.test(src), `${f} matches ${re}`);
      }
    }
  });
});
