/**
 * The first durable state of a brand-new cluster (hashicorp/raft's BootstrapCluster): a config
 * entry at index 1, term 1, holding the initial membership, and current term 1 so that no log
 * entry is ever from a term later than the server's own. Commit stays 0: the entry commits like
 * any other once the first leader's no-op does. Every server bootstrapped with the same
 * membership writes the identical entry, so their logs agree from the start.
 *
 * The driver persists the result, then constructs Raft from it. A server that is not
 * bootstrapped starts with an empty log and an empty membership: it never campaigns and waits
 * for a leader to add it.
 */
import { AppError } from '../../shared/errors.js';
import { encodeMembership } from './membership.js';
import type { Entry, HardState, Membership } from './types.js';

export function bootstrapLog(membership: Membership): { hardState: HardState; entries: Entry[] } {
  const ids = new Set(membership.servers.map((s) => s.id));
  if (ids.size !== membership.servers.length) throw new AppError('CONFIG', 'bootstrap: duplicate server IDs');
  if (!membership.servers.some((s) => s.voter)) throw new AppError('CONFIG', 'bootstrap: no voter in the membership');
  return {
    hardState: { term: 1, vote: '', commit: 0 },
    entries: [{ index: 1, term: 1, kind: 'config', data: encodeMembership(membership) }],
  };
}
