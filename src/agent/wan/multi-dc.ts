import type { AgentConfig } from '../../config/types.js';
import { distance } from '../../gossip/coordinate/coordinate.js';
import type { CoordinateTracker } from '../../gossip/coordinate/tracker.js';
import { trackCoordinates } from '../../gossip/coordinates.js';
import type { CoordinatePort, DatacenterPort, ForwardedReply, ForwardedRequest, InProcessDispatch } from '../../http/datacenter-port.js';
import { ServerRpcClient, type ServerRpcService } from '../../rpc/index.js';
import { AppError, errorMessage } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Random } from '../../shared/random.js';
import { ServerList } from '../client/server-list.js';
import type { GossipPools } from '../gossip.js';
import { memberView } from '../membership.js';
import { serverMembers } from '../server/server-members.js';
import {
  DEFAULT_FORWARD_TIMING,
  FORWARD_METHOD,
  MAX_FORWARD_HOPS,
  encodeForwardReply,
  forwardToServers,
  parseForwardCall,
  type ForwardTiming,
} from './forward.js';
import { startFloodJoins } from './flood.js';
import { RemoteDatacenters } from './remote-datacenters.js';
import { NoPathToDatacenterError, WanRouter } from './router.js';

/**
 * Forwarding connections notice a stopped or cut-off server within ~4 s (HTTP/2 pings), so an
 * in-flight read fails over instead of waiting out its deadline.
 */
const FORWARD_CHANNEL_OPTIONS = { 'grpc.keepalive_time_ms': 2_000, 'grpc.keepalive_timeout_ms': 2_000 };
/** A client agent's call spans two hops; it waits a little longer than its server does. */
const CLIENT_EXTRA_MS = 10_000;

export interface MultiDatacenter {
  /** Spread into startHttpServer's options: `?dc=` forwarding, datacenters, coordinates. */
  readonly http: { datacenters: DatacenterPort; coordinates: CoordinatePort };
  /** Reads from other datacenters for the rest of the agent (DNS's `.dcN` lookups). */
  readonly remote: RemoteDatacenters;
  /** Servers with a WAN pool: remote datacenters' servers from WAN gossip. */
  readonly router: WanRouter | undefined;
  readonly lanCoordinates: CoordinateTracker;
  readonly wanCoordinates: CoordinateTracker | undefined;
  close(): void;
}

/**
 * Multiple datacenters: network coordinates on both gossip pools, the WAN router (servers),
 * the `DC.Forward` RPC (servers serve it; client agents send it to a server of their own
 * datacenter) and the ports the HTTP API and DNS use. start.ts calls this once gossip and the
 * role exist.
 */
export function startMultiDatacenter(deps: {
  config: AgentConfig;
  gossip: GossipPools;
  /** The server RPC service; undefined on client agents. */
  rpc: ServerRpcService | undefined;
  clock: Clock;
  random: Random;
  logger: Logger;
}): MultiDatacenter {
  const { config, gossip, random, clock } = deps;
  const logger = deps.logger.child({ module: 'wan' });
  const own = config.datacenter;
  const lanCoordinates = trackCoordinates(gossip.lan, random);
  const wanPool = gossip.wan;
  const wanCoordinates = wanPool ? trackCoordinates(wanPool, random) : undefined;
  const router =
    wanPool && wanCoordinates
      ? new WanRouter(
          own,
          {
            members: () => wanPool.members().map(memberView),
            localName: () => wanPool.local().name,
            coordinate: (name) => wanCoordinates.get(name),
          },
          random,
        )
      : undefined;
  // Servers bring the other servers of their datacenter into the WAN pool (Consul's flood join).
  const flood = wanPool ? startFloodJoins({ lan: gossip.lan, wan: wanPool, datacenter: own, serfWanPort: config.ports.serfWan, clock, logger }) : undefined;
  const lanServers = new ServerList(() => serverMembers(gossip.lan.members().map(memberView), own), random);
  const rpcClient = new ServerRpcClient({ logger, channelOptions: FORWARD_CHANNEL_OPTIONS });
  const timing: ForwardTiming = { ...DEFAULT_FORWARD_TIMING, defaultQueryTimeMs: config.defaultQueryTimeMs, maxQueryTimeMs: config.maxQueryTimeMs };
  const clientTiming: ForwardTiming = {
    ...timing,
    requestTimeoutMs: timing.requestTimeoutMs + CLIENT_EXTRA_MS,
    blockingSlackMs: timing.blockingSlackMs + CLIENT_EXTRA_MS,
  };
  let dispatch: InProcessDispatch | undefined;

  async function runHere(request: ForwardedRequest, signal: AbortSignal): Promise<ForwardedReply> {
    if (!dispatch) throw new AppError('UNAVAILABLE', 'this agent runs no HTTP API, so it cannot execute forwarded requests');
    return dispatch(request, signal);
  }

  async function forward(datacenter: string, request: ForwardedRequest, signal: AbortSignal, hops: number): Promise<ForwardedReply> {
    if (config.server) {
      if (datacenter === own) return runHere(request, signal);
      if (!router) throw new NoPathToDatacenterError(datacenter, 'unknown');
      if (hops >= MAX_FORWARD_HOPS) throw new NoPathToDatacenterError(datacenter, 'unreachable', `forwarding loop (${hops} hops)`);
      const servers = router.servers(datacenter);
      return forwardToServers(rpcClient, servers, { ...request, datacenter, hops: hops + 1 }, {
        timing,
        signal,
        failed: (address) => {
          logger.warn({ datacenter, server: address }, 'forwarding to a server of another datacenter failed; trying the next');
          router.failed(datacenter, address);
        },
        unreachable: (last) =>
          new NoPathToDatacenterError(datacenter, 'unreachable', `no server of ${datacenter} answered (${servers.length} tried; last: ${errorMessage(last)})`),
      });
    }
    // A client agent: a server of our own datacenter runs it, or passes it on.
    const servers = lanServers.all();
    if (servers.length === 0) throw new AppError('UNAVAILABLE', 'No known Consul servers');
    return forwardToServers(rpcClient, servers, { ...request, datacenter, hops: hops + 1 }, {
      timing: clientTiming,
      signal,
      failed: (address) => lanServers.failed(address),
      unreachable: (last) => new AppError('UNAVAILABLE', `no server of datacenter ${own} answered: ${errorMessage(last)}`),
    });
  }

  deps.rpc?.registerJsonHandler(FORWARD_METHOD, async (payload, context) => {
    const { datacenter, hops, ...request } = parseForwardCall(payload);
    return encodeForwardReply(await forward(datacenter, request, context.signal, hops));
  });

  const datacenters: DatacenterPort = {
    isServer: config.server,
    forward: (datacenter, request, signal) => forward(datacenter, request, signal, 0),
    datacenters: () => router?.datacenters() ?? [own],
    serve: (d) => {
      dispatch = d;
    },
  };

  const coordinates: CoordinatePort = {
    nodes: () => {
      const live = new Set(gossip.lan.members().filter((m) => m.state !== 'left').map((m) => m.name));
      return lanCoordinates
        .all()
        .filter((c) => live.has(c.node))
        .map((c) => ({ Node: c.node, Segment: '', Coord: c.coord }));
    },
    node: (name) => lanCoordinates.get(name),
    datacenters: () => {
      if (!router || !wanCoordinates) return [];
      const byDc = router.serversByDatacenter();
      return router.datacenters().map((dc) => ({
        Datacenter: dc,
        AreaID: 'wan',
        Coordinates: (byDc.get(dc) ?? []).flatMap((s) => {
          const coord = wanCoordinates.get(s.name);
          return coord ? [{ Node: s.name, Segment: '', Coord: coord }] : [];
        }),
      }));
    },
    distance,
  };

  return {
    http: { datacenters, coordinates },
    remote: new RemoteDatacenters(own, (datacenter, request, signal) => forward(datacenter, request, signal, 0)),
    router,
    lanCoordinates,
    wanCoordinates,
    close: () => {
      flood?.cancel();
      deps.rpc?.unregisterHandler(FORWARD_METHOD);
      rpcClient.close();
    },
  };
}
