import { AppError, badRequest } from '../../shared/errors.js';
import { emptyReply, jsonReply, type HttpDeps, type RequestContext } from '../context.js';
import type { OperatorPort } from '../operator-port.js';
import { checkDatacenter } from '../read.js';
import type { Router } from '../router.js';

/**
 * /v1/operator/raft/*: Consul's Raft operator API. The work is the server's (the OperatorPort,
 * which forwards to the leader where needed); this file checks the request and shapes the reply.
 */

export const NO_OPERATOR_MESSAGE =
  'operator endpoints need a server agent: this agent is not a Raft server (point -http-addr at a server)';

/** The port, or Consul-style 500 when this agent is not a server. */
export function requireOperator(deps: HttpDeps): OperatorPort {
  if (!deps.operator) throw new AppError('UNAVAILABLE', NO_OPERATOR_MESSAGE);
  return deps.operator;
}

/**
 * `?stale` (presence, as Consul reads it; an explicit false is honoured). `?consistent` with it
 * is Consul's conflicting-semantics 400.
 */
export function staleParam(query: URLSearchParams): boolean {
  const stale = query.has('stale') && !['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(query.get('stale') ?? '');
  if (stale && query.has('consistent')) throw badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
  return stale;
}

export function registerOperatorRoutes(router: Router, deps: HttpDeps): void {
  router.get('/v1/operator/raft/configuration', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    const stale = staleParam(ctx.query);
    const view = await requireOperator(deps).raftConfiguration({ stale });
    return jsonReply(view);
  });

  router.delete('/v1/operator/raft/peer', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    const hasId = ctx.query.has('id');
    const hasAddress = ctx.query.has('address');
    if (hasId && hasAddress) throw badRequest('Must specify only one of ?id or ?address');
    const id = ctx.query.get('id') ?? '';
    const address = ctx.query.get('address') ?? '';
    if (id === '' && address === '') {
      throw badRequest("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
    }
    const operator = requireOperator(deps);
    await operator.removeRaftPeer(hasId ? { id } : { address });
    return emptyReply();
  });

  const transferLeader = async (ctx: RequestContext) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    // No ?id (or an empty one): the server picks the most up-to-date other voter.
    const id = ctx.query.get('id') || undefined;
    await requireOperator(deps).transferLeader(id);
    return jsonReply({ Success: true });
  };
  router.add('POST', '/v1/operator/raft/transfer-leader', transferLeader);
  router.put('/v1/operator/raft/transfer-leader', transferLeader);
}
