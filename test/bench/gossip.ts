#!/usr/bin/env node
/**
 * Gossip benchmark: drives the seeded SWIM simulator (test/sim/simulator.ts) with DefaultLANConfig
 * and prints join/leave propagation, failure-detection latency, false positives under loss and
 * pauses, and wall-clock per scenario, each beside the memberlist/Lifeguard formula anchors.
 * Prints figures, asserts nothing. Same seed ⇒ same simulated figures (wall-clock varies).
 *
 *   node --import tsx test/bench/gossip.ts [--seed N] [--large] [--sizes 100,1000]
 */
import { performance } from 'node:perf_hooks';
import { DefaultLANConfig, type SwimConfig } from '../../src/gossip/core/index.js';
import { retransmitLimit, suspicionConfirmationsWanted, suspicionMinTimeout } from '../../src/gossip/core/scaling.js';
import { seededRandom, type Random } from '../../src/shared/random.js';
import { Sim, type Member } from '../sim/simulator.js';

const args = process.argv.slice(2);
const argVal = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed = Number(argVal('--seed') ?? 1);
const large = args.includes('--large');
const sizes = argVal('--sizes')?.split(',').map(Number) ?? (large ? [100, 1000, 5000] : [100, 1000]);
/**
 * `--part detect` (join, leave, crashes) or `--part fp` (false positives) runs half the scenarios;
 * both form the same seeded cluster. (Running the halves as parallel processes was tried: on the
 * 2-core box each process ran ~2x slower, so the default stays sequential.)
 */
const part = (argVal('--part') ?? 'all') as 'all' | 'detect' | 'fp';
const config: SwimConfig = { ...DefaultLANConfig };
const P = config.probeInterval;

/** Per size: crashes measured, and simulated minutes per false-positive scenario. */
function plan(n: number): { crashes: number; fpMinutes: number } {
  if (n <= 200) return { crashes: 10, fpMinutes: 10 };
  if (n <= 2000) return { crashes: 3, fpMinutes: 1 };
  return { crashes: 3, fpMinutes: 1 };
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const periods = (ms: number): string => `${(ms / P).toFixed(1)} periods`;
/**
 * Wall and CPU time since `t0` (a mark()). The box is shared, so CPU time (user + system of this
 * process) is the comparable figure; with `simMs` also CPU ms per simulated second.
 */
interface Mark { wall: number; cpu: NodeJS.CpuUsage; sim: number }
let currentSim: Sim | undefined;
const mark = (): Mark => ({ wall: performance.now(), cpu: process.cpuUsage(), sim: currentSim?.now ?? 0 });
const wall = (t0: Mark): string => {
  const cpu = process.cpuUsage(t0.cpu);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const simS = ((currentSim?.now ?? 0) - t0.sim) / 1000;
  const perSim = simS > 0 ? `, ${(cpuMs / simS).toFixed(0)} ms cpu per simulated s` : '';
  return `[wall ${((performance.now() - t0.wall) / 1000).toFixed(1)} s, cpu ${(cpuMs / 1000).toFixed(1)} s${perSim}]`;
};
function pct(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

type Listener = (now: number, observer: string, kind: string, m: Member) => void;

function benchSize(n: number): void {
  const { crashes, fpMinutes } = plan(n);
  const min = suspicionMinTimeout(config.suspicionMult, n, P);
  const max = config.suspicionMaxTimeoutMult * min;
  const k = suspicionConfirmationsWanted(config.suspicionMult, n);
  const doDetect = part !== 'fp';
  const doFp = part !== 'detect';
  if (part === 'fp') console.log(`   -- false-positive scenarios only for n=${n} (--part fp: no crashed members) --`);
  else console.log(`\n== n=${n}  DefaultLANConfig (probeInterval ${P} ms, probeTimeout ${config.probeTimeout} ms, gossip ${config.gossipNodes} nodes / ${config.gossipInterval} ms), seed ${seed}`);
  if (part !== 'fp') console.log(`   anchors (memberlist formulas): suspicion timeout min = suspicionMult·log10(n)·probeInterval = ${s(min)}, ` +
    `max = ×suspicionMaxTimeoutMult(${config.suspicionMaxTimeoutMult}) = ${s(max)}; confirmations to reach min k = ${k}; ` +
    `retransmits per broadcast = retransmitMult·ceil(log10(n+1)) = ${retransmitLimit(config.retransmitMult, n)}`);

  let listener: Listener | undefined;
  let joinEvents = 0;
  const sim = new Sim({
    seed, config, keepTrace: false,
    onEvent: (now, obs, kind, m) => {
      if (kind === 'member-join') joinEvents++;
      listener?.(now, obs, kind, m);
    },
  });
  currentSim = sim;
  const rnd: Random = seededRandom(seed * 31 + n);

  // ---- formation (not a headline figure, but printed: it is the setup cost) ----
  let t0 = mark();
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(sim.addNode().name);
  for (let i = 1; i < n; i++) sim.join(names[i]!, [names[0]!]);
  const formed = sim.runUntilTrue(() => joinEvents >= n * (n - 1), 600_000, 500);
  console.log(`   formation: ${n} nodes joining node-0 at once; all know all after ${formed === undefined ? 'NOT within 600 s' : s(formed)} ${wall(t0)}`);
  sim.runFor(5_000);

  const crashed = new Set<string>();
  const live = (): string[] => names.filter((x) => !crashed.has(x));
  const pickLive = (exclude: Set<string> = new Set()): string => {
    const pool = live().filter((x) => !exclude.has(x) && x !== names[0]);
    return pool[rnd.int(pool.length)]!;
  };

  /** Run until every live node other than `subject` has emitted `kind` about it; ms since start. */
  const untilAll = (subject: string, kinds: string[], maxMs: number, start: () => void): number | undefined => {
    const seen = new Set<string>();
    listener = (_now, obs, kind, m) => {
      if (m.name === subject && kinds.includes(kind) && !crashed.has(obs)) seen.add(obs);
    };
    const begin = sim.now;
    start();
    const need = (): number => live().filter((x) => x !== subject).length;
    const at = sim.runUntilTrue(() => seen.size >= need(), maxMs, 50);
    listener = undefined;
    return at === undefined ? undefined : at - begin;
  };

  // ---- join propagation: a fresh node joins through a random member ----
  const newcomer = `new-${n}`;
  if (doDetect) {
  t0 = mark();
  sim.addNode(newcomer);
  names.push(newcomer);
  const via = pickLive();
  const joinMs = untilAll(newcomer, ['member-join'], 120_000, () => sim.join(newcomer, [via]));
  console.log(`   join propagation (new node via ${via}): all ${live().length - 1} others know it after ` +
    `${joinMs === undefined ? 'NOT within 120 s' : `${s(joinMs)} = ${periods(joinMs)}`} ${wall(t0)}`);

  // ---- graceful leave propagation ----
  t0 = mark();
  const leaver = pickLive(new Set([newcomer]));
  const leaveMs = untilAll(leaver, ['member-leave'], 120_000, () => sim.leave(leaver));
  // The leaver stops once everyone has heard (memberlist: Leave, then Shutdown).
  sim.crash(leaver);
  crashed.add(leaver);
  console.log(`   leave propagation (${leaver}): all others see it left after ` +
    `${leaveMs === undefined ? 'NOT within 120 s' : `${s(leaveMs)} = ${periods(leaveMs)}`} ${wall(t0)}`);
  sim.runFor(5_000);

  // ---- failure detection ----
  t0 = mark();
  const detect: number[] = [];
  let undetected = 0;
  for (let c = 0; c < crashes; c++) {
    const victim = pickLive(new Set([newcomer]));
    const ms = untilAll(victim, ['member-failed'], max + 60_000, () => {
      sim.crash(victim);
      crashed.add(victim);
    });
    if (ms === undefined) undetected++;
    else detect.push(ms);
    sim.runFor(2_000 + rnd.int(P));
  }
  if (detect.length > 0) {
    console.log(`   failure detection (${crashes} crashes, until all live members mark it dead): ` +
      `median ${s(pct(detect, 50))} (${periods(pct(detect, 50))}), p99 ${s(pct(detect, 99))} (${periods(pct(detect, 99))}), ` +
      `min ${s(Math.min(...detect))}${undetected ? `, ${undetected} not detected in time` : ''} ${wall(t0)}`);
  } else {
    console.log(`   failure detection: none detected within ${s(max + 60_000)} ${wall(t0)}`);
  }
  console.log(`     anchor: ~1.58 periods expected until first probe (SWIM, e/(e-1)) + ${periods(P)} probe + suspicion in [${s(min)}, ${s(max)}] ` +
    `(→ ${s(min)} after ${k} independent confirmations) + dead-gossip spread`);

  }
  if (!doFp) return;
  // ---- false positives ----
  const durationMs = fpMinutes * 60_000;
  // Loss-free drain after each window, so suspicions raised in it resolve (refute or expire at >= min).
  const drainMs = min;
  const fpScenario = (label: string, setup: () => void, during: (end: number) => void, teardown: () => void): void => {
    t0 = mark();
    let declarations = 0;
    const incidents = new Set<string>();
    listener = (_now, _obs, kind, m) => {
      if (kind === 'member-failed' && !crashed.has(m.name)) {
        declarations++;
        if (process.env.GOSSIP_BENCH_DEBUG) console.log(`     [debug] ${_now} ${_obs} declares ${m.name}@${m.incarnation} dead; observer paused until ${sim.node(_obs).pausedUntil}, subject paused until ${sim.node(m.name).pausedUntil}`);
        incidents.add(`${m.name}@${m.incarnation}`);
      }
    };
    const liveCount = live().length;
    setup();
    during(sim.now + durationMs);
    teardown();
    sim.runFor(drainMs);
    listener = undefined;
    const memberHours = (liveCount * durationMs) / 3_600_000;
    console.log(`   false positives, ${label}, ${fpMinutes} simulated min × ${liveCount} live members (+${s(drainMs)} loss-free drain counted): ` +
      `${incidents.size} members declared dead (${(incidents.size / memberHours).toFixed(3)} per member-hour), ` +
      `${declarations} observer declarations (${(declarations / memberHours).toFixed(3)} per member-hour) ${wall(t0)}`);
  };
  for (const loss of [0.05, 0.2]) {
    fpScenario(`${loss * 100}% packet loss`, () => { sim.loss = loss; }, (end) => sim.runUntil(end), () => { sim.loss = 0; });
  }
  fpScenario('10% of members paused 2 s at random times (once per simulated minute each)', () => {}, (end) => {
    const pool = live().filter((x) => x !== newcomer);
    const chosen: string[] = [];
    while (chosen.length < Math.max(1, Math.round(pool.length / 10))) {
      const x = pool[rnd.int(pool.length)]!;
      if (!chosen.includes(x)) chosen.push(x);
    }
    const start = sim.now;
    const pauses: Array<[number, string]> = [];
    for (const x of chosen) for (let m = 0; m < fpMinutes; m++) pauses.push([start + m * 60_000 + rnd.int(60_000), x]);
    pauses.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    for (const [at, x] of pauses) {
      sim.runUntil(at);
      sim.pause(x, 2_000);
    }
    sim.runUntil(end);
  }, () => {});
  console.log(`     anchor: a live member is only declared dead if it fails to refute within the suspicion timeout [${s(min)}, ${s(max)}]; ` +
    `a 2 s pause is far below ${s(min)}, so the expected count is 0`);
  console.log(`   packets sent in total: ${sim.packetsSent}, simulated time ${s(sim.now)}`);
}

const t = performance.now();
const cpu0 = process.cpuUsage();
if (part === 'all') console.log(`gossip bench: sizes ${sizes.join(', ')}, seed ${seed}${large ? ' (--large)' : ''}`);
for (const n of sizes) benchSize(n);
const cpuTotal = process.cpuUsage(cpu0);
console.log(`\ntotal wall ${((performance.now() - t) / 1000).toFixed(1)} s, cpu ${((cpuTotal.user + cpuTotal.system) / 1e6).toFixed(1)} s`);
