import { z } from 'zod';
import { parseDuration } from '../shared/duration.js';
import type { LogLevel } from '../shared/logger.js';
import { checkAddress, checkEncryptKey, checkJoinAddress, checkNodeId, checkNodeMeta, normalizeRecursor } from './rules.js';

/**
 * One configuration file (or the command line) as Consul's JSON keys, snake_case, every key
 * optional. It validates the shape and single-key rules; rules that span keys (bootstrap vs
 * bootstrap_expect, data_dir vs -dev) run after merging, in resolve.ts. Objects are strict:
 * an unknown key is an error (keys.ts words it), never silently dropped.
 */

/** Adds a custom issue when `check` returns a message. */
const rule =
  <T>(check: (value: T) => string | undefined) =>
  (value: T, ctx: z.RefinementCtx): void => {
    const message = check(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };

const isDuration = (text: string): boolean => {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
};

const duration = z.custom<string>((v) => typeof v === 'string' && isDuration(v), {
  message: 'expected a duration like "5m", "30s" or "250ms"',
});
const positiveDuration = duration.refine((v) => parseDuration(v) > 0, 'expected a duration above zero');

const PORT = 'expected a port number from 0 to 65535, or -1 to disable';
const port = z.number().int().min(-1, PORT).max(65535, PORT);
const count = z.number().int().min(0, 'expected zero or more');

const LEVELS: Record<string, LogLevel> = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error' };
const logLevel = z
  .string()
  .superRefine(rule((v) => (LEVELS[v.trim().toLowerCase()] ? undefined : 'expected one of trace, debug, info, warn, error')))
  .transform((v) => LEVELS[v.trim().toLowerCase()]!);

// Consul lower-cases the datacenter, then allows only these characters.
const datacenter = z
  .string()
  .transform((v) => v.toLowerCase())
  .superRefine(rule((v) => (/^[a-z0-9_-]+$/.test(v) ? undefined : 'expected only letters, digits, "-" and "_"')));

// Lower case with a trailing dot: how every DNS name is compared.
const domain = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .superRefine(rule((v) => (/^\.?([a-z0-9_-]+\.)*[a-z0-9_-]+\.?$/.test(v) ? undefined : 'expected a DNS domain like "consul"')))
  .transform((v) => (v.endsWith('.') ? v : `${v}.`).replace(/^\./, ''));

const address = z.string().superRefine(rule(checkAddress));
const joinList = z.array(z.string().superRefine(rule(checkJoinAddress)));
const objectOrList = z.record(z.string(), z.unknown());

const ports = z
  .object({ dns: port, http: port, grpc: port, serf_lan: port, serf_wan: port, server: port })
  .partial()
  .strict();

const dnsConfig = z
  .object({
    node_ttl: duration,
    service_ttl: z.record(z.string(), duration),
    only_passing: z.boolean(),
    udp_answer_limit: count,
    a_record_limit: count,
    enable_truncate: z.boolean(),
    enable_additional_node_meta_txt: z.boolean(),
    allow_stale: z.boolean(),
    max_stale: positiveDuration,
    recursor_timeout: positiveDuration,
    recursor_strategy: z.enum(['sequential', 'random']),
  })
  .partial()
  .strict();

const limits = z.object({ kv_max_value_size: z.number().int().min(1, 'expected at least 1 byte') }).partial().strict();

// The prefix starts every metric name, dotted in JSON and underscored for Prometheus.
const telemetry = z
  .object({
    metrics_prefix: z
      .string()
      .superRefine(rule((v) => (/^[A-Za-z0-9_.-]*$/.test(v) ? undefined : 'expected letters, digits, "_", "-" and "." only (it starts every metric name)'))),
    disable_hostname: z.boolean(),
  })
  .partial()
  .strict();

export const fileConfigSchema = z
  .object({
    datacenter,
    node_name: z.string(),
    node_id: z.string().superRefine(rule(checkNodeId)).transform((v) => v.toLowerCase()),
    domain,
    alt_domain: domain,
    server: z.boolean(),
    bootstrap: z.boolean(),
    bootstrap_expect: count,
    raft_snapshot_threshold: z.number().int().min(1, 'expected at least 1'),
    raft_trailing_logs: count,
    raft_snapshot_interval: positiveDuration,
    raft_read_lease: z.boolean(),
    data_dir: z.string(),
    bind_addr: address,
    advertise_addr: address.superRefine(
      rule((v) => (['0.0.0.0', '::'].includes(v) ? 'expected a routable address, not an unspecified one' : undefined)),
    ),
    client_addr: address,
    ports,
    retry_join: joinList,
    retry_join_wan: joinList,
    start_join: joinList,
    start_join_wan: joinList,
    retry_interval: positiveDuration,
    retry_interval_wan: positiveDuration,
    retry_max: count,
    retry_max_wan: count,
    rejoin_after_leave: z.boolean(),
    leave_on_terminate: z.boolean(),
    skip_leave_on_interrupt: z.boolean(),
    log_level: logLevel,
    log_json: z.boolean(),
    node_meta: z.record(z.string(), z.string()).superRefine((meta, ctx) => {
      for (const issue of checkNodeMeta(meta)) ctx.addIssue({ code: 'custom', ...issue });
    }),
    // Definitions are checked by shared/definitions.ts, which words its own errors.
    service: objectOrList,
    services: z.array(z.unknown()),
    check: objectOrList,
    checks: z.array(z.unknown()),
    enable_script_checks: z.boolean(),
    enable_local_script_checks: z.boolean(),
    dns_config: dnsConfig,
    recursors: z.array(
      z
        .string()
        .superRefine(rule((v) => (normalizeRecursor(v) ? undefined : 'expected an IP address, optionally with a port')))
        .transform((v) => normalizeRecursor(v)!),
    ),
    default_query_time: positiveDuration,
    max_query_time: positiveDuration,
    limits,
    telemetry,
    encrypt: z.string().superRefine(rule(checkEncryptKey)),
  })
  .partial()
  .strict();

export type FileConfig = z.output<typeof fileConfigSchema>;

/** The keys of the schema per object path, for "did you mean" on an unknown key. */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(fileConfigSchema.shape),
  ports: Object.keys(ports.shape),
  dns_config: Object.keys(dnsConfig.shape),
  limits: Object.keys(limits.shape),
  telemetry: Object.keys(telemetry.shape),
};
