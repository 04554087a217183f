import type { Clock, Timer } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { RaftStateMachine } from '../../raft/node/state-machine.js';
import type { CatalogFrame, CatalogSubscriber, ClusterView } from '../../rpc/catalog-stream.js';

/** Entries a slow subscriber may have queued before it is cut off (it resubscribes and gets a snapshot). */
const MAX_BACKLOG_FRAMES = 1_024;
const HEARTBEAT_MS = 1_000;

interface Subscription {
  readonly subscriber: CatalogSubscriber;
  /** Frames refused by a full stream buffer, sent again on the next flush. */
  backlog: number;
}

/**
 * Serves the catalog stream on a server: wraps the state machine Raft applies to, so every
 * applied command is also queued for the client agents subscribed here, in log order, batched
 * per event-loop turn. A new subscriber first gets a snapshot of the applied state. When the
 * state machine is replaced wholesale (a snapshot installed from the leader), every subscriber
 * gets a fresh snapshot before any further entry.
 */
export class CatalogFeed implements RaftStateMachine {
  private readonly subscriptions = new Set<Subscription>();
  private pending: [number, Uint8Array][] = [];
  private flushScheduled = false;
  /** Set when the state was replaced and subscribers have not been sent the new snapshot yet. */
  private resetPending = false;
  private appliedIndex = 0;
  private readonly heartbeat: Timer;

  constructor(
    private readonly inner: RaftStateMachine,
    private readonly deps: {
      /** The encoded catalog as applied now (what a snapshot frame carries). */
      encodeState: () => Uint8Array;
      cluster: () => ClusterView;
      /** The applied index as the Raft node reports it (used after a wholesale replace). */
      appliedIndex: () => number;
      clock: Clock;
      logger: Logger;
    },
  ) {
    this.heartbeat = deps.clock.setInterval(() => this.beat(), HEARTBEAT_MS);
  }

  apply(index: number, data: Uint8Array): unknown {
    // The state before this entry is exactly index - 1: the moment to resend a replaced state.
    if (this.resetPending) this.resendSnapshots(index - 1);
    const result = this.inner.apply(index, data);
    this.appliedIndex = index;
    if (this.subscriptions.size > 0) {
      this.pending.push([index, data]);
      this.scheduleFlush();
    }
    return result;
  }

  snapshot(): Uint8Array {
    return this.inner.snapshot();
  }

  /** Raft's snapshots: captured at once, encoded piece by piece in the background. */
  snapshotPieces(): Iterable<Uint8Array> {
    return this.inner.snapshotPieces ? this.inner.snapshotPieces() : [this.inner.snapshot()];
  }

  restore(data: Uint8Array): void {
    this.inner.restore(data);
    this.pending = [];
    // The index of the new state is known for sure only at the next apply (or heartbeat).
    this.appliedIndex = 0;
    this.resetPending = true;
  }

  subscribe(subscriber: CatalogSubscriber): void {
    const subscription: Subscription = { subscriber, backlog: 0 };
    if (!this.resetPending) {
      // Everything applied so far is in the snapshot; everything after arrives as entries.
      this.flush();
      const index = this.appliedIndex || this.deps.appliedIndex();
      subscriber.write({ kind: 'snapshot', index, data: this.deps.encodeState(), cluster: this.deps.cluster() });
    }
    this.subscriptions.add(subscription);
    subscriber.onClose(() => this.subscriptions.delete(subscription));
  }

  close(): void {
    this.heartbeat.cancel();
    for (const { subscriber } of this.subscriptions) subscriber.end();
    this.subscriptions.clear();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const frame: CatalogFrame = { kind: 'entries', entries: this.pending };
    this.pending = [];
    this.send(frame);
  }

  private send(frame: CatalogFrame): void {
    for (const subscription of this.subscriptions) {
      if (subscription.subscriber.write(frame)) {
        subscription.backlog = 0;
        continue;
      }
      // grpc buffers the frame anyway; count how far behind this subscriber is.
      if (++subscription.backlog > MAX_BACKLOG_FRAMES) {
        this.deps.logger.warn('catalog stream subscriber too slow; closing it (it will resubscribe)');
        this.subscriptions.delete(subscription);
        subscription.subscriber.end();
      }
    }
  }

  private resendSnapshots(index: number): void {
    this.resetPending = false;
    this.pending = [];
    if (this.subscriptions.size === 0) return;
    const frame: CatalogFrame = { kind: 'snapshot', index, data: this.deps.encodeState(), cluster: this.deps.cluster() };
    this.send(frame);
  }

  private beat(): void {
    if (this.subscriptions.size === 0) return;
    if (this.resetPending) {
      this.appliedIndex = this.deps.appliedIndex();
      this.resendSnapshots(this.appliedIndex);
      return;
    }
    this.flush();
    this.send({ kind: 'heartbeat', index: this.appliedIndex || this.deps.appliedIndex(), cluster: this.deps.cluster() });
  }
}
