import type { SessionInput } from '../../catalog/commands.js';
import type { SessionRecord, SessionServiceCheck } from '../../catalog/types.js';
import { parseDuration } from '../../shared/duration.js';
import { AppError, badRequest } from '../../shared/errors.js';
import { decodeJson, foldFields } from '../body.js';
import { jsonReply, type HttpDeps } from '../context.js';
import { requireParam } from '../params.js';
import { blockingRead } from '../read.js';
import type { Router } from '../router.js';

/**
 * /v1/session/*: Consul's sessions. Create, destroy and renew are log entries (renewal too, so
 * whichever server leads sees it and restarts the TTL timer); info, node and list are
 * blocking-capable reads on the sessions table.
 */

/** Consul's session_ttl_min and SessionTTLMax. */
export const SESSION_TTL_MIN_MS = 10_000;
export const SESSION_TTL_MAX_MS = 86_400_000;
/** Consul's default lock-delay, and its maximum (structs.MaxLockDelay). */
export const DEFAULT_LOCK_DELAY_NS = 15e9;
export const MAX_LOCK_DELAY_NS = 60e9;
/** The gossip health check every node has; sessions are bound to it by default. */
const SERF_HEALTH = 'serfHealth';

const CREATE_FIELDS = ['ID', 'Name', 'Node', 'LockDelay', 'Behavior', 'TTL', 'NodeChecks', 'ServiceChecks', 'Checks'] as const;

/** Consul's Session JSON, field order included. */
export function sessionJson(s: SessionRecord): Record<string, unknown> {
  return {
    ID: s.ID,
    Name: s.Name,
    Node: s.Node,
    LockDelay: s.LockDelay,
    Behavior: s.Behavior,
    TTL: s.TTL,
    NodeChecks: s.NodeChecks,
    ServiceChecks: s.ServiceChecks,
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw badRequest(`Request decode failed: ${what} must be a list of strings`);
  return value as string[];
}

/**
 * LockDelay as Consul's FixupLockDelay reads it: a duration string ("15s"), or a number — below
 * 1000 taken as seconds (older clients), otherwise nanoseconds. Returns nanoseconds.
 */
export function parseLockDelay(value: unknown): number {
  let ns: number;
  if (typeof value === 'string') ns = parseDuration(value) * 1e6;
  else if (typeof value === 'number' && Number.isFinite(value) && value >= 0) ns = value < 1000 ? value * 1e9 : value;
  else throw badRequest('Request decode failed: LockDelay must be a duration');
  if (ns > MAX_LOCK_DELAY_NS) throw badRequest(`Lock delay cannot be more than ${MAX_LOCK_DELAY_NS / 1e9}s`);
  return Math.round(ns);
}

/** Validates a TTL: "" (none) or a duration within [10s, 86400s]; returns it as given, or "" for zero. */
export function parseSessionTtl(value: unknown): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string') throw badRequest('Request decode failed: TTL must be a duration string');
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw badRequest(`Session TTL '${value}' invalid: not a duration`);
  }
  if (ms === 0) return '';
  if (ms < SESSION_TTL_MIN_MS || ms > SESSION_TTL_MAX_MS) {
    throw badRequest(`Invalid Session TTL '${value}', must be between [${SESSION_TTL_MIN_MS / 1000}s=${SESSION_TTL_MAX_MS / 1000}s]`);
  }
  return value;
}

/** The body of PUT /v1/session/create (may be empty), with Consul's defaults. */
export function parseSessionCreate(body: Buffer, defaults: { node: string; id: string }): SessionInput {
  const raw = body.toString('utf8').trim() === '' ? {} : decodeJson(body);
  const input = foldFields(raw, CREATE_FIELDS, 'the session');
  const behavior = input.Behavior ?? 'release';
  if (behavior !== 'release' && behavior !== 'delete') throw badRequest(`Invalid Behavior setting '${String(behavior)}'`);
  let serviceChecks: SessionServiceCheck[] | null = null;
  if (input.ServiceChecks !== undefined) {
    if (!Array.isArray(input.ServiceChecks)) throw badRequest('Request decode failed: ServiceChecks must be a list');
    serviceChecks = input.ServiceChecks.map((c) => {
      const check = foldFields(c, ['ID', 'Namespace'], 'a service check');
      if (typeof check.ID !== 'string' || check.ID === '') throw badRequest('Request decode failed: a service check needs an ID');
      return { ID: check.ID, ...(typeof check.Namespace === 'string' && check.Namespace !== '' ? { Namespace: check.Namespace } : {}) };
    });
  }
  const nodeChecks =
    input.NodeChecks !== undefined ? stringList(input.NodeChecks, 'NodeChecks') : input.Checks !== undefined ? stringList(input.Checks, 'Checks') : [SERF_HEALTH];
  if (input.Name !== undefined && typeof input.Name !== 'string') throw badRequest('Request decode failed: Name must be a string');
  if (input.Node !== undefined && typeof input.Node !== 'string') throw badRequest('Request decode failed: Node must be a string');
  return {
    ID: defaults.id,
    Name: (input.Name as string | undefined) ?? '',
    Node: (input.Node as string | undefined) || defaults.node,
    LockDelay: input.LockDelay === undefined ? DEFAULT_LOCK_DELAY_NS : parseLockDelay(input.LockDelay),
    Behavior: behavior,
    TTL: parseSessionTtl(input.TTL),
    NodeChecks: [...new Set(nodeChecks)],
    ServiceChecks: serviceChecks,
  };
}

export function registerSessionRoutes(router: Router, deps: HttpDeps): void {
  const { reader, log, config, random } = deps;

  router.put('/v1/session/create', async (ctx) => {
    const input = parseSessionCreate(await ctx.body(), { node: config.nodeName, id: random.uuid() });
    await log.propose({ type: 'session', op: 'create', session: input });
    return jsonReply({ ID: input.ID });
  });

  router.put('/v1/session/destroy/*id', async (ctx) => {
    const id = requireParam(ctx, 'id', 'Missing session');
    await log.propose({ type: 'session', op: 'destroy', id });
    return jsonReply(true);
  });

  router.put('/v1/session/renew/*id', async (ctx) => {
    const id = requireParam(ctx, 'id', 'Missing session');
    const applied = await log.propose({ type: 'session', op: 'renew', id });
    const session = reader.session(id);
    if (!applied.result || !session) throw new AppError('NOT_FOUND', `Session id '${id}' not found`);
    return jsonReply([sessionJson(session)]);
  });

  router.get('/v1/session/info/*id', async (ctx) => {
    const id = requireParam(ctx, 'id', 'Missing session');
    const { value, headers } = await blockingRead(deps, ctx, ['sessions'], () => ({ index: reader.index('sessions'), value: reader.session(id) }));
    return jsonReply(value ? [sessionJson(value)] : [], { headers });
  });

  router.get('/v1/session/node/*node', async (ctx) => {
    const node = requireParam(ctx, 'node', 'Missing node name');
    const { value, headers } = await blockingRead(deps, ctx, ['sessions'], () => ({ index: reader.index('sessions'), value: reader.nodeSessions(node) }));
    return jsonReply(value.map(sessionJson), { headers });
  });

  router.get('/v1/session/list', async (ctx) => {
    const { value, headers } = await blockingRead(deps, ctx, ['sessions'], () => ({ index: reader.index('sessions'), value: reader.sessions() }));
    return jsonReply(value.map(sessionJson), { headers });
  });
}
