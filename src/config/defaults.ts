import type { PortsConfig } from './types.js';

/** Consul's defaults (agent/config/default.go), where roster has the same knob. */
export const DEFAULTS = {
  datacenter: 'dc1',
  domain: 'consul.',
  bindAddr: '0.0.0.0',
  clientAddr: '127.0.0.1',
  /** -dev binds everything to loopback. */
  devAddr: '127.0.0.1',
  /**
   * gRPC 8502 is roster's local agent API (the stream `roster monitor` watches), on every agent
   * and on the client address like HTTP — not Consul's xDS port, which is off outside -dev.
   */
  ports: { dns: 8600, http: 8500, grpc: 8502, serfLan: 8301, serfWan: 8302, server: 8300 } satisfies PortsConfig,
  devGrpcPort: 8502,
  udpAnswerLimit: 3,
  defaultQueryTime: '5m',
  maxQueryTime: '10m',
  kvMaxValueSize: 512 * 1024,
  /** retry_interval and retry_interval_wan. */
  retryInterval: '30s',
  /** Consul's raft_snapshot_threshold and raft_trailing_logs defaults. */
  raftSnapshotThreshold: 16_384,
  raftTrailingLogs: 10_240,
  /** Consul's raft_snapshot_interval (hashicorp/raft's is 120s). */
  raftSnapshotInterval: '30s',
  /** telemetry.metrics_prefix: Consul's, so existing dashboards keep working. */
  metricsPrefix: 'consul',
} as const;

/**
 * The HTTP body limit follows the KV value limit: a KV PUT body is the raw value, but a
 * /v1/txn body carries values base64-encoded (4/3 larger) inside a JSON envelope, hence the
 * growth factor plus a fixed margin for the envelope and headers-as-body cases.
 */
export function httpMaxBodyBytes(kvMaxValueSize: number): number {
  return Math.ceil((kvMaxValueSize * 4) / 3) + 64 * 1024;
}
