import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RaftSim, runSim, SimFailure, type SimServer, type SimStats } from './cluster.js';
import { CALM_NET, NO_FAULTS, swarmOptions, TICK, type SimOverrides } from './options.js';

/** Run one seed; on failure, fail the test with the seed, the reason and the trace tail. */
function check(seed: number, overrides: SimOverrides = {}): SimStats {
  try {
    return runSim(swarmOptions(seed, overrides));
  } catch (err) {
    if (err instanceof SimFailure) assert.fail(`${err.report(40)}\nreplay: npm run sim -- --seed ${seed}`);
    throw err;
  }
}

/** Expect the run to fail; returns the failure. */
function expectFailure(seed: number, overrides: SimOverrides): SimFailure | null {
  try {
    runSim(swarmOptions(seed, overrides));
    return null;
  } catch (err) {
    if (err instanceof SimFailure) return err;
    throw err;
  }
}

/** A calm cluster for targeted scenarios: faults come only from the test. */
function calm(seed: number, overrides: SimOverrides = {}): RaftSim {
  const sim = new RaftSim(swarmOptions(seed, {
    servers: 3, clients: 3, keys: 2, snapshotEvery: 25, trailing: 2, membership: false,
    ...overrides, net: { ...CALM_NET, ...overrides.net }, faults: { ...NO_FAULTS, ...overrides.faults },
  }));
  sim.start();
  return sim;
}

function leaderOf(sim: RaftSim): string {
  assert.ok(sim.runUntilTrue(() => sim.currentLeader() !== null, 100), 'a leader is elected');
  return sim.currentLeader()!.id;
}

const SEEDS = Number(process.env['RAFT_SIM_SEEDS'] ?? 300);

describe('Raft simulation: random seeds (swarm options, faults on)', () => {
  it(`${SEEDS} seeds, 3 and 5 servers, hold every invariant and stay linearizable`, () => {
    const totals = { ops: 0, ok: 0, elections: 0, crashes: 0, snapshots: 0, membership: 0, lost: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const s = check(seed, { ticks: 800 });
      totals.ops += s.reads + s.writes;
      totals.ok += s.opsOk;
      totals.elections += s.elections;
      totals.crashes += s.crashes;
      totals.snapshots += s.snapshotsInstalled;
      totals.membership += s.membershipChanges;
      totals.lost += s.unsyncedLost;
    }
    // The runs did real work: faults fired and clients got answers.
    assert.ok(totals.ok > SEEDS * 100, `ok ops: ${totals.ok}`);
    assert.ok(totals.elections > SEEDS, `elections: ${totals.elections}`);
    assert.ok(totals.crashes > SEEDS, `crashes: ${totals.crashes}`);
    assert.ok(totals.snapshots > 0, 'some snapshots were installed');
    assert.ok(totals.membership > 0, 'some membership changes happened');
    assert.ok(totals.lost > 0, 'some crashes lost un-fsynced writes');
  });

  it('replays a seed exactly', () => {
    const a = check(77, { servers: 5 });
    const b = check(77, { servers: 5 });
    assert.deepEqual(a, b);
    assert.notEqual(check(78, { servers: 5 }).fingerprint, a.fingerprint);
  });
});

describe('Raft simulation: lock workload (acquire/release with LockIndex)', () => {
  const LOCK_SEEDS = Math.max(20, Math.floor(SEEDS / 5));
  it(`${LOCK_SEEDS} seeds across crashes, partitions and leader changes: linearizable, never two holders of one LockIndex`, () => {
    const totals = { acquired: 0, elections: 0, crashes: 0 };
    for (let seed = 1; seed <= LOCK_SEEDS; seed++) {
      // Frequent leader transfers and crashes on top of the seed's own faults.
      const s = check(seed, { ticks: 800, workload: 'locks', faults: { transfer: 0.01, crash: 0.01 } });
      totals.elections += s.elections;
      totals.crashes += s.crashes;
      totals.acquired += s.opsOk;
    }
    assert.ok(totals.acquired > LOCK_SEEDS * 50, `ok lock ops: ${totals.acquired}`);
    assert.ok(totals.elections > LOCK_SEEDS, `elections: ${totals.elections}`);
    assert.ok(totals.crashes > LOCK_SEEDS / 2, `crashes: ${totals.crashes}`);
  });

  it('a leader crash mid-workload: locks granted before and after carry distinct LockIndexes', () => {
    const sim = calm(31, { clients: 4, keys: 1, workload: 'locks' });
    const leader = sim.server(leaderOf(sim));
    sim.runTicks(30);
    sim.crash(leader, 'test');
    assert.ok(sim.runUntilTrue(() => (sim.currentLeader()?.id ?? leader.id) !== leader.id, 100), 'a new leader');
    sim.runTicks(40);
    sim.restart(leader);
    const stats = sim.finish();
    assert.equal(stats.checkVerdict, 'ok');
    const grants = sim.ops.filter((o) => o.input.op === 'acquire' && o.output && 'acquired' in o.output && o.output.acquired);
    assert.ok(grants.length > 5, `grants: ${grants.length}`);
  });

  it('the checks catch a state machine that skips writes', () => {
    let caught = 0;
    for (let seed = 1; seed <= 30 && caught === 0; seed++) {
      if (expectFailure(seed, { workload: 'locks', bug: 'skip-apply', ticks: 600 })) caught++;
    }
    assert.ok(caught > 0, 'some seed fails with skip-apply');
  });
});

describe('Raft simulation: targeted scenarios', () => {
  it('leader crash during writes: acknowledged writes survive, the rest stay unknown or fail', () => {
    for (const seed of [1, 2, 3]) {
      const sim = calm(seed, { clients: 4 });
      const leader = sim.server(leaderOf(sim));
      sim.runTicks(30);
      const okBefore = sim.stats.opsOk;
      assert.ok(okBefore > 10, `seed ${seed}: clients made progress (${okBefore})`);
      // Crash the leader while proposals are in flight.
      assert.ok(sim.runUntilTrue(() => leader.pendingWrites.size > 0, 50));
      sim.crash(leader, 'test');
      assert.ok(sim.runUntilTrue(() => (sim.currentLeader()?.id ?? leader.id) !== leader.id, 100), 'a new leader');
      sim.runTicks(30);
      sim.restart(leader);
      sim.runTicks(30);
      const stats = sim.finish();
      assert.ok(stats.opsOk > okBefore + 10, 'progress after the crash');
      assert.equal(stats.checkVerdict, 'ok');
    }
  });

  it('partitioned leader with clients on both sides: the minority serves nothing, the majority moves on', () => {
    for (const seed of [4, 5, 6]) {
      const sim = calm(seed, { servers: 5, clients: 4, clientTimeout: 20 });
      const old = leaderOf(sim);
      sim.runTicks(20);
      const others = sim.servers.map((s) => s.id).filter((id) => id !== old);
      const partitionedAt = sim.now;
      sim.partition([[old, 'c0', 'c1'], [...others, 'c2', 'c3']], 150, 'test: isolate leader');
      sim.runTicks(150);
      const during = sim.ops.filter((o) => o.startedAt > partitionedAt && o.ret !== undefined);
      const minority = during.filter((o) => o.client <= 1 && o.status === 'ok');
      const majority = during.filter((o) => o.client >= 2 && o.status === 'ok');
      assert.deepEqual(minority.map((o) => o.input), [], `seed ${seed}: the old leader's side completed nothing`);
      assert.ok(majority.length > 20, `seed ${seed}: the majority side made progress (${majority.length})`);
      assert.notEqual(sim.currentLeader()?.id, old);
      sim.heal();
      const stats = sim.finish();
      assert.equal(stats.checkVerdict, 'ok');
    }
  });

  it('crash-restart of the whole cluster loses un-fsynced writes but nothing committed', () => {
    let lost = 0;
    for (const seed of [7, 8, 9, 10]) {
      const sim = calm(seed, { faults: { backgroundFlush: 0 } });
      leaderOf(sim);
      for (let round = 0; round < 4; round++) {
        sim.runTicks(25 + round * 7);
        for (const s of sim.servers) sim.crash(s, 'test: power loss');
        sim.runTicks(3);
        for (const s of sim.servers) sim.restart(s);
      }
      const stats = sim.finish();
      lost += stats.unsyncedLost;
      assert.ok(stats.opsOk > 30, `seed ${seed}: progress across power losses (${stats.opsOk})`);
      assert.equal(stats.checkVerdict, 'ok');
    }
    assert.ok(lost > 0, 'the crashes did drop un-fsync\'d writes');
  });

  it('a follower cut off while the log is compacted catches up by snapshot', () => {
    const sim = calm(11, { snapshotEvery: 8, trailing: 0 });
    const leader = leaderOf(sim);
    const lagging = sim.servers.find((s) => s.id !== leader)!;
    sim.partition([[lagging.id]], 80, 'test: isolate follower');
    sim.runTicks(80);
    sim.heal();
    assert.ok(sim.runUntilTrue(() => sim.stats.snapshotsInstalled > 0, 100), 'a snapshot was installed');
    const stats = sim.finish();
    assert.equal(stats.checkVerdict, 'ok');
  });

  it('membership: add a non-voter, promote it, remove a voter, under faults', () => {
    let changes = 0;
    for (const seed of [12, 13, 14]) {
      const s = check(seed, { servers: 3, membership: true, ticks: 1000 });
      changes += s.membershipChanges;
    }
    assert.ok(changes >= 6, `membership changes: ${changes}`);
  });

  it('a single-server cluster elects itself, serves reads alone and survives restarts', () => {
    const sim = calm(17, { servers: 1, clients: 2 });
    const only = sim.server(leaderOf(sim));
    sim.runTicks(40);
    sim.crash(only, 'test');
    sim.restart(only);
    sim.runTicks(40);
    const stats = sim.finish();
    assert.ok(stats.opsOk > 50, `ops: ${stats.opsOk}`);
    assert.equal(stats.checkVerdict, 'ok');
  });

  it('a paused leader that wakes up cannot serve stale reads', () => {
    for (const seed of [15, 16]) {
      const sim = calm(seed, { clients: 4 });
      const leader = sim.server(leaderOf(sim));
      sim.runTicks(20);
      sim.pause(leader, 60);
      sim.runTicks(80);
      const stats = sim.finish();
      assert.equal(stats.checkVerdict, 'ok');
    }
  });
});

describe('Raft simulation: lease reads', () => {
  it('with raft_read_lease, reads stay linearizable when clocks agree and messages arrive within the margin', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const net = swarmOptions(seed).net;
      check(seed, {
        ticks: 800,
        readLease: true,
        // The lease's assumptions: clocks at one rate, delays under its 2-tick margin. Crashes,
        // pauses, partitions, drops and leadership transfers stay on.
        faults: { clockSkew: false },
        net: { delayMax: Math.min(net.delayMax, net.delayMin + 5), spike: 0, replay: 0 },
      });
    }
  });
});

describe('Raft simulation: the checks can fail (injected bugs)', () => {
  it('stale reads from followers are caught by the linearizability checker', () => {
    const kinds = [1, 2, 3].map((seed) => expectFailure(seed, { bug: 'stale-reads', servers: 3, faults: { crash: 0.01, partition: 0.02 } })?.kind);
    assert.ok(kinds.includes('linearizability'), `failures: ${kinds.join(', ')}`);
  });

  it('a state machine that skips writes is caught', () => {
    const f = expectFailure(1, { bug: 'skip-apply', servers: 3 });
    assert.ok(f, 'the run fails');
    assert.match(f.kind, /state-machine-safety|linearizability/);
  });

  it('un-fsynced acknowledgements lose committed data across a power loss', () => {
    const failures: string[] = [];
    for (const seed of [1, 2, 3]) {
      const sim = calm(seed, { bug: 'no-fsync', faults: { backgroundFlush: 0 } });
      try {
        leaderOf(sim);
        sim.runTicks(40);
        for (const s of sim.servers) sim.crash(s, 'test: power loss');
        for (const s of sim.servers) sim.restart(s);
        sim.runTicks(40);
        sim.finish();
      } catch (err) {
        if (!(err instanceof SimFailure)) throw err;
        failures.push(err.kind);
      }
    }
    assert.equal(failures.length, 3, `failures: ${failures.join(', ')}`);
  });

  it('acknowledging appends before they are durable (slow, pipelined disks) loses data across a power loss', () => {
    // Every Ready takes up to 10 ticks to fsync, so several are in flight at once; a power loss
    // then drops everything written but not synced. Correctly driven, no acknowledged write is lost.
    const powerLoss = (seed: number, bug: 'early-acks' | null): string | null => {
      const sim = calm(seed, { bug, faults: { backgroundFlush: 0, asyncPersist: 1, diskLatency: 100 } });
      try {
        const leader = leaderOf(sim);
        sim.runTicks(40);
        for (const s of sim.servers) sim.crash(s, 'test: power loss', 0);
        // The followers come back first and elect one of themselves from what they kept.
        for (const s of sim.servers) if (s.id !== leader) sim.restart(s);
        sim.runTicks(30);
        for (const s of sim.servers) sim.restart(s);
        sim.runTicks(40);
        sim.finish();
        return null;
      } catch (err) {
        if (!(err instanceof SimFailure)) throw err;
        return err.kind;
      }
    };
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    assert.deepEqual(seeds.map((seed) => powerLoss(seed, null)), seeds.map(() => null), 'the correct driver survives');
    const failures = seeds.map((seed) => powerLoss(seed, 'early-acks')).filter((kind) => kind !== null);
    assert.ok(failures.length >= 2, `early acks caught in only ${failures.length} of ${seeds.length} runs: ${failures.join(', ')}`);
  });

  it('a server that forgets its vote across a restart votes twice in one term', () => {
    const run = (bug: 'forget-vote' | null): SimFailure | null => {
      const sim = calm(21, { bug, faults: { backgroundFlush: 0 } });
      try {
        const [s1, s2, s3] = sim.servers as [SimServer, SimServer, SimServer];
        // s3 hears no votes and no appends; s1 campaigns and wins with s2's vote.
        sim.dropIf = (m) => m.to === s3.id || m.from === s3.id || (m.type === 'append' && m.from === s1.id);
        sim.runTicks(1);
        s1.core!.campaign();
        sim.runUntil(sim.now + 3 * TICK);
        assert.equal(s1.role, 'leader', 's1 won');
        // s2 restarts; s1 drops off the network; s3 campaigns in the same term.
        sim.crash(s2, 'test');
        sim.restart(s2);
        sim.partition([[s1.id]], 1000, 'test: isolate s1');
        sim.dropIf = null;
        s3.core!.campaign();
        sim.runTicks(3);
        return null;
      } catch (err) {
        if (err instanceof SimFailure) return err;
        throw err;
      }
    };
    assert.equal(run(null), null, 'with the vote persisted, nothing goes wrong');
    const f = run('forget-vote');
    assert.ok(f, 'forgetting the vote is caught');
    assert.match(f.kind, /double-vote|election-safety/);
  });
});
