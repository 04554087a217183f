import type { FollowerProgress, Membership, MembershipChange, ServerId } from '../../raft/core/types.js';
import { MEMBER_STATUS } from '../membership.js';
import type { ServerMember } from './server-members.js';

/** Consul's autopilot defaults (server_stabilization_time, max_trailing_logs). */
export const AUTOPILOT_DEFAULTS = {
  stabilizationMs: 10_000,
  maxTrailingLogs: 250,
  /** How long gossip must call a server failed before it is removed from the configuration. */
  deadServerGraceMs: 10_000,
} as const;

export interface AutopilotView {
  readonly now: number;
  readonly leaderId: ServerId;
  readonly membership: Membership;
  readonly servers: readonly ServerMember[];
  readonly progress: readonly FollowerProgress[];
  readonly commit: number;
}

/**
 * The leader's server-set housekeeping, one single-server change at a time: servers that left
 * are removed, new servers join as non-voters and are promoted once they have kept up for the
 * stabilization time, and servers gossip has called failed for a while are removed as long as
 * a healthy majority remains. Stateful only in when it first saw each server healthy or failed.
 */
export class Autopilot {
  private readonly healthySince = new Map<ServerId, number>();
  private readonly failedSince = new Map<ServerId, number>();

  constructor(private readonly settings: typeof AUTOPILOT_DEFAULTS = AUTOPILOT_DEFAULTS) {}

  next(view: AutopilotView): MembershipChange | null {
    const byId = new Map(view.servers.map((s) => [s.id, s]));
    this.track(view, byId);
    const inConfig = view.membership.servers;

    for (const server of inConfig) {
      if (server.id === view.leaderId) continue;
      const member = byId.get(server.id);
      // Gone from gossip entirely (reaped) or left gracefully: no longer part of the cluster.
      if (!member || member.status === MEMBER_STATUS.left) return { type: 'remove', id: server.id };
    }
    for (const member of view.servers) {
      if (member.status !== MEMBER_STATUS.alive || inConfig.some((s) => s.id === member.id)) continue;
      return { type: 'add-nonvoter', id: member.id, address: member.address };
    }
    for (const server of inConfig) {
      if (server.voter) continue;
      const since = this.healthySince.get(server.id);
      if (since !== undefined && view.now - since >= this.settings.stabilizationMs) {
        return { type: 'add-voter', id: server.id, address: server.address };
      }
    }
    return this.deadServerToRemove(view);
  }

  private deadServerToRemove(view: AutopilotView): MembershipChange | null {
    const voters = view.membership.servers.filter((s) => s.voter);
    const failed = voters.filter((s) => {
      const since = this.failedSince.get(s.id);
      return since !== undefined && view.now - since >= this.settings.deadServerGraceMs;
    });
    const first = failed[0];
    // Never remove so many that the remaining voters lose their majority of the current set.
    if (!first || voters.length - 1 < Math.floor(voters.length / 2) + 1) return null;
    return { type: 'remove', id: first.id };
  }

  private track(view: AutopilotView, byId: Map<ServerId, ServerMember>): void {
    const progress = new Map(view.progress.map((p) => [p.id, p]));
    for (const server of view.membership.servers) {
      const member = byId.get(server.id);
      const p = progress.get(server.id);
      const healthy = member?.status === MEMBER_STATUS.alive && p !== undefined && view.commit - p.match <= this.settings.maxTrailingLogs;
      if (healthy) {
        if (!this.healthySince.has(server.id)) this.healthySince.set(server.id, view.now);
      } else this.healthySince.delete(server.id);
      if (member?.status === MEMBER_STATUS.failed) {
        if (!this.failedSince.has(server.id)) this.failedSince.set(server.id, view.now);
      } else this.failedSince.delete(server.id);
    }
  }
}
