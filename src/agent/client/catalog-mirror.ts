import { decodeCommand, decodeSnapshot } from '../../catalog/command-codec.js';
import type { CatalogFsm } from '../../catalog/fsm.js';
import type { Clock, Timer } from '../../shared/clock.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { CatalogFrame, CatalogSubscription, ClusterView } from '../../rpc/catalog-stream.js';
import type { ServerList } from './server-list.js';

export type Subscribe = (
  address: string,
  handlers: { onFrame(frame: CatalogFrame): void; onEnd(reason: Error): void },
) => CatalogSubscription;

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * A client agent's read-only copy of the catalog: subscribed to one server's catalog stream,
 * applying its snapshot and then each committed command through the same FSM the servers use,
 * so the copy is exactly the servers' state at some index. Reads (DNS, HTTP) are answered from
 * it; a read barrier waits until it has reached a given index. When the stream breaks, the next
 * server is tried, with backoff, and a fresh snapshot replaces the copy.
 */
export class CatalogMirror {
  private subscription: CatalogSubscription | undefined;
  private appliedIndex = 0;
  private cluster: ClusterView = { leader: '', peers: [] };
  private lastFrameAt = Number.NEGATIVE_INFINITY;
  private synced = false;
  private retryDelay = RECONNECT_MIN_MS;
  private retryTimer: Timer | undefined;
  private closed = false;
  private readonly waiters: { index: number; resolve: () => void }[] = [];
  private readonly leaderListeners: (() => void)[] = [];

  constructor(
    private readonly fsm: CatalogFsm,
    private readonly servers: ServerList,
    private readonly subscribe: Subscribe,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.connect();
  }

  /** Index of the last command applied to the copy. */
  index(): number {
    return this.appliedIndex;
  }

  /** The serving server's view of the leader and the voters, as of its last frame. */
  clusterView(): ClusterView {
    return this.cluster;
  }

  /** Whether the copy holds a snapshot from a server (until then, reads see an empty catalog). */
  isSynced(): boolean {
    return this.synced;
  }

  msSinceLastFrame(): number {
    return this.clock.monotonic() - this.lastFrameAt;
  }

  /** Called whenever the serving server goes from knowing no leader to knowing one. */
  onLeaderKnown(listener: () => void): void {
    this.leaderListeners.push(listener);
  }

  /** Resolves once the copy has applied `index`. */
  waitFor(index: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ index, resolve }));
  }

  close(): void {
    this.closed = true;
    this.retryTimer?.cancel();
    this.subscription?.cancel();
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private connect(): void {
    if (this.closed) return;
    const address = this.servers.current();
    if (!address) {
      this.scheduleRetry();
      return;
    }
    this.subscription = this.subscribe(address, {
      onFrame: (frame) => this.onFrame(frame),
      onEnd: (reason) => {
        this.subscription = undefined;
        if (this.closed) return;
        this.logger.warn({ server: address, err: errorMessage(reason) }, 'catalog stream lost; trying another server');
        this.servers.failed(address);
        this.scheduleRetry();
      },
    });
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retryTimer = this.clock.setTimeout(() => this.connect(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RECONNECT_MAX_MS);
  }

  private onFrame(frame: CatalogFrame): void {
    this.lastFrameAt = this.clock.monotonic();
    this.retryDelay = RECONNECT_MIN_MS;
    const knewLeader = this.cluster.leader !== '';
    switch (frame.kind) {
      case 'snapshot':
        this.fsm.restore(decodeSnapshot(frame.data));
        this.appliedIndex = frame.index;
        this.cluster = frame.cluster;
        this.synced = true;
        break;
      case 'entries':
        for (const [index, data] of frame.entries) {
          // A stream replays nothing twice, but a reconnect's snapshot may already cover an entry.
          if (index <= this.appliedIndex) continue;
          this.fsm.apply(index, decodeCommand(data));
          this.appliedIndex = index;
        }
        break;
      case 'heartbeat':
        this.cluster = frame.cluster;
        break;
    }
    this.releaseWaiters();
    if (!knewLeader && this.cluster.leader !== '') for (const listener of this.leaderListeners) listener();
  }

  private releaseWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.index > this.appliedIndex) continue;
      this.waiters.splice(i, 1);
      waiter.resolve();
    }
  }
}
