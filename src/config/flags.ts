/**
 * `roster agent` flags, named as oclif parses them (Consul's flag names without the dash).
 * Every field is optional: an absent flag leaves the files' value, or the default, alone.
 */
export interface AgentFlags {
  dev?: boolean;
  server?: boolean;
  bootstrap?: boolean;
  'bootstrap-expect'?: number;
  'data-dir'?: string;
  'config-file'?: string[];
  'config-dir'?: string[];
  datacenter?: string;
  domain?: string;
  'alt-domain'?: string;
  node?: string;
  'node-id'?: string;
  /** `key:value` pairs. */
  'node-meta'?: string[];
  bind?: string;
  advertise?: string;
  client?: string;
  'retry-join'?: string[];
  /** Deprecated in Consul 1.15; an alias of retry-join. */
  join?: string[];
  'retry-join-wan'?: string[];
  'join-wan'?: string[];
  /** Durations, as Consul's: `30s`, `1m`. */
  'retry-interval'?: string;
  'retry-interval-wan'?: string;
  'retry-max'?: number;
  'retry-max-wan'?: number;
  /** rejoin_after_leave. */
  rejoin?: boolean;
  'dns-port'?: number;
  'http-port'?: number;
  'grpc-port'?: number;
  'serf-lan-port'?: number;
  'serf-wan-port'?: number;
  'server-port'?: number;
  'log-level'?: string;
  'log-json'?: boolean;
  encrypt?: string;
  recursor?: string[];
  'enable-script-checks'?: boolean;
  'enable-local-script-checks'?: boolean;
  /** Accepted for Consul compatibility; roster has no UI. */
  ui?: boolean;
  /** Handled by the command, not configuration. */
  'pid-file'?: string;
}

/** Flag → config key path. Lists append (retry-join and join feed one list), like Consul's flags. */
const SCALAR_FLAGS = {
  'bootstrap-expect': 'bootstrap_expect',
  'data-dir': 'data_dir',
  datacenter: 'datacenter',
  domain: 'domain',
  'alt-domain': 'alt_domain',
  node: 'node_name',
  'node-id': 'node_id',
  bind: 'bind_addr',
  advertise: 'advertise_addr',
  client: 'client_addr',
  'dns-port': 'ports.dns',
  'http-port': 'ports.http',
  'grpc-port': 'ports.grpc',
  'serf-lan-port': 'ports.serf_lan',
  'serf-wan-port': 'ports.serf_wan',
  'server-port': 'ports.server',
  'log-level': 'log_level',
  encrypt: 'encrypt',
  'retry-interval': 'retry_interval',
  'retry-interval-wan': 'retry_interval_wan',
  'retry-max': 'retry_max',
  'retry-max-wan': 'retry_max_wan',
} as const satisfies Partial<Record<keyof AgentFlags, string>>;

// Booleans count only when set: oclif reports an absent boolean flag as false, and a false
// flag must not override "server": true from a file.
const TRUE_FLAGS = {
  server: 'server',
  bootstrap: 'bootstrap',
  'log-json': 'log_json',
  rejoin: 'rejoin_after_leave',
  'enable-script-checks': 'enable_script_checks',
  'enable-local-script-checks': 'enable_local_script_checks',
} as const;

const LIST_FLAGS = [
  ['retry-join', 'retry_join'],
  ['join', 'retry_join'],
  ['retry-join-wan', 'retry_join_wan'],
  ['join-wan', 'retry_join_wan'],
  ['recursor', 'recursors'],
] as const;

/** The flags as a config-file-shaped object, validated by the same schema as files. */
export function flagsToConfig(flags: AgentFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (path: string, value: unknown) => {
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail === undefined) out[head] = value;
    else out[head] = { ...(out[head] as Record<string, unknown> | undefined), [tail]: value };
  };
  for (const [flag, path] of Object.entries(SCALAR_FLAGS)) {
    const value = flags[flag as keyof typeof SCALAR_FLAGS];
    if (value !== undefined) set(path, value);
  }
  for (const [flag, path] of Object.entries(TRUE_FLAGS)) {
    if (flags[flag as keyof typeof TRUE_FLAGS] === true) set(path, true);
  }
  for (const [flag, path] of LIST_FLAGS) {
    const values = flags[flag];
    if (values?.length) set(path, [...((out[path] as string[] | undefined) ?? []), ...values]);
  }
  if (flags['node-meta']?.length) out.node_meta = parseNodeMetaFlags(flags['node-meta']);
  return out;
}

/** Consul splits `-node-meta` at the first colon; a pair without one has an empty value. */
function parseNodeMetaFlags(pairs: readonly string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const pair of pairs) {
    const colon = pair.indexOf(':');
    meta[colon === -1 ? pair : pair.slice(0, colon)] = colon === -1 ? '' : pair.slice(colon + 1);
  }
  return meta;
}

const FLAG_FOR_PATH: Record<string, string> = {
  ...Object.fromEntries(Object.entries(SCALAR_FLAGS).map(([flag, path]) => [path, flag])),
  ...Object.fromEntries(Object.entries(TRUE_FLAGS).map(([flag, path]) => [path, flag])),
  retry_join: 'retry-join',
  retry_join_wan: 'retry-join-wan',
  recursors: 'recursor',
  node_meta: 'node-meta',
};

/** How an error names a key that came from the command line: by its flag, `-http-port`. */
export function flagForPath(path: string): string {
  const bare = path.replace(/\[\d+\]/g, '');
  const flag = FLAG_FOR_PATH[bare] ?? FLAG_FOR_PATH[bare.split('.')[0] ?? ''];
  return flag ? `-${flag}` : `command line: ${path}`;
}
