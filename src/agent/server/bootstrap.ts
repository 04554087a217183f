import type { Membership } from '../../raft/core/types.js';
import { isAlive, type ServerMember } from './server-members.js';

export type BootstrapDecision =
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'refuse'; readonly reason: string }
  | { readonly kind: 'bootstrap'; readonly membership: Membership };

/**
 * Consul's bootstrap_expect rule (before asking the peers whether any of them already has a
 * Raft configuration): once `expect` alive servers of our datacenter are in the LAN pool, all
 * advertising the same expectation and none in -bootstrap mode, every one of them bootstraps
 * with the same server set. Sorted by ID, so each computes the identical first configuration.
 */
export function decideBootstrap(servers: readonly ServerMember[], expect: number): BootstrapDecision {
  const alive = servers.filter(isAlive);
  const disagree = alive.find((s) => s.expect !== 0 && s.expect !== expect);
  if (disagree) {
    return { kind: 'refuse', reason: `member ${disagree.name} has a conflicting expect value (${disagree.expect}, ours ${expect}); all servers should have the same bootstrap_expect` };
  }
  const manual = alive.find((s) => s.bootstrap);
  if (manual) return { kind: 'refuse', reason: `member ${manual.name} is in -bootstrap mode; not bootstrapping from bootstrap_expect` };
  if (alive.length < expect) return { kind: 'wait', reason: `${alive.length} of ${expect} expected servers in the pool` };
  const sorted = [...alive].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { kind: 'bootstrap', membership: { servers: sorted.map((s) => ({ id: s.id, address: s.address, voter: true })) } };
}
