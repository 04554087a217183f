/**
 * The leader's view of one follower (etcd's tracker/progress.go). Three states:
 * - probe: we don't know where the follower's log ends; send one append, wait for the answer
 *   (or the next heartbeat) before sending another;
 * - replicate: the follower is keeping up; stream appends optimistically, several in flight;
 * - snapshot: a snapshot is on its way; send nothing until it lands or fails.
 */
import { Inflights } from './inflights.js';
import type { ReplicationState } from './types.js';

export class Progress {
  /** Highest index known to match the leader's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ReplicationState = 'probe';
  /** Probe state: an append is out and unanswered. */
  probeSent = false;
  /** Snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /**
   * The commit index this follower has been told (what the last append or heartbeat let it
   * commit). The leader announces a newer one with its next append, or at the next tick when no
   * append carries it: a commit advance alone never costs a message of its own at once.
   */
  sentCommit = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  ticksSinceContact = 0;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ReplicationState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot the follower has at least the snapshot: resume right after it.
    const floor = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.resetState('probe');
    this.next = floor + 1;
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = index;
  }

  /** Sending is on hold: a probe is out, the pipe is full, or a snapshot is in transfer. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** An append went out whose last entry is `lastIndex` (or none when `count` is 0). */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** A success ack up to `index`; false when it told us nothing new (stale or duplicate). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * The follower refused an append at `rejected`; `hint` is where its log may still match. False
   * when the reject is stale (it answers an append we already moved past).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      // Everything at or below match is known good: a reject there is old news.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the answer to the outstanding probe (at next - 1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }
}
