/**
 * Per-run options. Like TigerBeetle's VOPR "swarm", most knobs are drawn from the seed, so a
 * batch of seeds covers calm and hostile networks, small and large messages, rare and frequent
 * crashes. Anything can be pinned with an override.
 */
import { seededRandom } from '../../../src/shared/random.js';

/** Deliberate bugs, to prove the checks can fail. Never on in a normal run. */
export type InjectedBug =
  /** Servers answer reads from their local state machine, without a read index. */
  | 'stale-reads'
  /** One server's state machine silently skips some writes. */
  | 'skip-apply'
  /** A restarted server forgets whom it voted for (its vote was never made durable). */
  | 'forget-vote'
  /** Every Ready is treated as un-fsync'd: a crash loses acknowledged entries. */
  | 'no-fsync'
  /** Every server sends a Ready's messages (votes, append acks) before its write is durable. */
  | 'early-acks';

export interface NetOptions {
  /** Probability a message is lost. */
  drop: number;
  /** Probability a message is delivered twice. */
  duplicate: number;
  /** One-way delay range in time units (a tick is TICK units). */
  delayMin: number;
  delayMax: number;
  /** Probability of an extra delay of up to `spikeMax` units (reordering). */
  spike: number;
  spikeMax: number;
  /** Per message sent: probability an old message (from the last 64) is delivered again. */
  replay: number;
}

export interface FaultOptions {
  /** Per tick: crash one running server (while a majority of voters stays up). */
  crash: number;
  /** Per tick: crash every server at once. */
  crashAll: number;
  /** Ticks until a crashed server restarts. */
  downTicks: [number, number];
  /** Probability a leader crashes after sending a Ready's messages but before persisting it. */
  crashMidReady: number;
  /** Per Ready without fsync: probability the OS flushes anyway. */
  backgroundFlush: number;
  /** Per tick: start a partition (when none is active). */
  partition: number;
  partitionTicks: [number, number];
  /** Per tick: pause one server (a GC pause / stopped VM): no ticks, no delivery. */
  pause: number;
  pauseTicks: [number, number];
  /** Per snapshot transfer: probability it fails. */
  snapshotFail: number;
  /** Per tick: the leader hands leadership to a random voter. */
  transfer: number;
  /** Per tick: a random server campaigns (an operator or a confused timer). */
  campaign: number;
  /** Per Ready: probability it is persisted asynchronously, `1..diskLatency` units later. */
  asyncPersist: number;
  diskLatency: number;
  /** Servers' tick periods vary from half to twice the nominal (clock skew), instead of ±10%. */
  clockSkew: boolean;
}

export interface SimOptions {
  seed: number;
  servers: number;
  clients: number;
  keys: number;
  /** Length of the faulty (safety) phase, in ticks. */
  ticks: number;
  /** After healing: ticks allowed for the cluster to converge and every client to finish an op. */
  livenessTicks: number;
  /** Client request timeout, in ticks. */
  clientTimeout: number;
  /** Take a snapshot every this many applied entries; keep `trailing` entries behind it. */
  snapshotEvery: number;
  trailing: number;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  /** Servers answer read-index requests from the leader's lease (RaftConfig.readLease). */
  readLease: boolean;
  /** Add a server (non-voter, then voter) and remove one during the run. */
  membership: boolean;
  net: NetOptions;
  faults: FaultOptions;
  bug: InjectedBug | null;
  /** Keep the whole trace (default: the last 400 lines). */
  fullTrace: boolean;
  /** Trace every message too. */
  traceMessages: boolean;
  /** Linearizability check budget. */
  checkSteps: number;
  /**
   * What clients do: `kv` (put/get/cas/delete) or `locks` (Consul-style acquire/release with a
   * LockIndex, one owner per client). Never drawn from the seed, so `kv` seeds replay as before.
   */
  workload: 'kv' | 'locks';
}

export const TICK = 10;

export const CALM_NET: NetOptions = { drop: 0, duplicate: 0, delayMin: 1, delayMax: 5, spike: 0, spikeMax: 0, replay: 0 };

export const NO_FAULTS: FaultOptions = {
  crash: 0, crashAll: 0, downTicks: [5, 50], crashMidReady: 0, backgroundFlush: 0.5,
  partition: 0, partitionTicks: [20, 100], pause: 0, pauseTicks: [5, 30], snapshotFail: 0,
  transfer: 0, campaign: 0, clockSkew: false, asyncPersist: 0, diskLatency: 5,
};

export type SimOverrides = Partial<Omit<SimOptions, 'net' | 'faults'>> & {
  net?: Partial<NetOptions>;
  faults?: Partial<FaultOptions>;
};

/** Options drawn from the seed ("swarm testing"), then overridden. */
export function swarmOptions(seed: number, overrides: SimOverrides = {}): SimOptions {
  const r = seededRandom(seed ^ 0x5eed5eed);
  const pick = <T>(xs: readonly T[]): T => xs[r.int(xs.length)]!;
  const chance = (p: number): boolean => r.float() < p;
  const delayMin = 1 + r.int(4);
  const net: NetOptions = {
    drop: pick([0, 0.01, 0.05, 0.1, 0.2]),
    duplicate: pick([0, 0, 0.02, 0.1]),
    delayMin,
    delayMax: delayMin + pick([2, 5, 10, 20]),
    spike: pick([0, 0.01, 0.05]),
    spikeMax: pick([20, 60, 150]),
    replay: pick([0, 0, 0.005, 0.02]),
  };
  const faults: FaultOptions = {
    crash: pick([0, 0.002, 0.005, 0.01]),
    crashAll: chance(0.3) ? 0.0005 : 0,
    downTicks: [2, pick([20, 60, 150])],
    crashMidReady: pick([0, 0.001, 0.01]),
    backgroundFlush: pick([0, 0.3, 0.9]),
    partition: pick([0, 0.005, 0.01, 0.02]),
    partitionTicks: [5, pick([30, 80, 200])],
    pause: pick([0, 0.002, 0.01]),
    pauseTicks: [2, pick([15, 40])],
    snapshotFail: pick([0, 0.1, 0.3]),
    transfer: pick([0, 0, 0.005, 0.02]),
    campaign: pick([0, 0, 0.002, 0.01]),
    clockSkew: chance(0.3),
    asyncPersist: pick([0, 0.3, 1]),
    diskLatency: pick([3, 10, 30]),
  };
  const base: SimOptions = {
    seed,
    servers: pick([3, 3, 5]),
    clients: 2 + r.int(4),
    keys: 1 + r.int(4),
    ticks: 1200,
    livenessTicks: 600,
    clientTimeout: pick([20, 40]),
    snapshotEvery: pick([8, 25, 100]),
    trailing: pick([0, 2, 10]),
    maxSizePerMsg: pick([600, 4096, 64 * 1024]),
    maxInflightMsgs: pick([1, 4, 64]),
    readLease: false,
    membership: chance(0.3),
    net,
    faults,
    bug: null,
    fullTrace: false,
    traceMessages: false,
    checkSteps: 2_000_000,
    workload: 'kv',
  };
  return {
    ...base,
    ...overrides,
    net: { ...net, ...overrides.net },
    faults: { ...faults, ...overrides.faults },
  } as SimOptions;
}
