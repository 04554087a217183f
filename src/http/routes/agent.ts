import { createHash } from 'node:crypto';
import { parseCheckDefinition, parseServiceDefinition } from '../../shared/definitions.js';
import { badRequest, notFound } from '../../shared/errors.js';
import { hashBlockingQuery, parseBlockingParams } from '../blocking.js';
import { decodeJson, dropNulls, foldFields } from '../body.js';
import { emptyReply, jsonReply, type HttpDeps } from '../context.js';
import { flagParam, parseGoBool, refuseFilter, requireParam } from '../params.js';
import type { Router } from '../router.js';

/** `?enable=` of the maintenance endpoints: required, a Go boolean. */
function enableParam(query: URLSearchParams): boolean {
  if (!query.has('enable')) throw badRequest('Missing value for enable');
  const raw = query.get('enable') ?? '';
  const enable = parseGoBool(raw);
  if (enable === undefined) throw badRequest(`Invalid value for enable: ${JSON.stringify(raw)}`);
  return enable;
}

/**
 * /v1/agent/*: this agent's own view — its gossip members, the services and checks registered
 * on it, TTL check updates, join/leave and maintenance. Everything goes through the
 * LocalAgentPort; writes answer 200 with an empty body, as Consul's do.
 */
export function registerAgentRoutes(router: Router, deps: HttpDeps): void {
  const { agent } = deps;

  router.get('/v1/agent/self', async () => jsonReply(agent.self()));

  router.get('/v1/agent/members', async (ctx) => jsonReply(agent.members({ wan: flagParam(ctx.query, 'wan') })));

  router.get('/v1/agent/services', async (ctx) => {
    refuseFilter(ctx.query);
    return jsonReply(agent.services());
  });

  router.get('/v1/agent/service/*id', async (ctx) => {
    const id = requireParam(ctx, 'id', 'Missing service ID');
    const { waitMs } = parseBlockingParams(ctx.query, deps.config);
    const { hash, value } = await hashBlockingQuery(deps, { hash: ctx.query.get('hash') ?? '', waitMs }, ctx.signal, () => {
      const services = agent.services();
      if (!Object.hasOwn(services, id)) throw notFound(`unknown service ID: ${id}`);
      const service = services[id]!;
      return { hash: createHash('sha256').update(JSON.stringify(service)).digest('hex').slice(0, 16), value: service };
    });
    return jsonReply({ ...value, ContentHash: hash }, { headers: { 'X-Consul-ContentHash': hash } });
  });

  router.get('/v1/agent/checks', async (ctx) => {
    refuseFilter(ctx.query);
    return jsonReply(agent.checks());
  });

  router.put('/v1/agent/service/register', async (ctx) => {
    const definition = parseServiceDefinition(dropNulls(decodeJson(await ctx.body())));
    // Consul's exact rule: present and either bare or "true".
    const replace = ctx.query.has('replace-existing-checks') && ['', 'true'].includes(ctx.query.get('replace-existing-checks') ?? '');
    await agent.registerService(definition, { replaceExistingChecks: replace });
    return emptyReply();
  });

  router.put('/v1/agent/service/deregister/*id', async (ctx) => {
    await agent.deregisterService(requireParam(ctx, 'id', 'Missing service ID'));
    return emptyReply();
  });

  router.put('/v1/agent/check/register', async (ctx) => {
    await agent.registerCheck(parseCheckDefinition(dropNulls(decodeJson(await ctx.body()))));
    return emptyReply();
  });

  router.put('/v1/agent/check/deregister/*id', async (ctx) => {
    await agent.deregisterCheck(requireParam(ctx, 'id', 'Missing check ID'));
    return emptyReply();
  });

  for (const [verb, status] of [['pass', 'passing'], ['warn', 'warning'], ['fail', 'critical']] as const) {
    router.put(`/v1/agent/check/${verb}/*id`, async (ctx) => {
      const id = requireParam(ctx, 'id', 'Missing check ID');
      await agent.updateTtlCheck(id, status, ctx.query.get('note') ?? '');
      return emptyReply();
    });
  }

  router.put('/v1/agent/check/update/*id', async (ctx) => {
    const id = requireParam(ctx, 'id', 'Missing check ID');
    const update = foldFields(decodeJson(await ctx.body()), ['Status', 'Output'], 'body');
    const status = update.Status;
    if (status !== 'passing' && status !== 'warning' && status !== 'critical') {
      throw badRequest(`Invalid check status: '${typeof status === 'string' ? status : JSON.stringify(status ?? '')}'`);
    }
    const output = update.Output ?? '';
    if (typeof output !== 'string') throw badRequest('Request decode failed: Output must be a string');
    await agent.updateTtlCheck(id, status, output);
    return emptyReply();
  });

  router.put('/v1/agent/force-leave/*node', async (ctx) => {
    const node = requireParam(ctx, 'node', 'Missing node name');
    await agent.forceLeave(node, { wan: flagParam(ctx.query, 'wan'), prune: flagParam(ctx.query, 'prune') });
    return emptyReply();
  });

  router.put('/v1/agent/join/*address', async (ctx) => {
    const address = requireParam(ctx, 'address', 'Missing address to join');
    await agent.join(address, { wan: flagParam(ctx.query, 'wan') });
    return emptyReply();
  });

  router.put('/v1/agent/leave', async () => {
    await agent.leave();
    return emptyReply();
  });

  router.put('/v1/agent/maintenance', async (ctx) => {
    if (enableParam(ctx.query)) await agent.enableNodeMaintenance(ctx.query.get('reason') ?? '');
    else await agent.disableNodeMaintenance();
    return emptyReply();
  });

  router.put('/v1/agent/service/maintenance/*id', async (ctx) => {
    const id = requireParam(ctx, 'id', 'Missing service ID');
    if (enableParam(ctx.query)) await agent.enableServiceMaintenance(id, ctx.query.get('reason') ?? '');
    else await agent.disableServiceMaintenance(id);
    return emptyReply();
  });

  router.put('/v1/agent/reload', async () => {
    await agent.reload();
    return emptyReply();
  });
}
