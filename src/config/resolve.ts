import { parseDuration } from '../shared/duration.js';
import { DEFAULTS, httpMaxBodyBytes } from './defaults.js';
import { configError } from './issues.js';
import type { LayerData } from './layer.js';
import type { MergedConfig } from './merge.js';
import type { NoteSink } from './notes.js';
import { checkNodeName } from './rules.js';
import type { AgentConfig, DnsConfig, PortsConfig } from './types.js';

export interface ResolveContext {
  dev: boolean;
  /** The machine's host name: the default node name, and part of gauge names. */
  hostname: string;
  /** Absolute paths of the files, in merge order. */
  sources: string[];
  note: NoteSink;
}

/** Names where a key came from, or the key itself when it is a default. */
type Where = (path: string) => string;

function resolveRole(d: LayerData, dev: boolean, where: Where, note: NoteSink): Pick<AgentConfig, 'server' | 'bootstrap' | 'bootstrapExpect'> {
  // -dev is a defaults layer in Consul: it implies server and bootstrap, and files may still say otherwise.
  const server = d.server ?? dev;
  let bootstrap = d.bootstrap ?? dev;
  let bootstrapExpect = d.bootstrap_expect ?? 0;
  if (bootstrapExpect > 0) {
    if (dev) throw configError(`${where('bootstrap_expect')}: Expect mode cannot be enabled when dev mode is enabled`);
    if (!server) throw configError(`${where('bootstrap_expect')}: bootstrap_expect requires server mode (set "server": true or pass -server)`);
    if (bootstrap) {
      throw configError(`${where('bootstrap_expect')}: bootstrap_expect and bootstrap are mutually exclusive (bootstrap set by ${where('bootstrap')})`);
    }
  }
  if (bootstrap && !server) {
    if (d.bootstrap === undefined) throw configError(`${where('server')}: -dev runs a server; remove "server": false or drop -dev`);
    throw configError(`${where('bootstrap')}: bootstrap requires server mode (set "server": true or pass -server)`);
  }
  if (bootstrapExpect === 1) {
    note({ level: 'warn', message: 'bootstrap_expect is 1: this is the same as bootstrap mode' });
    bootstrap = true;
    bootstrapExpect = 0;
  } else if (bootstrapExpect === 2) {
    note({ level: 'warn', message: 'bootstrap_expect is 2: a cluster of 2 servers has no failure tolerance' });
  } else if (bootstrapExpect > 2 && bootstrapExpect % 2 === 0) {
    note({ level: 'warn', message: `bootstrap_expect is ${bootstrapExpect}: an even number of servers does not improve failure tolerance` });
  }
  if (bootstrap && !dev) note({ level: 'warn', message: 'bootstrap mode: this server elects itself; never enable it on more than one server' });
  return { server, bootstrap, bootstrapExpect };
}

function resolveNodeName(d: LayerData, hostname: string, where: Where, note: NoteSink): string {
  const name = d.node_name ?? hostname;
  const from = d.node_name === undefined ? `node name (the hostname "${hostname}"; pass -node to choose one)` : where('node_name');
  const { error, warning } = checkNodeName(name);
  if (error) throw configError(`${from}: ${error}`);
  if (warning) note({ level: 'warn', message: warning });
  return name;
}

function resolveDataDir(d: LayerData, dev: boolean, where: Where, note: NoteSink): string {
  if (dev) {
    if (d.data_dir) note({ level: 'warn', message: `${where('data_dir')}: ignored in -dev mode, which keeps everything in memory` });
    return '';
  }
  if (!d.data_dir) throw configError('data_dir is required: pass -data-dir or set data_dir, or use -dev');
  return d.data_dir;
}

function resolveAddresses(d: LayerData, dev: boolean): Pick<AgentConfig, 'bindAddr' | 'advertiseAddr' | 'clientAddr'> {
  const bindAddr = d.bind_addr ?? (dev ? DEFAULTS.devAddr : DEFAULTS.bindAddr);
  // Consul advertises the host's single private IPv4 when bound to 0.0.0.0. Choosing it comes
  // with gossip (#3); until then loopback keeps a lone agent reachable from itself.
  const unspecified = bindAddr === '0.0.0.0' || bindAddr === '::';
  const advertiseAddr = d.advertise_addr ?? (unspecified ? (bindAddr === '::' ? '::1' : '127.0.0.1') : bindAddr);
  const clientAddr = d.client_addr ?? (dev ? DEFAULTS.devAddr : DEFAULTS.clientAddr);
  return { bindAddr, advertiseAddr, clientAddr };
}

function resolvePorts(d: LayerData, dev: boolean): PortsConfig {
  const p = d.ports ?? {};
  const base = DEFAULTS.ports;
  return {
    dns: p.dns ?? base.dns,
    http: p.http ?? base.http,
    grpc: p.grpc ?? (dev ? DEFAULTS.devGrpcPort : base.grpc),
    serfLan: p.serf_lan ?? base.serfLan,
    serfWan: p.serf_wan ?? base.serfWan,
    server: p.server ?? base.server,
  };
}

/** dns_config (and recursors) with Consul's defaults, roster's enable_truncate aside. */
export function resolveDns(d: LayerData): DnsConfig {
  const c = d.dns_config ?? {};
  return {
    nodeTtlMs: c.node_ttl === undefined ? 0 : parseDuration(c.node_ttl),
    serviceTtlMs: Object.fromEntries(Object.entries(c.service_ttl ?? {}).map(([name, ttl]) => [name, parseDuration(ttl)])),
    onlyPassing: c.only_passing ?? false,
    udpAnswerLimit: c.udp_answer_limit ?? DEFAULTS.udpAnswerLimit,
    aRecordLimit: c.a_record_limit ?? 0,
    // Beyond Consul (issue #6): a cut reply says so, and clients retry over TCP.
    enableTruncate: c.enable_truncate ?? true,
    enableAdditionalNodeMetaTxt: c.enable_additional_node_meta_txt ?? true,
    allowStale: c.allow_stale ?? true,
    // Consul's default: ten years, i.e. stale answers are always acceptable unless told otherwise.
    maxStaleMs: parseDuration(c.max_stale ?? '87600h'),
    recursors: d.recursors ?? [],
    recursorTimeoutMs: parseDuration(c.recursor_timeout ?? '2s'),
    recursorStrategy: c.recursor_strategy ?? 'sequential',
  };
}

/** Reports repeated service IDs: like Consul, the later definition replaces the earlier one. */
function noteDuplicateServices(d: LayerData, where: Where, note: NoteSink): void {
  const seen = new Set<string>();
  (d.services ?? []).forEach((service, i) => {
    if (seen.has(service.ID)) note({ level: 'warn', message: `${where(`services[${i}]`)}: service ID "${service.ID}" is defined twice; the later definition wins` });
    seen.add(service.ID);
  });
}

/** Defaults and the rules that span keys; the result is complete but not yet frozen. */
export function resolveConfig(merged: MergedConfig, ctx: ResolveContext): AgentConfig {
  const d = merged.data;
  const where: Where = (path) => merged.origin.get(path) ?? path;
  const { dev, note } = ctx;
  const kvMaxValueSize = d.limits?.kv_max_value_size ?? DEFAULTS.kvMaxValueSize;
  const nodeMeta = d.node_meta ?? {};
  if (Object.keys(nodeMeta).length > 64) throw configError(`${where('node_meta')}: at most 64 key/value pairs in total, got ${Object.keys(nodeMeta).length}`);
  noteDuplicateServices(d, where, note);
  const role = resolveRole(d, dev, where, note);
  return {
    nodeName: resolveNodeName(d, ctx.hostname, where, note),
    nodeId: d.node_id ?? '',
    datacenter: d.datacenter ?? DEFAULTS.datacenter,
    domain: d.domain ?? DEFAULTS.domain,
    altDomain: d.alt_domain ?? '',
    ...role,
    dev,
    dataDir: resolveDataDir(d, dev, where, note),
    ...resolveAddresses(d, dev),
    ports: resolvePorts(d, dev),
    encrypt: d.encrypt ?? '',
    raft: {
      snapshotThreshold: d.raft_snapshot_threshold ?? DEFAULTS.raftSnapshotThreshold,
      trailingLogs: d.raft_trailing_logs ?? DEFAULTS.raftTrailingLogs,
      snapshotIntervalMs: parseDuration(d.raft_snapshot_interval ?? DEFAULTS.raftSnapshotInterval),
      readLease: d.raft_read_lease ?? false,
    },
    retryJoin: d.retry_join ?? [],
    retryJoinWan: d.retry_join_wan ?? [],
    retryIntervalMs: parseDuration(d.retry_interval ?? DEFAULTS.retryInterval),
    retryIntervalWanMs: parseDuration(d.retry_interval_wan ?? DEFAULTS.retryInterval),
    retryMax: d.retry_max ?? 0,
    retryMaxWan: d.retry_max_wan ?? 0,
    rejoinAfterLeave: d.rejoin_after_leave ?? false,
    // Consul: servers stay in the cluster on a signal unless told otherwise; clients leave.
    leaveOnTerminate: d.leave_on_terminate ?? !role.server,
    skipLeaveOnInterrupt: d.skip_leave_on_interrupt ?? role.server,
    logLevel: d.log_level ?? (dev ? 'debug' : 'info'),
    logJson: d.log_json ?? false,
    nodeMeta,
    services: d.services ?? [],
    checks: d.checks ?? [],
    enableScriptChecks: d.enable_script_checks ?? false,
    enableLocalScriptChecks: d.enable_local_script_checks ?? false,
    dns: resolveDns(d),
    defaultQueryTimeMs: parseDuration(d.default_query_time ?? DEFAULTS.defaultQueryTime),
    maxQueryTimeMs: parseDuration(d.max_query_time ?? DEFAULTS.maxQueryTime),
    limits: { httpMaxBodyBytes: httpMaxBodyBytes(kvMaxValueSize), kvMaxValueSize },
    telemetry: {
      metricsPrefix: d.telemetry?.metrics_prefix ?? DEFAULTS.metricsPrefix,
      gaugeHostname: d.telemetry?.disable_hostname ? '' : ctx.hostname,
    },
    sources: ctx.sources,
  };
}
