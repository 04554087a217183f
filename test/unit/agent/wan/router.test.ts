import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoPathToDatacenterError, WanRouter, type RouterSerfCluster } from '../../../../src/agent/wan/router.js';
import type { Coordinate } from '../../../../src/gossip/coordinate/coordinate.js';
import type { MemberView } from '../../../../src/http/agent-port.js';
import { seededRandom } from '../../../../src/shared/random.js';

const ALIVE = 1;
const LEFT = 3;
const FAILED = 4;

function server(name: string, dc: string, ip: string, status = ALIVE, port = 8300): MemberView {
  return {
    Name: `${name}.${dc}`, Addr: ip, Port: 8302, Status: status,
    Tags: { role: 'consul', dc, id: `id-${name}`, port: String(port) },
    ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
  };
}

/** A coordinate `ms` milliseconds from the origin along the first axis. */
const at = (ms: number): Coordinate => ({ Vec: [ms / 1000, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: 0, Height: 10e-6 });

class FakeCluster implements RouterSerfCluster {
  constructor(
    public list: MemberView[],
    public coords: Map<string, Coordinate> = new Map(),
  ) {}
  members() {
    return this.list;
  }
  localName() {
    return 's1.dc1';
  }
  coordinate(name: string) {
    return this.coords.get(name);
  }
}

const members = [
  server('s1', 'dc1', '10.1.0.1'),
  server('s2', 'dc1', '10.1.0.2'),
  server('a1', 'dc2', '10.2.0.1'),
  server('a2', 'dc2', '10.2.0.2', ALIVE, 8400),
  server('a3', 'dc2', '10.2.0.3', FAILED),
  server('b1', 'dc3', '10.3.0.1'),
  server('c1', 'dc4', '10.4.0.1', LEFT),
];

describe('WAN router', () => {
  it('lists the live servers of a datacenter by RPC address, from the tags', () => {
    const router = new WanRouter('dc1', new FakeCluster(members), seededRandom(1));
    assert.deepEqual(router.servers('dc2').sort(), ['10.2.0.1:8300', '10.2.0.2:8400']);
    assert.deepEqual(router.servers('dc3'), ['10.3.0.1:8300']);
  });

  it('moves a server that failed to the back, so the next request tries another', () => {
    const router = new WanRouter('dc1', new FakeCluster(members), seededRandom(1));
    const [first, second] = router.servers('dc2');
    router.failed('dc2', first!);
    assert.deepEqual(router.servers('dc2'), [second, first]);
    router.failed('dc2', second!);
    assert.deepEqual(router.servers('dc2'), [first, second]);
  });

  it('an unknown datacenter is "No path to datacenter" (unknown); one with no live server (unreachable)', () => {
    const cluster = new FakeCluster(members);
    const router = new WanRouter('dc1', cluster, seededRandom(1));
    assert.throws(() => router.servers('dc9'), (err: unknown) => err instanceof NoPathToDatacenterError && err.reason === 'unknown' && err.message === 'No path to datacenter');
    // A datacenter whose servers all left is gone.
    assert.throws(() => router.servers('dc4'), (err: unknown) => err instanceof NoPathToDatacenterError && err.reason === 'unknown');
    cluster.list = members.map((m) => (m.Tags.dc === 'dc3' ? { ...m, Status: FAILED } : m));
    assert.throws(
      () => router.servers('dc3'),
      (err: unknown) => err instanceof NoPathToDatacenterError && err.reason === 'unreachable' && /^No path to datacenter: /.test(err.message) && err.code === 'UNAVAILABLE',
    );
    assert.equal(router.knows('dc3'), true);
    assert.equal(router.knows('dc9'), false);
  });

  it('ranks datacenters nearest first by the median RTT to their servers; ours first; unknown RTT last', () => {
    const list = [...members, server('b2', 'dc3', '10.3.0.2'), server('b3', 'dc3', '10.3.0.3'), server('d1', 'dc5', '10.5.0.1')];
    const coords = new Map<string, Coordinate>([
      ['s1.dc1', at(0)],
      ['s2.dc1', at(1)],
      ['a1.dc2', at(80)],
      ['a2.dc2', at(90)],
      ['a3.dc2', at(85)],
      // dc3: one far outlier; the median (20) puts it before dc2.
      ['b1.dc3', at(10)],
      ['b2.dc3', at(20)],
      ['b3.dc3', at(400)],
    ]);
    const router = new WanRouter('dc1', new FakeCluster(list, coords), seededRandom(1));
    assert.deepEqual(router.datacenters(), ['dc1', 'dc3', 'dc2', 'dc5']);
    const distances = router.datacenterDistances();
    assert.equal(distances[0]!.rtt, 0);
    assert.ok(Math.abs(distances[1]!.rtt - 0.02002) < 1e-9, `dc3 median ${distances[1]!.rtt}`);
    assert.equal(distances[3]!.rtt, Number.POSITIVE_INFINITY);
    // Moving dc3's servers away reorders the list.
    coords.set('b1.dc3', at(300));
    coords.set('b2.dc3', at(310));
    assert.deepEqual(router.datacenters(), ['dc1', 'dc2', 'dc3', 'dc5']);
  });

  it('without coordinates, datacenters sort by name after ours', () => {
    const router = new WanRouter('dc2', new FakeCluster(members), seededRandom(1));
    assert.deepEqual(router.datacenters(), ['dc2', 'dc1', 'dc3']);
  });
});
