/**
 * Timing and fan-out knobs, mirroring memberlist's DefaultLANConfig / DefaultWANConfig /
 * DefaultLocalConfig so operators' intuition (and Consul's docs) carry over. All times in ms.
 */
export interface SwimConfig {
  probeInterval: number;
  probeTimeout: number;
  /** Helpers asked to ping a target that missed its direct ack. */
  indirectChecks: number;
  suspicionMult: number;
  suspicionMaxTimeoutMult: number;
  retransmitMult: number;
  /** 0 disables the dedicated gossip tick. */
  gossipInterval: number;
  gossipNodes: number;
  /** Keep gossiping to recently dead nodes so a wrongly-declared one hears it and refutes. */
  gossipToTheDeadTime: number;
  /** 0 disables periodic push-pull (joins still push-pull). */
  pushPullInterval: number;
  awarenessMaxMultiplier: number;
  /** Max bytes of a compound packet (the primary message plus piggybacked broadcasts). */
  udpBufferSize: number;
  /**
   * Serf-style reconnect: every interval push-pull with one random dead (not left) member so a
   * healed partition merges again. memberlist alone never talks to the dead; serf adds this. 0 disables.
   */
  reconnectInterval: number;
  /** When false, a probe that misses its direct ack also asks the driver for a stream ping. */
  disableTcpPings: boolean;
  /** Upper bound on queued broadcasts; the oldest, most-sent ones go first. */
  maxBroadcastQueue: number;
  /** Serf/Consul reconnect_timeout: a member dead longer than this is reaped (forgotten). 0 never reaps. */
  reconnectTimeout: number;
  /** Serf TombstoneTimeout: a member left longer than this is reaped. 0 never reaps. */
  tombstoneTimeout: number;
  /** Serf ReapInterval: how often, at most, to look for members to reap. */
  reapInterval: number;
  /**
   * memberlist DeadNodeReclaimTime: a name held by a member dead for longer than this may be
   * claimed from another address (a left member's at once). Before that, an alive claim from a
   * different address is a name conflict and is refused. 0: only left names (memberlist's
   * default); Consul sets 30 s on both pools.
   */
  deadNodeReclaimTime: number;
}

export const DefaultLANConfig: Readonly<SwimConfig> = Object.freeze({
  probeInterval: 1000,
  probeTimeout: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  gossipInterval: 200,
  gossipNodes: 3,
  gossipToTheDeadTime: 30_000,
  pushPullInterval: 30_000,
  awarenessMaxMultiplier: 8,
  udpBufferSize: 1400,
  reconnectInterval: 30_000,
  disableTcpPings: false,
  maxBroadcastQueue: 4096,
  reconnectTimeout: 72 * 3600_000,
  tombstoneTimeout: 24 * 3600_000,
  reapInterval: 15_000,
  deadNodeReclaimTime: 30_000,
});

export const DefaultWANConfig: Readonly<SwimConfig> = Object.freeze({
  ...DefaultLANConfig,
  probeInterval: 5000,
  probeTimeout: 3000,
  suspicionMult: 6,
  gossipInterval: 500,
  gossipNodes: 4,
  gossipToTheDeadTime: 60_000,
  pushPullInterval: 60_000,
});

/** memberlist's DefaultLocalConfig: loopback / same-host clusters. */
export const DefaultLocalConfig: Readonly<SwimConfig> = Object.freeze({
  ...DefaultLANConfig,
  indirectChecks: 1,
  retransmitMult: 2,
  suspicionMult: 3,
  pushPullInterval: 15_000,
  probeTimeout: 200,
  probeInterval: 1000,
  gossipInterval: 100,
  gossipToTheDeadTime: 15_000,
});

/** Consul `-dev`-like timings: fast detection for tests and single-host development. */
export const FastTestConfig: Readonly<SwimConfig> = Object.freeze({
  ...DefaultLocalConfig,
  // Short suspicions leave little time to refute, so spread harder than the local preset does.
  indirectChecks: 3,
  retransmitMult: 4,
  probeInterval: 200,
  probeTimeout: 100,
  gossipInterval: 100,
  suspicionMult: 3,
  pushPullInterval: 5_000,
  gossipToTheDeadTime: 5_000,
  reconnectInterval: 5_000,
  reconnectTimeout: 30_000,
  tombstoneTimeout: 30_000,
  reapInterval: 1_000,
});
