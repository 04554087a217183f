import type { LogLevel } from '../shared/logger.js';
import type { CheckDefinition, ServiceDefinition } from '../shared/definitions.js';

/** Listener ports; -1 disables a listener (Consul's convention). */
export interface PortsConfig {
  dns: number;
  http: number;
  grpc: number;
  serfLan: number;
  serfWan: number;
  server: number;
}

export interface DnsConfig {
  /** Answer TTL for node lookups, milliseconds (Consul's dns_config.node_ttl). */
  nodeTtlMs: number;
  /** Service name (or prefix ending in `*`, or `*`) → TTL in milliseconds. */
  serviceTtlMs: Record<string, number>;
  /** Drop `warning` instances too, not only `critical` ones. */
  onlyPassing: boolean;
  /** Answers kept in a non-EDNS UDP reply. */
  udpAnswerLimit: number;
  /** Instances that contribute A/AAAA answers (0 = all). */
  aRecordLimit: number;
  /** Set TC when a UDP reply was trimmed to fit (roster's default: true; Consul's: false). */
  enableTruncate: boolean;
  /** Node metadata as TXT records in the additional section. */
  enableAdditionalNodeMetaTxt: boolean;
  /** false: every DNS answer waits until this agent has caught up with the leader. */
  allowStale: boolean;
  /** How long since the leader was last heard from before DNS catches up first (max_stale). */
  maxStaleMs: number;
  /** Upstream resolvers, `ip:port`, for names outside our zones. */
  recursors: string[];
  /** How long one recursor has to answer, milliseconds (Consul's recursor_timeout, 2s). */
  recursorTimeoutMs: number;
  /** Ask recursors in the listed order, or in a random order per query. */
  recursorStrategy: 'sequential' | 'random';
}

/**
 * The agent's whole configuration after defaults, files and flags are merged and validated.
 * Frozen and passed down; nothing reads configuration another way.
 */
export interface AgentConfig {
  nodeName: string;
  /** Empty: generated (and, with a data dir, persisted) at start. */
  nodeId: string;
  datacenter: string;
  /** DNS domain with a trailing dot, lower-case ("consul."). */
  domain: string;
  altDomain: string;
  server: boolean;
  dev: boolean;
  bootstrap: boolean;
  bootstrapExpect: number;
  /** Empty in -dev: nothing is persisted. */
  dataDir: string;
  bindAddr: string;
  advertiseAddr: string;
  clientAddr: string;
  ports: PortsConfig;
  /** Base64 gossip key (16, 24 or 32 bytes); '' = gossip in clear. */
  encrypt: string;
  /**
   * Consul's raft_snapshot_threshold / raft_snapshot_interval / raft_trailing_logs: how many new
   * entries, checked how often, make a snapshot, and what log to keep behind it. readLease
   * (roster's raft_read_lease): `?consistent` reads answered from the leader's lease.
   */
  raft: { snapshotThreshold: number; snapshotIntervalMs: number; trailingLogs: number; readLease: boolean };
  retryJoin: string[];
  retryJoinWan: string[];
  /** Time between join attempts (Consul's retry_interval / retry_interval_wan, default 30s). */
  retryIntervalMs: number;
  retryIntervalWanMs: number;
  /** Join attempts before giving up and exiting with status 1; 0 = forever (default). */
  retryMax: number;
  retryMaxWan: number;
  /** Rejoin from the peer snapshot even after a graceful leave (-rejoin). */
  rejoinAfterLeave: boolean;
  /** SIGTERM leaves the cluster first (default: clients yes, servers no). */
  leaveOnTerminate: boolean;
  /** SIGINT does *not* leave the cluster (default: servers yes, clients no). */
  skipLeaveOnInterrupt: boolean;
  logLevel: LogLevel;
  logJson: boolean;
  nodeMeta: Record<string, string>;
  services: ServiceDefinition[];
  checks: CheckDefinition[];
  /** Script checks from any source: the HTTP API and config files (enable_script_checks). */
  enableScriptChecks: boolean;
  /** Script checks from config files only (enable_local_script_checks). */
  enableLocalScriptChecks: boolean;
  dns: DnsConfig;
  /** Blocking-query wait defaults, milliseconds. */
  defaultQueryTimeMs: number;
  maxQueryTimeMs: number;
  limits: {
    /** Largest request body the HTTP API reads. */
    httpMaxBodyBytes: number;
    kvMaxValueSize: number;
  };
  /** /v1/agent/metrics naming (Consul's telemetry block). */
  telemetry: {
    /** telemetry.metrics_prefix: the first part of every metric name ("consul"). */
    metricsPrefix: string;
    /**
     * The machine's host name, which go-metrics puts into every gauge name after the prefix
     * (`consul.<host>.runtime.alloc_bytes`); '' when telemetry.disable_hostname is set.
     */
    gaugeHostname: string;
  };
  /** Files the configuration came from, in merge order (for `agent/self` and error messages). */
  sources: string[];
}
