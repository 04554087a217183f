/**
 * Microbenchmark of the pure Raft core: a 3-server in-memory cluster driven by closed-loop
 * clients, with no disk and no sockets. Reports proposals/s (CPU cost of the core) and what the
 * write path costs on the wire: messages (and, counting one frame per destination per Ready,
 * frames) per committed entry, and how far followers' apply trails the leader's.
 *
 *   node --import tsx test/sim/raft/core-bench.ts [--entries N] [-c 1,16,64] [--rounds-per-tick R] [--jitter J] [--json]
 *
 * The model: one "round" = every server handles its pending Readies (a drain of the driver's
 * loop), then every message produced is delivered (one network hop). A client whose entry the
 * leader applied proposes its next one in the next round. A tick happens every R rounds (R = 25
 * is a 50 ms tick at ~2 ms per write round trip, as in the agent). Not a test: prints figures.
 */
import { bootstrapLog, defaultRaftConfig, Raft, type RaftMessage, type Ready } from '../../../src/raft/core/index.js';
import { seededRandom } from '../../../src/shared/random.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1]! : fallback;
};
const totalEntries = Number(arg('--entries', '200000'));
const concurrencies = arg('-c', '1,16,64').split(',').map(Number);
const roundsPerTick = Number(arg('--rounds-per-tick', '25'));
/** A client proposes again 0..J rounds after its entry applied (think time: spreads batches). */
const jitter = Number(arg('--jitter', '2'));
const json = argv.includes('--json');

interface Result {
  c: number;
  entries: number;
  proposalsPerSec: number;
  msgsPerEntry: number;
  framesPerEntry: number;
  byType: Record<string, number>;
  /** Rounds from the leader applying an entry to a follower applying it: mean, max. */
  lagMeanRounds: number;
  lagMaxRounds: number;
  /** After the last proposal, rounds until every follower applied everything (idle catch-up). */
  idleCatchUpRounds: number;
}

function run(c: number, entries: number): Result {
  const ids = ['a', 'b', 'c'];
  const boot = bootstrapLog({ servers: ids.map((id) => ({ id, address: `${id}:1`, voter: true })) });
  const nodes = ids.map((id, i) => new Raft(
    { ...defaultRaftConfig(id), electionTicks: 10, heartbeatTicks: 2 },
    seededRandom(i + 1),
    { hardState: boot.hardState, snapshot: null, entries: boot.entries },
  ));
  const byId = new Map(ids.map((id, i) => [id, nodes[i]!]));
  const leader = nodes[0]!;
  let queue: RaftMessage[] = [];
  let round = 0;
  const applyRound = new Map<string, number[]>(ids.map((id) => [id, []]));
  let counting = false;
  let msgs = 0;
  let frames = 0;
  const byType: Record<string, number> = {};

  const processNode = (id: string, r: Raft): number[] => {
    const applied: number[] = [];
    while (r.hasReady()) {
      const rd: Ready = r.ready();
      if (counting) {
        msgs += rd.messages.length;
        frames += new Set(rd.messages.map((m) => m.to)).size;
        for (const m of rd.messages) byType[m.type] = (byType[m.type] ?? 0) + 1;
      }
      queue.push(...rd.messages);
      for (const e of rd.committed) {
        applied.push(e.index);
        const rounds = applyRound.get(id)!;
        rounds[e.index] = round;
      }
      r.advance(rd);
    }
    return applied;
  };
  const step = (): number[] => {
    round++;
    if (round % roundsPerTick === 0) for (const r of nodes) r.tick();
    let leaderApplied: number[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const a = processNode(ids[i]!, nodes[i]!);
      if (i === 0) leaderApplied = a;
    }
    const now = queue;
    queue = [];
    for (const m of now) byId.get(m.to)!.step(m);
    return leaderApplied;
  };

  leader.campaign();
  for (let i = 0; i < 50; i++) step();
  if (leader.status().role !== 'leader') throw new Error('no leader');

  const payload = new Uint8Array(100);
  const mine = new Set<number>();
  let inFlight = 0;
  let proposed = 0;
  const think = seededRandom(99);
  /** Round at which each waiting client proposes again. */
  const wakeAt: number[] = [];
  let done = 0;
  const firstIndex = leader.status().lastIndex + 1;
  counting = true;
  const t0 = process.hrtime.bigint();
  while (done < entries) {
    while (inFlight < c && proposed < entries) {
      const due = wakeAt.findIndex((r) => r <= round);
      if (wakeAt.length + inFlight >= c && due < 0) break;
      if (due >= 0) wakeAt.splice(due, 1);
      if (leader.propose(payload) !== 'accepted') throw new Error('refused');
      mine.add(leader.status().lastIndex);
      inFlight++;
      proposed++;
    }
    for (const idx of step()) {
      if (mine.delete(idx)) {
        inFlight--;
        done++;
        wakeAt.push(round + think.int(jitter + 1));
      }
    }
  }
  const t1 = process.hrtime.bigint();
  counting = false;
  const lastIndex = leader.status().lastIndex;
  const idleStart = round;
  let idleCatchUpRounds = -1;
  for (let i = 0; i < roundsPerTick * 10; i++) {
    step();
    if (ids.slice(1).every((id) => byId.get(id)!.status().applied >= lastIndex)) {
      idleCatchUpRounds = round - idleStart;
      break;
    }
  }
  let lagSum = 0;
  let lagMax = 0;
  let lagN = 0;
  const lr = applyRound.get('a')!;
  for (const f of ['b', 'c']) {
    const fr = applyRound.get(f)!;
    for (let i = firstIndex; i <= lastIndex; i++) {
      const l = lr[i];
      const x = fr[i];
      if (l === undefined || x === undefined) continue;
      lagSum += x - l;
      lagMax = Math.max(lagMax, x - l);
      lagN++;
    }
  }
  const secs = Number(t1 - t0) / 1e9;
  return {
    c, entries,
    proposalsPerSec: Math.round(entries / secs),
    msgsPerEntry: +(msgs / entries).toFixed(3),
    framesPerEntry: +(frames / entries).toFixed(3),
    byType: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, +(v / entries).toFixed(3)])),
    lagMeanRounds: +(lagSum / Math.max(1, lagN)).toFixed(2),
    lagMaxRounds: lagMax,
    idleCatchUpRounds,
  };
}

const results: Result[] = [];
for (const c of concurrencies) {
  run(c, Math.min(20000, totalEntries)); // warm-up
  results.push(run(c, totalEntries));
}
if (json) {
  console.log(JSON.stringify(results));
} else {
  console.log(`rounds per tick: ${roundsPerTick}; heartbeat every 2 ticks; client think time 0-${jitter} rounds`);
  console.log('c    proposals/s  msgs/entry  frames/entry  follower lag mean/max (rounds)  idle catch-up (rounds)  per type');
  for (const r of results) {
    console.log(
      `${String(r.c).padEnd(4)} ${String(r.proposalsPerSec).padStart(11)}  ${String(r.msgsPerEntry).padStart(10)}  ${String(r.framesPerEntry).padStart(12)}  ` +
      `${`${r.lagMeanRounds}/${r.lagMaxRounds}`.padStart(31)}  ${String(r.idleCatchUpRounds).padStart(22)}  ${JSON.stringify(r.byType)}`,
    );
  }
}
