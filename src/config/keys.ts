import type { ConfigNote, NoteSink } from './notes.js';

/**
 * Consul keys roster accepts and ignores, because ignoring them changes nothing a user relies
 * on (there is no UI to serve, no update check to skip). Keyed by path (a last part ending in `*`
 * stands for every key it starts); the note says why.
 * Anything that would change behaviour if honoured is in UNSUPPORTED_KEYS instead, so a config
 * never silently means less than it says.
 */
const IGNORED_KEYS: Record<string, [ConfigNote['level'], string]> = {
  ui: ['debug', 'roster has no web UI'],
  ui_config: ['debug', 'roster has no web UI'],
  ui_dir: ['debug', 'roster has no web UI'],
  ui_content_path: ['debug', 'roster has no web UI'],
  disable_update_check: ['debug', 'roster never checks for updates'],
  disable_anonymous_signature: ['debug', 'roster never checks for updates'],
  disable_host_node_id: ['debug', 'roster never derives the node ID from the host'],
  disable_remote_exec: ['debug', 'roster has no remote exec'],
  protocol: ['debug', 'roster speaks one protocol version'],
  raft_protocol: ['debug', 'roster implements Raft protocol 3 only'],
  reporting: ['debug', 'roster reports nothing'],
  enable_debug: ['warn', 'roster has no /debug/pprof endpoints'],
  // telemetry.metrics_prefix and disable_hostname are honoured; the sinks are not there.
  'telemetry.prometheus_retention_time': ['debug', 'roster always serves /v1/agent/metrics?format=prometheus'],
  'telemetry.statsd_address': ['warn', 'roster pushes metrics nowhere; scrape /v1/agent/metrics'],
  'telemetry.statsite_address': ['warn', 'roster pushes metrics nowhere; scrape /v1/agent/metrics'],
  'telemetry.dogstatsd_addr': ['warn', 'roster pushes metrics nowhere; scrape /v1/agent/metrics'],
  'telemetry.dogstatsd_tags': ['warn', 'roster pushes metrics nowhere; scrape /v1/agent/metrics'],
  'telemetry.circonus_*': ['warn', 'roster pushes metrics nowhere; scrape /v1/agent/metrics'],
  'telemetry.retry_failed_connection': ['debug', 'roster pushes metrics nowhere'],
  'telemetry.filter_default': ['warn', 'roster does not filter metrics'],
  'telemetry.prefix_filter': ['warn', 'roster does not filter metrics'],
  'telemetry.enable_host_metrics': ['warn', 'roster has no host metrics'],
  'telemetry.disable_compat_1.9': ['debug', 'roster has no pre-1.9 metric names'],
  'telemetry.disable_per_tenancy_usage_metrics': ['debug', 'roster has no usage metrics'],
  log_file: ['warn', 'roster logs to stderr only'],
  log_rotate_bytes: ['warn', 'roster logs to stderr only'],
  log_rotate_duration: ['warn', 'roster logs to stderr only'],
  log_rotate_max_files: ['warn', 'roster logs to stderr only'],
  enable_syslog: ['warn', 'roster logs to stderr only'],
  syslog_facility: ['warn', 'roster logs to stderr only'],
  'limits.http_max_conns_per_client': ['debug', 'roster does not cap connections per client'],
  'limits.rpc_max_conns_per_client': ['debug', 'roster does not cap connections per client'],
  'limits.rpc_rate': ['warn', 'roster does not rate-limit RPC'],
  'limits.rpc_max_burst': ['warn', 'roster does not rate-limit RPC'],
  'ports.sidecar_min_port': ['debug', 'roster has no service mesh'],
  'ports.sidecar_max_port': ['debug', 'roster has no service mesh'],
  'ports.expose_min_port': ['debug', 'roster has no service mesh'],
  'ports.expose_max_port': ['debug', 'roster has no service mesh'],
  'dns_config.disable_compression': ['debug', 'roster always compresses DNS names'],
  'dns_config.use_cache': ['warn', 'roster answers DNS from its own state, not an agent cache'],
  'dns_config.cache_max_age': ['warn', 'roster answers DNS from its own state, not an agent cache'],
};

/** Consul keys that mean something roster does not do. Loading them is an error, with this reason. */
const UNSUPPORTED_KEYS: Record<string, string> = {
  acl: 'ACLs are not supported',
  addresses: 'per-listener addresses are not supported; set client_addr',
  advertise_addr_wan: 'a separate WAN address is not supported',
  advertise_addr_ipv4: 'per-family advertise addresses are not supported; set advertise_addr',
  advertise_addr_ipv6: 'per-family advertise addresses are not supported; set advertise_addr',
  auto_config: 'auto-config is not supported',
  auto_encrypt: 'auto-encrypt is not supported',
  auto_reload_config: 'watching config files is not supported; run "roster reload" or send the agent SIGHUP',
  autopilot: 'autopilot settings are not configurable',
  audit: 'audit logging is not supported',
  ca_file: 'TLS is not supported',
  ca_path: 'TLS is not supported',
  cert_file: 'TLS is not supported',
  key_file: 'TLS is not supported',
  tls: 'TLS is not supported',
  verify_incoming: 'TLS is not supported',
  verify_outgoing: 'TLS is not supported',
  verify_server_hostname: 'TLS is not supported',
  server_name: 'TLS is not supported',
  config_entries: 'config entries (service mesh) are not supported',
  connect: 'service mesh (connect) is not supported',
  encrypt_verify_incoming: 'gossip encryption modes are not configurable',
  encrypt_verify_outgoing: 'gossip encryption modes are not configurable',
  performance: 'performance tuning (raft_multiplier) is not configurable',
  pid_file: 'pid_file is not supported in config files; pass -pid-file',
  primary_datacenter: 'ACL/mesh primary datacenters are not supported',
  read_replica: 'read replicas are not supported',
  segment: 'network segments are not supported',
  segments: 'network segments are not supported',
  serf_lan: 'a separate gossip bind address is not supported; set bind_addr',
  serf_wan: 'a separate gossip bind address is not supported; set bind_addr',
  translate_wan_addrs: 'WAN address translation is not supported',
  watches: 'watches in config are not supported; use "roster watch"',
  'ports.https': 'TLS is not supported',
  'ports.grpc_tls': 'TLS is not supported',
  'dns_config.soa': 'custom SOA values are not supported',
  'dns_config.prefer_namespace': 'namespaces are not supported',
};

/** Why a key roster does not know is rejected: Consul-but-unsupported, or simply unknown. */
export function unknownKeyMessage(parentPath: string, key: string, knownKeys: readonly string[]): string {
  const path = parentPath ? `${parentPath}.${key}` : key;
  const unsupported = UNSUPPORTED_KEYS[path];
  if (unsupported) return `not supported by roster: ${unsupported}`;
  // Consul's keys are snake_case; "nodeName" or "node-name" is the usual slip.
  const fold = (k: string) => k.replace(/[-_]/g, '').toLowerCase();
  const close = knownKeys.find((k) => fold(k) === fold(key));
  return close ? `unknown key; did you mean "${close}"?` : 'unknown key';
}

/**
 * Returns a copy of a file's content without the ignored keys, reporting each one. `label` is
 * the file name, for the note.
 */
export function stripIgnoredKeys(content: Record<string, unknown>, label: string, note: NoteSink): Record<string, unknown> {
  const out: Record<string, unknown> = { ...content };
  for (const [path, [level, why]] of Object.entries(IGNORED_KEYS)) {
    // Split at the first dot only: "telemetry.disable_compat_1.9" is one key under telemetry.
    const dot = path.indexOf('.');
    const head = dot === -1 ? path : path.slice(0, dot);
    const tail = dot === -1 ? undefined : path.slice(dot + 1);
    const parent = tail === undefined ? out : out[head];
    if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) continue;
    const pattern = tail ?? head;
    const matches = pattern.endsWith('*')
      ? Object.keys(parent).filter((key) => key.startsWith(pattern.slice(0, -1)))
      : Object.hasOwn(parent, pattern) ? [pattern] : [];
    if (matches.length === 0) continue;
    if (tail === undefined) {
      for (const key of matches) delete out[key];
    } else {
      const copy = { ...(parent as Record<string, unknown>) };
      for (const key of matches) delete copy[key];
      out[head] = copy;
    }
    for (const key of matches) note({ level, message: `${label}: ${tail === undefined ? key : `${head}.${key}`}: ignored (${why})` });
  }
  return out;
}
