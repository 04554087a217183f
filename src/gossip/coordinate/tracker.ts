/**
 * A gossip pool's network coordinates (serf's coordClient + coordCache): our own Vivaldi
 * coordinate, updated from each probe's round trip and the coordinate the peer put in its ack,
 * and the last coordinate heard from every peer. Pure state; the pool driver feeds it.
 */
import type { Random } from '../../shared/random.js';
import { VivaldiClient } from './client.js';
import { decodePingPayload, encodePingPayload } from './codec.js';
import { DEFAULT_COORDINATE_CONFIG, cloneCoordinate, distance, type Coordinate, type CoordinateConfig } from './coordinate.js';

export class CoordinateTracker {
  private readonly client: VivaldiClient;
  private readonly cache = new Map<string, Coordinate>();
  /** Samples refused (bad payload, RTT out of range). */
  rejected = 0;

  constructor(
    readonly selfName: string,
    random: Random,
    config: CoordinateConfig = DEFAULT_COORDINATE_CONFIG,
  ) {
    this.client = new VivaldiClient(random, config);
  }

  /** Our coordinate. */
  local(): Coordinate {
    return this.client.coordinate();
  }

  /** What we put in our acks. */
  payload(): Uint8Array {
    return encodePingPayload(this.client.coordinate());
  }

  /**
   * A probe of `node` was answered after `rttMs` with `payload` in the ack. Returns whether our
   * coordinate changed (the caller then refreshes the ack payload).
   */
  observe(node: string, rttMs: number, payload: Uint8Array | undefined): boolean {
    const other = decodePingPayload(payload);
    if (!other) {
      if (payload) this.rejected++;
      return false;
    }
    try {
      this.client.update(node, other, rttMs / 1000);
    } catch {
      this.rejected++;
      return false;
    }
    this.cache.set(node, other);
    return true;
  }

  /** The coordinate of `node` (ourselves included), if we have heard one. */
  get(node: string): Coordinate | undefined {
    if (node === this.selfName) return this.client.coordinate();
    const c = this.cache.get(node);
    return c && cloneCoordinate(c);
  }

  /** Every known coordinate, ourselves first. */
  all(): { node: string; coord: Coordinate }[] {
    return [{ node: this.selfName, coord: this.client.coordinate() }, ...[...this.cache].map(([node, coord]) => ({ node, coord: cloneCoordinate(coord) }))];
  }

  /** A member left or was reaped. */
  forget(node: string): void {
    this.cache.delete(node);
    this.client.forget(node);
  }

  /** Estimated RTT between two known nodes, seconds; undefined when either is unknown. */
  rtt(a: string, b: string): number | undefined {
    const ca = this.get(a);
    const cb = this.get(b);
    return ca && cb ? distance(ca, cb) : undefined;
  }
}
