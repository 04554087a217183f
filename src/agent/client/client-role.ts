import type { CatalogFsm } from '../../catalog/fsm.js';
import type { MemberView } from '../../http/agent-port.js';
import { subscribeCatalog } from '../../rpc/catalog-stream.js';
import { ServerRpcClient } from '../../rpc/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Random } from '../../shared/random.js';
import { rpcServerCalls } from '../server/rpc-handlers.js';
import { serverMembers } from '../server/server-members.js';
import { CatalogMirror } from './catalog-mirror.js';
import { ClientCommandLog } from './client-log.js';
import { ServerList } from './server-list.js';

/** Consul rebalances a client's server list every couple of minutes (scaled by cluster size). */
const REBALANCE_MS = 120_000;

export interface ClientRole {
  readonly log: ClientCommandLog;
  readonly mirror: CatalogMirror;
  close(): Promise<void>;
}

/**
 * A client agent's link to the servers: the server list from gossip, the catalog copy fed by
 * one server's stream, and the command log that sends writes and read barriers by RPC.
 */
export function startClientRole(deps: {
  datacenter: string;
  fsm: CatalogFsm;
  members: () => readonly MemberView[];
  clock: Clock;
  random: Random;
  logger: Logger;
}): ClientRole {
  const logger = deps.logger.child({ module: 'client' });
  const servers = new ServerList(() => serverMembers(deps.members(), deps.datacenter), deps.random);
  const rpc = new ServerRpcClient({ logger });
  const mirror = new CatalogMirror(deps.fsm, servers, subscribeCatalog, deps.clock, logger);
  const log = new ClientCommandLog(servers, mirror, rpcServerCalls(rpc), deps.clock);
  mirror.start();
  const rebalance = deps.clock.setInterval(() => servers.rebalance(), REBALANCE_MS + deps.random.int(REBALANCE_MS));
  return {
    log,
    mirror,
    async close() {
      rebalance.cancel();
      mirror.close();
      rpc.close();
    },
  };
}
