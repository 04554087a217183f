import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * Service and check definitions as Consul accepts them: in config files (snake_case), in the
 * agent API (CamelCase) and in `services register` files. Field names match case-insensitively
 * and with or without underscores, as Go's JSON decoding plus Consul's snake_case translation
 * do, so every existing Consul definition loads unchanged. User data (Meta keys, header names)
 * is never renamed.
 */

const CHECK_FIELDS = [
  'ID', 'CheckID', 'Name', 'ServiceID', 'Notes', 'Status', 'TTL', 'HTTP', 'Method', 'Header', 'Body',
  'TCP', 'Interval', 'Timeout', 'DeregisterCriticalServiceAfter', 'TLSSkipVerify', 'Args', 'ScriptArgs',
  'GRPC', 'GRPCUseTLS', 'AliasNode', 'AliasService', 'DisableRedirects', 'Script',
  'SuccessBeforePassing', 'FailuresBeforeCritical', 'FailuresBeforeWarning',
] as const;
const SERVICE_FIELDS = [
  'ID', 'Name', 'Tags', 'Address', 'Port', 'Meta', 'TaggedAddresses', 'Weights', 'EnableTagOverride',
  'Kind', 'SocketPath', 'Check', 'Checks', 'Token', 'Namespace', 'Partition',
] as const;

/**
 * Consul fields roster does not act on (mesh, enterprise tenancy, check kinds it does not run as
 * such). Consul's own clients send several of them, often empty, so they are accepted and
 * ignored; any other unknown field is an error, which catches typos in definitions.
 */
const IGNORED_FIELDS = new Set(
  ['Connect', 'Proxy', 'SidecarService', 'Locality', 'TLSServerName', 'OutputMaxSize', 'Definition', 'Type', 'Node', 'CreateIndex', 'ModifyIndex', 'Datacenter', 'Output'].map((f) => f.toLowerCase()),
);

const fold = (key: string): string => key.replace(/_/g, '').toLowerCase();

/** Renames the known fields of `input` to their canonical spelling; unknown keys are reported. */
function canonical(input: unknown, fields: readonly string[], where: string): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new DefinitionError(`${where}: expected an object`);
  }
  const byFold = new Map(fields.map((f) => [fold(f), f]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const name = byFold.get(fold(key));
    if (!name && IGNORED_FIELDS.has(fold(key))) continue;
    if (!name) throw new DefinitionError(`${where}: unknown field "${key}"`);
    out[name] = value;
  }
  return out;
}

export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
}

const duration = z.string().refine((text) => {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}, 'must be a duration like "10s" or "1m"');

const metaMap = z
  .record(z.string().max(512, 'meta values are at most 512 characters'))
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 meta pairs')
  .refine((m) => Object.keys(m).every((k) => /^[A-Za-z0-9_-]{1,128}$/.test(k)), 'meta keys are 1-128 of [A-Za-z0-9_-]');

const status = z.enum(['passing', 'warning', 'critical']);

const checkSchema = z.object({
  ID: z.string().optional(),
  CheckID: z.string().optional(),
  Name: z.string().optional(),
  ServiceID: z.string().default(''),
  Notes: z.string().default(''),
  Status: status.default('critical'),
  TTL: duration.optional(),
  HTTP: z.string().url().optional(),
  Method: z.string().default('GET'),
  Header: z.record(z.array(z.string())).default({}),
  Body: z.string().default(''),
  TCP: z.string().optional(),
  Interval: duration.optional(),
  Timeout: duration.optional(),
  DeregisterCriticalServiceAfter: duration.optional(),
  TLSSkipVerify: z.boolean().default(false),
  Args: z.array(z.string()).optional(),
  ScriptArgs: z.array(z.string()).optional(),
  GRPC: z.string().optional(),
  GRPCUseTLS: z.boolean().default(false),
  AliasNode: z.string().optional(),
  AliasService: z.string().optional(),
  DisableRedirects: z.boolean().default(false),
  Script: z.string().optional(),
  SuccessBeforePassing: z.number().int().nonnegative().default(0),
  FailuresBeforeCritical: z.number().int().nonnegative().default(0),
  FailuresBeforeWarning: z.number().int().nonnegative().optional(),
});

const serviceSchema = z.object({
  ID: z.string().optional(),
  Name: z.string().min(1, 'a service needs a Name'),
  Tags: z.array(z.string()).default([]),
  Address: z.string().default(''),
  Port: z.number().int().min(0).max(65535).default(0),
  Meta: metaMap.default({}),
  TaggedAddresses: z.record(z.object({ Address: z.string(), Port: z.number().int().min(0).max(65535) })).default({}),
  Weights: z.object({ Passing: z.number().int().min(1), Warning: z.number().int().min(0) }).default({ Passing: 1, Warning: 1 }),
  EnableTagOverride: z.boolean().default(false),
  Kind: z.string().default(''),
  SocketPath: z.string().default(''),
  Token: z.string().optional(),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
});

/** '' is a check whose status only the agent sets (maintenance mode), as Consul's empty Type. */
export type CheckKind = 'ttl' | 'http' | 'tcp' | 'script' | 'grpc' | 'alias' | '';

export interface CheckDefinition {
  CheckID: string;
  Name: string;
  ServiceID: string;
  Notes: string;
  Status: 'passing' | 'warning' | 'critical';
  Kind: CheckKind;
  TTL: string;
  HTTP: string;
  Method: string;
  Header: Record<string, string[]>;
  Body: string;
  TLSSkipVerify: boolean;
  /** Follow no redirects: a 3xx answer is the result (critical). */
  DisableRedirects: boolean;
  TCP: string;
  /** Script check: the command and its arguments, run without a shell. */
  Args: string[];
  /** gRPC check: `host:port` or `host:port/service`. */
  GRPC: string;
  /** Alias check: the node (empty: this agent) and service ID whose health it mirrors. */
  AliasNode: string;
  AliasService: string;
  Interval: string;
  Timeout: string;
  DeregisterCriticalServiceAfter: string;
  SuccessBeforePassing: number;
  FailuresBeforeCritical: number;
  FailuresBeforeWarning: number;
}

/** Fields added after definitions were first persisted; older saved definitions lack them. */
const LATER_CHECK_FIELDS = { DisableRedirects: false, Args: [], GRPC: '', AliasNode: '', AliasService: '' } as const;

/** A check definition as saved by an older roster, completed with the defaults of newer fields. */
export function upgradeCheckDefinition(saved: CheckDefinition): CheckDefinition {
  return { ...LATER_CHECK_FIELDS, ...saved, Args: [...(saved.Args ?? [])] };
}

export interface ServiceDefinition {
  ID: string;
  Name: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  TaggedAddresses: Record<string, { Address: string; Port: number }>;
  Weights: { Passing: number; Warning: number };
  EnableTagOverride: boolean;
  Kind: string;
  SocketPath: string;
  Checks: CheckDefinition[];
}

/** Kinds that run on an interval (TTL and alias checks are driven from outside). */
const INTERVAL_KINDS = new Set<CheckKind>(['http', 'tcp', 'script', 'grpc']);
const KIND_LABEL: Record<CheckKind, string> = { ttl: 'TTL', http: 'HTTP', tcp: 'TCP', script: 'script', grpc: 'gRPC', alias: 'alias', '': 'maintenance' };

function firstIssue(error: z.ZodError, where: string): DefinitionError {
  const issue = error.issues[0]!;
  const path = issue.path.join('.');
  return new DefinitionError(`${where}${path ? `.${path}` : ''}: ${issue.message}`);
}

/** Renames the nested `{address, port}` objects of TaggedAddresses and the Weights object. */
function canonicalNested(raw: Record<string, unknown>, where: string): void {
  if (raw.Weights !== undefined) raw.Weights = canonical(raw.Weights, ['Passing', 'Warning'], `${where}.Weights`);
  if (raw.TaggedAddresses && typeof raw.TaggedAddresses === 'object') {
    raw.TaggedAddresses = Object.fromEntries(
      Object.entries(raw.TaggedAddresses).map(([k, v]) => [k, canonical(v, ['Address', 'Port'], `${where}.TaggedAddresses.${k}`)]),
    );
  }
}

/**
 * Validates one check definition. `service` binds it to a service (its auto ID and name follow
 * Consul: `service:<id>` and `Service '<name>' check`, numbered when a service has several).
 */
export function parseCheckDefinition(
  input: unknown,
  where = 'check',
  service?: { id: string; name: string; position?: number },
): CheckDefinition {
  const parsed = checkSchema.safeParse(canonical(input, CHECK_FIELDS, where));
  if (!parsed.success) throw firstIssue(parsed.error, where);
  const c = parsed.data;
  if (c.Script !== undefined) {
    throw new DefinitionError(`${where}: Script (a shell command line) is not supported; give the command as Args, a list: ["/usr/local/bin/check", "--flag"]`);
  }
  if (c.GRPCUseTLS) {
    throw new DefinitionError(`${where}: GRPCUseTLS: gRPC checks over TLS are not supported (roster has no TLS support); check a plaintext gRPC port`);
  }
  const args = c.Args ?? c.ScriptArgs;
  if (args !== undefined && args.length === 0) throw new DefinitionError(`${where}: Args: a script check needs a command`);
  const kinds = [
    c.TTL && 'ttl',
    c.HTTP && 'http',
    c.TCP && 'tcp',
    args && 'script',
    c.GRPC && 'grpc',
    (c.AliasService || c.AliasNode) && 'alias',
  ].filter(Boolean) as CheckKind[];
  if (kinds.length !== 1) {
    throw new DefinitionError(`${where}: a check needs exactly one of TTL, HTTP, TCP, Args (script), GRPC or AliasService/AliasNode`);
  }
  const kind = kinds[0]!;
  if (INTERVAL_KINDS.has(kind) && !c.Interval) throw new DefinitionError(`${where}: ${KIND_LABEL[kind]} checks need an Interval`);
  if (kind === 'grpc' && !/^[^/]+:\d+(\/.*)?$/.test(c.GRPC!)) {
    throw new DefinitionError(`${where}: GRPC: expected "host:port" or "host:port/service", got ${JSON.stringify(c.GRPC)}`);
  }
  const suffix = service?.position === undefined ? '' : `:${service.position}`;
  const id = c.CheckID ?? c.ID ?? (service ? `service:${service.id}${suffix}` : c.Name);
  const name = c.Name ?? (service ? `Service '${service.name}' check` : undefined);
  if (!id || !name) throw new DefinitionError(`${where}: a check needs a Name`);
  return {
    CheckID: id,
    Name: name,
    ServiceID: service?.id ?? c.ServiceID,
    Notes: c.Notes,
    Status: c.Status,
    Kind: kind,
    TTL: c.TTL ?? '',
    HTTP: c.HTTP ?? '',
    Method: c.Method,
    Header: c.Header,
    Body: c.Body,
    TLSSkipVerify: c.TLSSkipVerify,
    DisableRedirects: c.DisableRedirects,
    TCP: c.TCP ?? '',
    Args: args ?? [],
    GRPC: c.GRPC ?? '',
    AliasNode: c.AliasNode ?? '',
    AliasService: c.AliasService ?? '',
    Interval: c.Interval ?? '',
    Timeout: c.Timeout ?? '',
    DeregisterCriticalServiceAfter: c.DeregisterCriticalServiceAfter ?? '',
    SuccessBeforePassing: c.SuccessBeforePassing,
    FailuresBeforeCritical: c.FailuresBeforeCritical,
    FailuresBeforeWarning: c.FailuresBeforeWarning ?? c.FailuresBeforeCritical,
  };
}

/** Validates one service definition with its checks (`Check` and/or `Checks`). */
export function parseServiceDefinition(input: unknown, where = 'service'): ServiceDefinition {
  const raw = canonical(input, SERVICE_FIELDS, where);
  canonicalNested(raw, where);
  const { Check, Checks, ...fields } = raw;
  const parsed = serviceSchema.safeParse(fields);
  if (!parsed.success) throw firstIssue(parsed.error, where);
  const s = parsed.data;
  const id = s.ID || s.Name;
  if (Checks !== undefined && !Array.isArray(Checks)) throw new DefinitionError(`${where}.Checks: expected a list`);
  const checkInputs = [...(Check !== undefined ? [Check] : []), ...((Checks as unknown[] | undefined) ?? [])];
  const numbered = checkInputs.length > 1;
  const checks = checkInputs.map((c, i) =>
    parseCheckDefinition(c, `${where}.Checks[${i}]`, { id, name: s.Name, ...(numbered ? { position: i + 1 } : {}) }),
  );
  return {
    ID: id,
    Name: s.Name,
    Tags: s.Tags,
    Address: s.Address,
    Port: s.Port,
    Meta: s.Meta,
    TaggedAddresses: s.TaggedAddresses,
    Weights: s.Weights,
    EnableTagOverride: s.EnableTagOverride,
    Kind: s.Kind,
    SocketPath: s.SocketPath,
    Checks: checks,
  };
}
