import type { CheckRecord, ServiceRecord } from '../../catalog/types.js';
import { jsonReply, rawReply, type HttpDeps, type Reply, type RequestContext } from '../context.js';
import { requireParam } from '../params.js';
import type { Router } from '../router.js';

/**
 * /v1/agent/health/service/{id,name}/:x — the local agent's verdict on its own services, meant
 * for load balancers: the HTTP status carries the answer (200 passing, 429 warning, 503
 * critical or maintenance, 404 unknown), the body explains it.
 */

type AggregatedStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

const NODE_MAINTENANCE = '_node_maintenance';
const SERVICE_MAINTENANCE_PREFIX = '_service_maintenance:';

/** Consul's api.HealthChecks.AggregatedStatus: a maintenance check outranks everything. */
export function aggregatedStatus(checks: readonly CheckRecord[]): AggregatedStatus {
  let maintenance = false;
  let critical = false;
  let warning = false;
  for (const check of checks) {
    if (check.CheckID === NODE_MAINTENANCE || check.CheckID.startsWith(SERVICE_MAINTENANCE_PREFIX)) {
      maintenance = true;
      continue;
    }
    if (check.Status === 'critical') critical = true;
    else if (check.Status === 'warning') warning = true;
  }
  if (maintenance) return 'maintenance';
  if (critical) return 'critical';
  if (warning) return 'warning';
  return 'passing';
}

function statusCode(status: AggregatedStatus): number {
  if (status === 'passing') return 200;
  if (status === 'warning') return 429;
  return 503;
}

interface ServiceChecksInfo {
  AggregatedStatus: AggregatedStatus;
  Service: ServiceRecord;
  Checks: CheckRecord[];
}

/** The service's own checks plus the node's (node checks count for every service). */
function healthOf(service: ServiceRecord, allChecks: Record<string, CheckRecord>): ServiceChecksInfo {
  const checks = Object.values(allChecks)
    .filter((c) => c.ServiceID === service.ID || c.ServiceID === '')
    .sort((a, b) => (a.CheckID < b.CheckID ? -1 : a.CheckID > b.CheckID ? 1 : 0));
  return { AggregatedStatus: aggregatedStatus(checks), Service: service, Checks: checks };
}

/** `?format=text` or `Accept: text/plain` asks for the bare status word. */
function wantsText(ctx: RequestContext): boolean {
  const accept = ctx.headers.accept ?? '';
  if (accept.startsWith('text/plain')) return true;
  const format = ctx.query.get('format');
  return format === 'text';
}

function textReply(status: number, text: string): Reply {
  return rawReply(text, { status, contentType: 'text/plain' });
}

export function registerAgentHealthRoutes(router: Router, deps: HttpDeps): void {
  const { agent } = deps;

  router.get('/v1/agent/health/service/id/*id', async (ctx) => {
    const id = requireParam(ctx, 'id', 'Missing serviceID');
    const services = agent.services();
    if (!Object.hasOwn(services, id)) {
      const reason = `ServiceId ${id} not found`;
      if (wantsText(ctx)) return textReply(404, reason);
      return jsonReply({ AggregatedStatus: 'critical', Service: null, Checks: null }, { status: 404 });
    }
    const info = healthOf(services[id]!, agent.checks());
    const code = statusCode(info.AggregatedStatus);
    if (wantsText(ctx)) return textReply(code, info.AggregatedStatus);
    return jsonReply(info, { status: code });
  });

  router.get('/v1/agent/health/service/name/*name', async (ctx) => {
    const name = requireParam(ctx, 'name', 'Missing service Name');
    const checks = agent.checks();
    const matching = Object.values(agent.services())
      .filter((s) => s.Service === name)
      .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
    let code = 404;
    let status: string = `ServiceName ${name} Not Found`;
    const result: ServiceChecksInfo[] = [];
    for (const service of matching) {
      const info = healthOf(service, checks);
      result.push(info);
      const serviceCode = statusCode(info.AggregatedStatus);
      // Worst wins: passing 200 < warning 429 < critical 503; 404 only when nothing matched.
      if (code === 404 || serviceCode > code) {
        code = serviceCode;
        status = info.AggregatedStatus;
      }
    }
    if (wantsText(ctx)) return textReply(code, status);
    return jsonReply(result, { status: code });
  });
}
