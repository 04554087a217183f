import type { Coordinate } from '../../gossip/coordinate/coordinate.js';
import { distance } from '../../gossip/coordinate/coordinate.js';
import type { MemberView } from '../../http/agent-port.js';
import { AppError } from '../../shared/errors.js';
import type { Random } from '../../shared/random.js';
import { ServerList } from '../client/server-list.js';
import { MEMBER_STATUS } from '../membership.js';
import { serverMembers, type ServerMember } from '../server/server-members.js';

/**
 * Consul's "No path to datacenter" (HTTP 500). `reason` tells the two cases apart for callers
 * that answer differently (DNS: NXDOMAIN for an unknown datacenter, SERVFAIL for one whose
 * servers cannot be reached).
 */
export class NoPathToDatacenterError extends AppError {
  constructor(
    readonly datacenter: string,
    readonly reason: 'unknown' | 'unreachable',
    detail?: string,
  ) {
    super('UNAVAILABLE', detail ? `No path to datacenter: ${detail}` : 'No path to datacenter');
  }
}

/**
 * What the router needs from the WAN pool (Consul's RouterSerfCluster): the members, as
 * /v1/agent/members?wan shows them, and the WAN network coordinates gossip has measured.
 */
export interface RouterSerfCluster {
  /** WAN members, ourselves included (named `<node>.<dc>`, tags role/dc/id/port). */
  members(): readonly MemberView[];
  /** Our own WAN member name. */
  localName(): string;
  /** The WAN coordinate of a member (ourselves included), if known. */
  coordinate(name: string): Coordinate | undefined;
}

/** A member that is not gone: alive (or suspect), leaving, or failed but not yet reaped. */
const present = (m: MemberView): boolean => m.Status !== MEMBER_STATUS.left && m.Status !== MEMBER_STATUS.none;

/**
 * The servers of every datacenter, from WAN gossip (agent/router/router.go in Consul): a
 * per-datacenter server list in failover order (shuffled so servers share the load; one that
 * failed goes to the back), and the datacenters ranked by estimated round trip time.
 */
export class WanRouter {
  private readonly lists = new Map<string, ServerList>();

  constructor(
    readonly localDatacenter: string,
    private readonly cluster: RouterSerfCluster,
    private readonly random: Random,
  ) {}

  /** Whether WAN gossip knows a server of `datacenter` (alive or failed). */
  knows(datacenter: string): boolean {
    return datacenter === this.localDatacenter || this.cluster.members().some((m) => present(m) && m.Tags.role === 'consul' && m.Tags.dc === datacenter);
  }

  /**
   * The RPC addresses of `datacenter`'s live servers, the one to try first first. Throws
   * NoPathToDatacenterError when the datacenter is unknown, or known with no live server.
   */
  servers(datacenter: string): string[] {
    // Checked first so a query for a made-up name never creates a list.
    if (!this.knows(datacenter)) throw new NoPathToDatacenterError(datacenter, 'unknown');
    const list = this.listFor(datacenter).all();
    if (list.length > 0) return list;
    throw new NoPathToDatacenterError(datacenter, 'unreachable', `every server of ${datacenter} is failed or gone`);
  }

  /** A server of `datacenter` did not answer: try the others first from now on. */
  failed(datacenter: string, address: string): void {
    this.lists.get(datacenter)?.failed(address);
  }

  /** Present servers of each datacenter (ours included), by datacenter name. */
  serversByDatacenter(): Map<string, ServerMember[]> {
    const byDc = new Map<string, ServerMember[]>();
    const members = this.cluster.members().filter(present);
    for (const dc of new Set(members.map((m) => m.Tags.dc).filter((dc): dc is string => !!dc))) {
      const servers = serverMembers(members, dc);
      if (servers.length > 0) byDc.set(dc, servers);
    }
    return byDc;
  }

  /**
   * Every known datacenter, nearest first: ours (round trip 0), then by the median estimated
   * round trip from our WAN coordinate to each datacenter's servers; datacenters with no
   * coordinate yet come last; ties by name (Consul's GetDatacentersByDistance).
   */
  datacenters(): string[] {
    return this.datacenterDistances().map((d) => d.datacenter);
  }

  /** The datacenters with their median estimated RTT in seconds (Infinity when unknown). */
  datacenterDistances(): { datacenter: string; rtt: number }[] {
    const self = this.cluster.coordinate(this.cluster.localName());
    const out: { datacenter: string; rtt: number }[] = [{ datacenter: this.localDatacenter, rtt: 0 }];
    for (const [dc, servers] of this.serversByDatacenter()) {
      if (dc === this.localDatacenter) continue;
      const rtts = self
        ? servers
            .map((s) => this.cluster.coordinate(s.name))
            .filter((c): c is Coordinate => c !== undefined)
            .map((c) => distance(self, c))
            .sort((a, b) => a - b)
        : [];
      out.push({ datacenter: dc, rtt: rtts.length ? median(rtts) : Number.POSITIVE_INFINITY });
    }
    return out.sort((a, b) => (a.datacenter === this.localDatacenter ? -1 : b.datacenter === this.localDatacenter ? 1 : 0) || compare(a.rtt, b.rtt) || (a.datacenter < b.datacenter ? -1 : a.datacenter > b.datacenter ? 1 : 0));
  }

  private listFor(datacenter: string): ServerList {
    let list = this.lists.get(datacenter);
    if (!list) {
      list = new ServerList(() => serverMembers(this.cluster.members(), datacenter), this.random);
      this.lists.set(datacenter, list);
    }
    return list;
  }
}

function compare(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Median of sorted values (the upper middle for an even count, as Consul's). */
function median(sorted: readonly number[]): number {
  return sorted[Math.floor(sorted.length / 2)]!;
}
