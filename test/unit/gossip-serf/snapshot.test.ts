import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replaySnapshot, Snapshotter } from '../../../src/gossip/serf/snapshot.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const dirs: string[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roster-snap-'));
  dirs.push(dir);
  return join(dir, 'serf', 'local.snapshot');
}

function open(path: string, clock: ManualClock, opts: { rejoinAfterLeave?: boolean; minCompactSize?: number; clocks?: { clock: number; eventClock: number; queryClock: number } } = {}) {
  const clocks = opts.clocks ?? { clock: 0, eventClock: 0, queryClock: 0 };
  return {
    clocks,
    snap: Snapshotter.open({
      path, rejoinAfterLeave: opts.rejoinAfterLeave ?? false, clock, logger: silentLogger(),
      clocks: () => clocks, minCompactSize: opts.minCompactSize ?? 128 * 1024, flushIntervalMs: 500, syncIntervalMs: 5000,
    }),
  };
}

describe('serf snapshot', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('replays alive/not-alive records and the clocks; skips torn and unknown lines', () => {
    const warnings: string[] = [];
    const s = replaySnapshot(
      'alive: a 10.0.0.1:8301\nalive: b c 10.0.0.2:8301\nclock: 7\nevent-clock: 12\nnot-alive: a\n# note\nbogus line\nalive: d 10.0.0.4:83',
      false,
      (w) => warnings.push(w),
    );
    assert.deepEqual([...s.aliveNodes], [['b c', '10.0.0.2:8301']], 'names may hold spaces; the torn last line is ignored');
    assert.equal(s.lastClock, 7);
    assert.equal(s.lastEventClock, 12);
    assert.equal(s.leftGracefully, false);
    assert.equal(warnings.length, 1);
  });

  it('a leave forgets the peers and clocks, unless rejoin_after_leave', () => {
    const text = 'alive: a 10.0.0.1:8301\nevent-clock: 5\nleave\n';
    const plain = replaySnapshot(text, false);
    assert.equal(plain.aliveNodes.size, 0);
    assert.equal(plain.lastEventClock, 0);
    assert.equal(plain.leftGracefully, true);
    const rejoin = replaySnapshot(text, true);
    assert.deepEqual([...rejoin.aliveNodes.keys()], ['a']);
    assert.equal(rejoin.lastEventClock, 5);
    const later = replaySnapshot(`${text}alive: b 10.0.0.2:8301\n`, false);
    assert.deepEqual([...later.aliveNodes.keys()], ['b'], 'a member seen after the leave (a manual rejoin) counts again');
    assert.equal(later.leftGracefully, false);
  });

  it('buffers lines and writes them on the flush tick, fsyncing on the sync tick, not per line', async () => {
    const clock = new ManualClock();
    const path = tempPath();
    const { snap, clocks } = open(path, clock);
    snap.memberAlive('a', '10.0.0.1:8301');
    snap.memberAlive('a', '10.0.0.1:8301');
    snap.memberAlive('b', '10.0.0.2:8301');
    assert.equal(readFileSync(path, 'utf8'), '', 'nothing written before the flush interval');
    clocks.clock = 4;
    clock.advance(500);
    assert.equal(readFileSync(path, 'utf8'), 'alive: a 10.0.0.1:8301\nalive: b 10.0.0.2:8301\nclock: 3\n');
    assert.equal(snap.syncs, 0);
    snap.memberGone('a');
    clock.advance(5000);
    assert.equal(snap.syncs, 1, 'one fsync for all the lines written in the interval');
    clock.advance(5000);
    assert.equal(snap.syncs, 1, 'no fsync when nothing was written');
    await snap.close();
    const replayed = replaySnapshot(readFileSync(path, 'utf8'), false);
    assert.deepEqual([...replayed.aliveNodes.keys()], ['b']);
    assert.equal(replayed.lastClock, 3);
  });

  it('leave is written and synced at once, and stops recording', async () => {
    const clock = new ManualClock();
    const path = tempPath();
    const { snap } = open(path, clock);
    snap.memberAlive('a', '10.0.0.1:8301');
    snap.leave();
    assert.equal(snap.syncs, 1);
    snap.memberAlive('z', '10.0.0.9:8301');
    await snap.close();
    assert.equal(readFileSync(path, 'utf8'), 'alive: a 10.0.0.1:8301\nleave\n');
    const again = open(path, new ManualClock());
    assert.deepEqual(again.snap.previousNodes(seededRandom(1), 'me'), [], 'nothing to rejoin after a graceful leave');
    await again.snap.close();
    const rejoin = open(path, new ManualClock(), { rejoinAfterLeave: true });
    assert.deepEqual(rejoin.snap.previousNodes(seededRandom(1), 'me'), [{ name: 'a', addr: '10.0.0.1:8301' }]);
    await rejoin.snap.close();
  });

  it('compacts when the file outgrows its limit, keeping exactly the live state', async () => {
    const clock = new ManualClock();
    const path = tempPath();
    const { snap, clocks } = open(path, clock, { minCompactSize: 1024 });
    clocks.eventClock = 10;
    snap.userEvent(9);
    for (let i = 0; i < 100; i++) {
      snap.memberAlive(`node-${i % 5}`, `10.0.0.${i % 5}:8301`);
      snap.memberGone(`node-${i % 5}`);
      clock.advance(500);
    }
    snap.memberAlive('keep', '10.0.1.1:8301');
    assert.ok(snap.compactions > 0, 'compacted at least once');
    await snap.close();
    const text = readFileSync(path, 'utf8');
    assert.ok(text.length < 1024, `compacted file is small (${text.length} bytes)`);
    assert.ok(!existsSync(`${path}.compact`), 'no temporary file left behind');
    const replayed = replaySnapshot(text, false);
    assert.deepEqual([...replayed.aliveNodes], [['keep', '10.0.1.1:8301']]);
    assert.equal(replayed.lastEventClock, 9);
  });

  it('previousNodes leaves out this node and shuffles', async () => {
    const path = tempPath();
    const lines = Array.from({ length: 20 }, (_, i) => `alive: n${i} 10.0.0.${i}:8301\n`).join('');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${lines}alive: me 10.0.9.9:8301\n`);
    const { snap } = open(path, new ManualClock());
    const nodes = snap.previousNodes(seededRandom(5), 'me');
    assert.equal(nodes.length, 20);
    assert.ok(!nodes.some((n) => n.name === 'me'));
    assert.notDeepEqual(nodes.map((n) => n.name), Array.from({ length: 20 }, (_, i) => `n${i}`));
    await snap.close();
  });
});
