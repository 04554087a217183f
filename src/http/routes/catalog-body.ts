import { z } from 'zod';
import type { CheckInput, DeregisterCommand, NodeInput, RegisterCommand, ServiceInput } from '../../catalog/commands.js';
import type { CheckDefinition, NodeRecord } from '../../catalog/types.js';
import { formatDuration } from '../../shared/duration.js';
import { AppError, badRequest } from '../../shared/errors.js';
import { foldFields, isPlainObject } from '../body.js';

/**
 * Bodies of PUT /v1/catalog/register and /deregister (Consul's RegisterRequest and
 * DeregisterRequest) turned into typed catalog commands. Field names match case-insensitively
 * and unknown fields are ignored, as Go's JSON decoding does; Consul's own client sends whole
 * structs (`"Service": null`, zero-valued fields), and those must register unchanged.
 */

const REGISTER_FIELDS = ['ID', 'Node', 'Address', 'Datacenter', 'TaggedAddresses', 'NodeMeta', 'Service', 'Check', 'Checks', 'SkipNodeUpdate'];
const SERVICE_FIELDS = ['Kind', 'ID', 'Service', 'Tags', 'Meta', 'Port', 'Address', 'SocketPath', 'TaggedAddresses', 'Weights', 'EnableTagOverride'];
const CHECK_FIELDS = ['Node', 'CheckID', 'Name', 'Status', 'Notes', 'Output', 'ServiceID', 'Type', 'Interval', 'Timeout', 'ExposedPort', 'Definition'];
const DEFINITION_FIELDS = ['HTTP', 'TCP', 'TTL', 'Interval', 'Timeout', 'DeregisterCriticalServiceAfter'];
const DEREGISTER_FIELDS = ['Node', 'Datacenter', 'ServiceID', 'CheckID'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const stringMap = z.record(z.string({ invalid_type_error: 'values must be strings' }));

/** Consul's node and service meta limits (structs.ValidateMetadata). */
const metaMap = stringMap
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 meta pairs')
  .refine((m) => Object.keys(m).every((k) => k.length >= 1 && k.length <= 128), 'meta keys are 1-128 characters')
  .refine((m) => Object.values(m).every((v) => v.length <= 512), 'meta values are at most 512 characters')
  .refine((m) => Object.keys(m).every((k) => !k.startsWith('consul-')), 'the "consul-" meta key prefix is reserved');

const port = z.number({ invalid_type_error: 'must be a number' }).int('must be an integer').min(0).max(65535);

/** Go durations arrive as strings ("10s"); a bare number is nanoseconds, as time.Duration marshals. */
const duration = z.union([z.string(), z.number().transform((ns) => formatDuration(ns / 1e6))]);

const nodeSchema = z.object({
  ID: z.string().default(''),
  Node: z.string({ required_error: 'Must provide node' }).min(1, 'Must provide node'),
  Address: z.string().default(''),
  Datacenter: z.string().default(''),
  TaggedAddresses: stringMap.default({}),
  NodeMeta: metaMap.default({}),
  SkipNodeUpdate: z.boolean().default(false),
});

const serviceSchema = z.object({
  Kind: z.string().default(''),
  ID: z.string().default(''),
  Service: z.string({ required_error: 'Must provide service name' }).min(1, 'Must provide service name'),
  Tags: z.array(z.string()).default([]),
  Meta: metaMap.default({}),
  Port: port.default(0),
  Address: z.string().default(''),
  SocketPath: z.string().default(''),
  TaggedAddresses: z.record(z.object({ Address: z.string().default(''), Port: port.default(0) })).default({}),
  Weights: z.object({ Passing: z.number().int().min(0).default(0), Warning: z.number().int().min(0).default(0) }).optional(),
  EnableTagOverride: z.boolean().default(false),
});

const checkSchema = z.object({
  Node: z.string().default(''),
  CheckID: z.string().default(''),
  Name: z.string().default(''),
  Status: z.enum(['passing', 'warning', 'critical', ''], { errorMap: () => ({ message: 'must be passing, warning or critical' }) }).default(''),
  Notes: z.string().default(''),
  Output: z.string().default(''),
  ServiceID: z.string().default(''),
  Type: z.string().default(''),
  Interval: duration.default(''),
  Timeout: duration.default(''),
  ExposedPort: port.default(0),
  Definition: z
    .object({
      HTTP: z.string().optional(),
      TCP: z.string().optional(),
      TTL: duration.optional(),
      Interval: duration.optional(),
      Timeout: duration.optional(),
      DeregisterCriticalServiceAfter: duration.optional(),
    })
    .default({}),
});

function validate<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as z.output<T>;
  const issue = parsed.error.issues[0]!;
  const path = [where, ...issue.path].filter((p) => p !== '').join('.');
  throw badRequest(`${path ? `${path}: ` : ''}${issue.message}`);
}

/** Folds nested objects whose keys Go would also match case-insensitively. */
function foldService(raw: unknown): Record<string, unknown> {
  const service = foldFields(raw, SERVICE_FIELDS, 'Service');
  if (isPlainObject(service.TaggedAddresses)) {
    service.TaggedAddresses = Object.fromEntries(
      Object.entries(service.TaggedAddresses).map(([k, v]) => [k, foldFields(v, ['Address', 'Port'], `Service.TaggedAddresses.${k}`)]),
    );
  }
  if (service.Weights !== undefined) service.Weights = foldFields(service.Weights, ['Passing', 'Warning'], 'Service.Weights');
  return service;
}

function foldCheck(raw: unknown, where: string): Record<string, unknown> {
  const check = foldFields(raw, CHECK_FIELDS, where);
  if (check.Definition !== undefined) check.Definition = foldFields(check.Definition, DEFINITION_FIELDS, `${where}.Definition`);
  return check;
}

function checkDatacenter(given: string, datacenter: string): void {
  if (given !== '' && given !== datacenter) throw new AppError('UNAVAILABLE', 'No path to datacenter');
}

export interface RegisterContext {
  datacenter: string;
  /** The node as the catalog has it now, if registered (its ID is kept when none is given). */
  existingNode: (name: string) => NodeRecord | undefined;
}

export function parseCatalogRegister(input: unknown, context: RegisterContext): RegisterCommand {
  const body = foldFields(input, REGISTER_FIELDS, 'body');
  const node = validate(nodeSchema, body, '');
  checkDatacenter(node.Datacenter, context.datacenter);
  if (node.ID !== '' && !UUID.test(node.ID)) throw badRequest(`Invalid node ID: "${node.ID}" is not a UUID`);
  if (!node.SkipNodeUpdate && node.Address === '') throw badRequest('Must provide address if SkipNodeUpdate is not set');

  const existing = context.existingNode(node.Node);
  const nodeInput: NodeInput = {
    ID: node.ID || (existing?.ID ?? ''),
    Node: node.Node,
    Address: node.Address || (existing?.Address ?? ''),
    Datacenter: context.datacenter,
    TaggedAddresses: node.TaggedAddresses,
    Meta: node.NodeMeta,
  };

  const command: RegisterCommand = { type: 'register', node: nodeInput };
  if (node.SkipNodeUpdate) command.skipNodeUpdate = true;

  if (body.Service !== undefined) command.service = parseService(body.Service, context.datacenter);

  const rawChecks: { raw: unknown; where: string }[] = [];
  if (body.Check !== undefined) rawChecks.push({ raw: body.Check, where: 'Check' });
  if (body.Checks !== undefined) {
    if (!Array.isArray(body.Checks)) throw badRequest('Checks: must be a list');
    body.Checks.forEach((raw, i) => raw !== null && rawChecks.push({ raw, where: `Checks[${i}]` }));
  }
  if (rawChecks.length > 0) command.checks = rawChecks.map(({ raw, where }) => parseCheck(raw, node.Node, where));
  return command;
}

function parseService(raw: unknown, datacenter: string): ServiceInput {
  const s = validate(serviceSchema, foldService(raw), 'Service');
  // A client's zero-valued Weights ({0,0}) means "not set": Consul's default is 1/1.
  const weights = s.Weights && s.Weights.Passing > 0 ? { Passing: s.Weights.Passing, Warning: s.Weights.Warning } : { Passing: 1, Warning: 1 };
  return {
    Kind: s.Kind,
    ID: s.ID || s.Service,
    Service: s.Service,
    Tags: s.Tags,
    Meta: s.Meta,
    Port: s.Port,
    Address: s.Address,
    SocketPath: s.SocketPath,
    TaggedAddresses: Object.fromEntries(Object.entries(s.TaggedAddresses).map(([k, v]) => [k, { Address: v.Address, Port: v.Port }])),
    Weights: weights,
    EnableTagOverride: s.EnableTagOverride,
    Datacenter: datacenter,
  };
}

function parseCheck(raw: unknown, nodeName: string, where: string): CheckInput {
  const c = validate(checkSchema, foldCheck(raw, where), where);
  if (c.Node !== '' && c.Node !== nodeName) {
    throw badRequest(`${where}: check is for node "${c.Node}" but the request registers node "${nodeName}"`);
  }
  const id = c.CheckID || c.Name;
  if (id === '') throw badRequest(`${where}: a check needs a CheckID or a Name`);
  const definition: CheckDefinition = {};
  for (const key of DEFINITION_FIELDS as (keyof CheckDefinition)[]) {
    const value = c.Definition[key];
    if (value !== undefined && value !== '') definition[key] = value;
  }
  return {
    CheckID: id,
    Name: c.Name,
    // Consul stores a check registered without a status as critical until it proves otherwise.
    Status: c.Status || 'critical',
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: c.ServiceID,
    // The FSM fills these from the service the check belongs to.
    ServiceName: '',
    ServiceTags: [],
    Type: c.Type,
    Interval: c.Interval,
    Timeout: c.Timeout,
    ExposedPort: c.ExposedPort,
    Definition: definition,
  };
}

export function parseCatalogDeregister(input: unknown, datacenter: string): DeregisterCommand[] {
  const body = foldFields(input, DEREGISTER_FIELDS, 'body');
  const d = validate(
    z.object({
      Node: z.string({ required_error: 'Must provide node' }).min(1, 'Must provide node'),
      Datacenter: z.string().default(''),
      ServiceID: z.string().default(''),
      CheckID: z.string().default(''),
    }),
    body,
    '',
  );
  checkDatacenter(d.Datacenter, datacenter);
  // Consul removes both when both are named; with neither, the whole node goes.
  const commands: DeregisterCommand[] = [];
  if (d.ServiceID !== '') commands.push({ type: 'deregister', node: d.Node, serviceId: d.ServiceID });
  if (d.CheckID !== '') commands.push({ type: 'deregister', node: d.Node, checkId: d.CheckID });
  if (commands.length === 0) commands.push({ type: 'deregister', node: d.Node });
  return commands;
}
